"""The store's transitions as tables, on a real SQLite file.

An outgoing message moves pending → (claimed) → sent, or → failed → pending again or released,
and only the worker holding it may mark it. Each cell is one case: what the call answers, and
the row's status and attempts afterwards; a refused call leaves the row exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.proposal import Actor, Decision, Status
from bot.store import NewMessage, Store
from bot.workflow import CentralRoster, Workflow
from policy import parse_intake
from tests.conftest import FakeClock, intake_data

LEASE = dt.timedelta(seconds=30)
PLATFORMS = {"console"}
OWNER, OTHER = "worker-1", "worker-2"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    opened = Store(db_path)
    yield opened
    opened.close()


def message(key: str = "p1:review", lane: str = "review") -> NewMessage:
    """An outgoing message of proposal 1 (the outbox keeps no foreign key to proposals)."""
    return NewMessage(platform="console", kind="review_post", dedupe_key=key, payload={},
                      proposal_id=1, lane=lane)


# -- an outgoing message in each state ----------------------------------------------------------


def _claim(store: Store, clock: FakeClock, worker: str = OWNER) -> bool:
    return any(row.id == 1 for row in store.claim_due(clock(), worker, LEASE, PLATFORMS))


def _give_up(store: Store, clock: FakeClock, worker: str = OWNER) -> bool:
    notice = message("notice", lane="central")  # the central team hears of it, in its own lane
    return store.give_up(1, worker, clock(), "platformen svarer ikke", [notice])


STATES: dict[str, Callable[[Store, FakeClock], object]] = {
    "pending": lambda store, clock: None,
    "claimed": lambda store, clock: _claim(store, clock),
    # Claimed, and the lease ran out without the row being marked (a worker that died).
    "lease-ran-out": lambda store, clock: (_claim(store, clock), clock.advance(seconds=60)),
    "sent": lambda store, clock: (_claim(store, clock),
                                  store.mark_sent(1, OWNER, clock(), {"ts": "1.0"})),
    "failed": lambda store, clock: (_claim(store, clock), _give_up(store, clock)),
    "released": lambda store, clock: (_claim(store, clock), _give_up(store, clock),
                                      store.release_failed(1, clock())),
}

OPERATIONS: dict[str, Callable[[Store, FakeClock], object]] = {
    "claim-by-other": lambda store, clock: _claim(store, clock, OTHER),
    "sent-by-owner": lambda store, clock: store.mark_sent(1, OWNER, clock(), {"ts": "2.0"}),
    "sent-by-other": lambda store, clock: store.mark_sent(1, OTHER, clock(), {"ts": "2.0"}),
    "retry-by-owner": lambda store, clock: store.mark_retry(
        1, OWNER, clock() + dt.timedelta(minutes=1), "500"),
    "retry-by-other": lambda store, clock: store.mark_retry(
        1, OTHER, clock() + dt.timedelta(minutes=1), "500"),
    "give-up-by-owner": lambda store, clock: _give_up(store, clock),
    "give-up-by-other": lambda store, clock: _give_up(store, clock, OTHER),
    "operator-retries": lambda store, clock: store.retry_failed(1, clock()),
    "operator-releases": lambda store, clock: store.release_failed(1, clock()),
}

# (what the call answers, the status after, attempts after). mark_sent answers None.
Cell = tuple[bool | None, str, int]
_PENDING: Cell = (False, "pending", 0)
_SENT: Cell = (False, "sent", 1)
_FAILED: Cell = (False, "failed", 1)
_RELEASED: Cell = (False, "released", 1)
TABLE: dict[str, dict[str, Cell]] = {
    "pending": {
        "claim-by-other": (True, "pending", 0),
        "sent-by-owner": (None, "pending", 0),  # nobody holds it: nobody may mark it
        "sent-by-other": (None, "pending", 0),
        "retry-by-owner": _PENDING, "retry-by-other": _PENDING,
        "give-up-by-owner": _PENDING, "give-up-by-other": _PENDING,
        "operator-retries": _PENDING, "operator-releases": _PENDING,
    },
    "claimed": {
        "claim-by-other": _PENDING,  # the lease still runs
        "sent-by-owner": (None, "sent", 1),
        "sent-by-other": (None, "pending", 0),
        "retry-by-owner": (True, "pending", 1),
        "retry-by-other": _PENDING,
        "give-up-by-owner": (True, "failed", 1),
        "give-up-by-other": _PENDING,
        "operator-retries": _PENDING, "operator-releases": _PENDING,
    },
    "lease-ran-out": {
        "claim-by-other": (True, "pending", 1),  # the lost claim counts as an attempt
        "sent-by-owner": (None, "sent", 1),  # nobody took it over: the owner's answer counts
        "sent-by-other": (None, "pending", 0),
        "retry-by-owner": (True, "pending", 1),
        "retry-by-other": _PENDING,
        "give-up-by-owner": (True, "failed", 1),
        "give-up-by-other": _PENDING,
        "operator-retries": _PENDING, "operator-releases": _PENDING,
    },
    # A closed row stays closed, also for the worker that held it: marking it sent again would
    # count a second attempt, and a failed or released row would pass for delivered.
    "sent": {
        "claim-by-other": _SENT, "sent-by-owner": (None, "sent", 1),
        "sent-by-other": (None, "sent", 1),
        "retry-by-owner": _SENT, "retry-by-other": _SENT,
        "give-up-by-owner": _SENT, "give-up-by-other": _SENT,
        "operator-retries": _SENT, "operator-releases": _SENT,
    },
    "failed": {
        "claim-by-other": _FAILED, "sent-by-owner": (None, "failed", 1),
        "sent-by-other": (None, "failed", 1),
        "retry-by-owner": _FAILED, "retry-by-other": _FAILED,
        "give-up-by-owner": _FAILED, "give-up-by-other": _FAILED,
        "operator-retries": (True, "pending", 0),  # a fresh count of attempts
        "operator-releases": (True, "released", 1),
    },
    "released": {
        "claim-by-other": _RELEASED, "sent-by-owner": (None, "released", 1),
        "sent-by-other": (None, "released", 1),
        "retry-by-owner": _RELEASED, "retry-by-other": _RELEASED,
        "give-up-by-owner": _RELEASED, "give-up-by-other": _RELEASED,
        "operator-retries": _RELEASED, "operator-releases": _RELEASED,
    },
}


def _cell_id(state: str, operation: str, cell: Cell) -> str:
    answer, status, attempts = cell
    return f"{state}-{operation}-{'' if answer is None else str(answer).lower() + '-'}" \
           f"{status}-{attempts}"


@pytest.mark.parametrize("state, operation, cell", [
    pytest.param(state, operation, cell, id=_cell_id(state, operation, cell))
    for state, row in TABLE.items() for operation, cell in row.items()
])
def test_outbox_transition(store: Store, clock: FakeClock, state: str, operation: str,
                           cell: Cell) -> None:
    assert store.enqueue(message(), clock())
    STATES[state](store, clock)
    clock.advance(seconds=1)
    before = store.outbox_rows()
    answer = OPERATIONS[operation](store, clock)
    after = store.outbox_rows()
    row = after[0]
    assert (answer, row.status, row.attempts) == cell
    changed = bool(answer) or (row.status, row.attempts) != (before[0].status,
                                                              before[0].attempts)
    if not changed:
        assert after == before, "a refused transition changed the row or queued a message"
    if operation == "give-up-by-owner" and answer:
        assert [extra.dedupe_key for extra in after[len(before):]] == ["notice"]


def test_the_outbox_table_covers_every_state_and_operation() -> None:
    assert set(TABLE) == set(STATES)
    for state, row in TABLE.items():
        assert set(row) == set(OPERATIONS), state


# -- a message waits for the undelivered one before it in its lane -----------------------------


@pytest.mark.parametrize("first, second_claimable", [
    pytest.param("pending", False, id="behind-a-pending-one-waits"),
    pytest.param("sent", True, id="behind-a-sent-one-goes"),
    pytest.param("failed", False, id="behind-a-given-up-one-waits"),
    pytest.param("released", True, id="behind-a-released-one-goes"),
])
def test_lane_order(store: Store, clock: FakeClock, first: str, second_claimable: bool) -> None:
    assert store.enqueue(message(), clock())
    STATES[first](store, clock)
    store.enqueue(message("p1:update"), clock())
    clock.advance(seconds=61)  # any lease has run out
    claimed = [row.dedupe_key for row in store.claim_due(clock(), OTHER, LEASE, PLATFORMS)]
    assert ("p1:update" in claimed) == second_claimable


# -- done once, also across connections --------------------------------------------------------


def _enqueue(store: Store, key: str, at: dt.datetime) -> bool:
    return store.enqueue(message(key), at)


RECORD_ONCE: dict[str, Callable[[Store, str, dt.datetime], bool]] = {
    "enqueue": _enqueue,
    "first-time": lambda store, key, at: store.first_time(key, at),
    "claim-run": lambda store, key, at: store.claim_run(key, at),
}


@pytest.mark.parametrize("record", RECORD_ONCE)
@pytest.mark.parametrize("second, key, recorded", [
    pytest.param("same", "k1", False, id="same-key-same-connection-ignored"),
    pytest.param("other", "k1", False, id="same-key-other-connection-ignored"),
    pytest.param("same", "k2", True, id="other-key-recorded"),
])
def test_recorded_once(db_path: Path, clock: FakeClock, record: str, second: str, key: str,
                       recorded: bool) -> None:
    store, other = Store(db_path), Store(db_path)
    try:
        assert RECORD_ONCE[record](store, "k1", clock()) is True
        again = RECORD_ONCE[record](store if second == "same" else other, key, clock())
        assert again is recorded
    finally:
        store.close()
        other.close()


# -- proposals: escalation is marked once, only while pending -----------------------------------


ANNA = Actor(platform="console", user_id="anna", name="Anna Jensen")
CHEF = Actor(platform="console", user_id="chef", name="Chef Hansen")


@pytest.mark.parametrize("status, escalated_before, marked", [
    pytest.param(Status.PENDING, False, True, id="pending-marked"),
    pytest.param(Status.PENDING, True, False, id="pending-already-escalated"),
    pytest.param(Status.CHANGES_REQUESTED, False, False, id="changes-requested-not-marked"),
    pytest.param(Status.APPROVED, False, False, id="approved-not-marked"),
    pytest.param(Status.REJECTED, False, False, id="rejected-not-marked"),
    pytest.param(Status.WITHDRAWN, False, False, id="withdrawn-not-marked"),
])
def test_mark_escalated(store: Store, clock: FakeClock, status: Status, escalated_before: bool,
                        marked: bool) -> None:
    workflow = Workflow(store, CentralRoster(members={"console": {"chef"}}), clock=clock)
    proposal = workflow.submit(parse_intake(intake_data(crisis=True)), ANNA)
    if escalated_before:
        assert store.mark_escalated(proposal.id, clock())
    actions: dict[Status, Callable[[], Any]] = {
        Status.PENDING: lambda: None,
        Status.CHANGES_REQUESTED: lambda: workflow.decide(
            proposal.id, Decision.REQUEST_CHANGES, CHEF, "Ret det"),
        Status.APPROVED: lambda: workflow.decide(proposal.id, Decision.APPROVE, CHEF),
        Status.REJECTED: lambda: workflow.decide(proposal.id, Decision.REJECT, CHEF, "Nej"),
        Status.WITHDRAWN: lambda: workflow.withdraw(proposal.id, ANNA),
    }
    actions[status]()
    before = store.get_proposal(proposal.id)
    assert before is not None and before.status is status
    clock.advance(minutes=30)
    assert store.mark_escalated(proposal.id, clock()) is marked
    after = store.get_proposal(proposal.id)
    assert after is not None
    expected = clock.now if marked else before.escalated_at
    assert after.escalated_at == expected


# -- history rows are kept exactly as written ---------------------------------------------------


@pytest.mark.parametrize("event, actor, note, revision, snapshot", [
    pytest.param("submitted", ANNA, None, 1, {"intake": {"text": "Udgave 1."}}, id="submission"),
    pytest.param("approved", CHEF, None, 1, None, id="approval-without-reason"),
    pytest.param("rejected", CHEF, "Passer ikke — æøå 🌳", 2, None, id="reason-in-full"),
    pytest.param("withdrawn", ANNA, "Ikke længere aktuelt", None, None, id="no-revision"),
    pytest.param("escalated", Actor(platform="opslag", user_id="opslag", name="Opslag"),
                 "Ingen afgørelse efter 30 minutter", None, None, id="by-the-bot"),
])
def test_history_row_round_trip(store: Store, clock: FakeClock, event: str, actor: Actor,
                                note: str | None, revision: int | None,
                                snapshot: dict[str, Any] | None) -> None:
    workflow = Workflow(store, CentralRoster(), clock=clock)
    pid = workflow.submit(parse_intake(intake_data()), ANNA).id
    clock.advance(minutes=1)
    store.append_history(pid, clock(), event, actor, note, revision=revision, snapshot=snapshot)
    row = store.history(pid)[-1]
    assert (row.proposal_id, row.at, row.event, row.actor_platform, row.actor_id,
            row.actor_name, row.note, row.revision, row.snapshot) == (
        pid, clock.now, event, actor.platform, actor.user_id, actor.display, note, revision,
        snapshot)
    assert [r.event for r in store.history(pid)] == ["submitted", event]
