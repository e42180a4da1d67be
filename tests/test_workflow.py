"""The workflow's permissions, idempotency and what it stores, on a real SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core import Core
from bot.proposal import Actor, Decision, Status
from bot.store import Store
from bot.workflow import (
    CentralRoster,
    InvalidState,
    NotAllowed,
    NotFound,
    Outdated,
    Unavailable,
    Workflow,
)
from policy import parse_intake
from tests.conftest import FakeClock, intake_data

ANNA = Actor(platform="console", user_id="anna", name="Anna Jensen")
CHEF = Actor(platform="console", user_id="chef", name="Chef Hansen")
SLACK_CHEF = Actor(platform="slack", user_id="chef", name="Samme navn, anden platform")


def submit(core: Core, **overrides: object) -> int:
    return core.workflow.submit(parse_intake(intake_data(**overrides)), ANNA).id


def test_submit_stores_intake_recommendation_and_history(core: Core) -> None:
    proposal = core.workflow.get(submit(core))
    assert proposal.status is Status.PENDING
    assert proposal.proposer.user_id == "anna"
    assert proposal.intake.theme == "klima_miljoe"
    assert proposal.policy_version == proposal.recommendation.policy_version
    assert [event.event for event in proposal.history] == ["submitted"]


def test_central_member_approves_once_second_click_is_a_no_op(core: Core) -> None:
    pid = submit(core)
    first = core.workflow.decide(pid, Decision.APPROVE, CHEF)
    second = core.workflow.decide(pid, Decision.APPROVE, CHEF)
    assert first.changed and not second.changed
    proposal = core.workflow.get(pid)
    assert proposal.status is Status.APPROVED
    assert proposal.decided_by is not None and proposal.decided_by.user_id == "chef"
    assert [event.event for event in proposal.history] == ["submitted", "approved"]


def test_non_member_cannot_decide_and_nothing_changes(core: Core) -> None:
    pid = submit(core)
    with pytest.raises(NotAllowed):
        core.workflow.decide(pid, Decision.APPROVE, ANNA)
    # Membership is per platform: the same id on another platform is another person.
    with pytest.raises(NotAllowed):
        core.workflow.decide(pid, Decision.APPROVE, SLACK_CHEF)
    proposal = core.workflow.get(pid)
    assert proposal.status is Status.PENDING
    assert len(proposal.history) == 1


def test_a_different_decision_after_a_final_one_is_refused(core: Core) -> None:
    pid = submit(core)
    core.workflow.decide(pid, Decision.REJECT, CHEF, "Passer ikke til strategien")
    with pytest.raises(InvalidState, match="afvist"):
        core.workflow.decide(pid, Decision.APPROVE, CHEF)
    assert core.workflow.get(pid).status is Status.REJECTED


def test_reject_and_changes_need_a_reason(core: Core) -> None:
    pid = submit(core)
    for decision in (Decision.REJECT, Decision.REQUEST_CHANGES):
        with pytest.raises(InvalidState, match="begrundelse"):
            core.workflow.decide(pid, decision, CHEF, "   ")
    assert core.workflow.get(pid).status is Status.PENDING


def test_resubmit_after_changes_returns_to_pending_with_new_revision(
    core: Core, clock: FakeClock
) -> None:
    pid = submit(core)
    core.workflow.decide(pid, Decision.REQUEST_CHANGES, CHEF, "Kortere tekst, tak")
    clock.advance(hours=2)
    edited = parse_intake(intake_data(text="Kom og plant træer i Grenaa på lørdag."))
    proposal = core.workflow.resubmit(pid, edited, ANNA)
    assert proposal.status is Status.PENDING
    assert proposal.revision == 2
    assert proposal.intake.text.startswith("Kom og plant")
    assert proposal.decision is None
    assert [e.event for e in proposal.history] == ["submitted", "changes_requested", "resubmitted"]
    assert proposal.updated_at == clock.now


def test_only_the_proposer_resubmits_and_only_after_changes(core: Core) -> None:
    pid = submit(core)
    with pytest.raises(InvalidState):
        core.workflow.resubmit(pid, parse_intake(intake_data()), ANNA)
    core.workflow.decide(pid, Decision.REQUEST_CHANGES, CHEF, "Tilføj et billede")
    with pytest.raises(NotAllowed):
        core.workflow.resubmit(pid, parse_intake(intake_data()), CHEF)


def test_withdraw_only_by_proposer_and_idempotent(core: Core) -> None:
    pid = submit(core)
    with pytest.raises(NotAllowed):
        core.workflow.withdraw(pid, CHEF)
    assert core.workflow.withdraw(pid, ANNA).status is Status.WITHDRAWN
    assert core.workflow.withdraw(pid, ANNA).status is Status.WITHDRAWN
    assert [e.event for e in core.workflow.get(pid).history] == ["submitted", "withdrawn"]
    with pytest.raises(InvalidState):
        core.workflow.decide(pid, Decision.APPROVE, CHEF)


def test_unknown_proposal_is_a_clear_error(core: Core) -> None:
    with pytest.raises(NotFound, match="findes ikke"):
        core.workflow.decide(999, Decision.APPROVE, CHEF)


def test_console_proposals_queue_no_messages_without_platforms(core: Core) -> None:
    submit(core)
    assert core.store.outbox_rows() == []


def test_every_revision_stays_in_the_record(core: Core) -> None:
    pid = submit(core, text="Første udkast om træer.")
    core.workflow.decide(pid, Decision.REQUEST_CHANGES, CHEF, "Mere konkret")
    core.workflow.resubmit(pid, parse_intake(intake_data(text="Andet udkast: 5.000 træer.")), ANNA)
    history = core.workflow.get(pid).history
    drafts = [
        (event.revision, event.snapshot["intake"]["text"])
        for event in history
        if event.snapshot is not None
    ]
    assert drafts == [(1, "Første udkast om træer."), (2, "Andet udkast: 5.000 træer.")]
    assert all(
        event.snapshot["policy_version"] == core.workflow.get(pid).policy_version
        for event in history
        if event.snapshot is not None
    )


def test_a_locked_database_is_a_clear_try_again_with_nothing_stored(
    db_path: Path, clock: FakeClock
) -> None:
    store = Store(db_path, busy_timeout=0.05)
    workflow = Workflow(store, CentralRoster(), clock=clock)
    blocker = sqlite3.connect(db_path)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    with pytest.raises(Unavailable, match="Prøv igen"):
        workflow.submit(parse_intake(intake_data()), ANNA)
    blocker.rollback()
    blocker.close()
    assert store.list_proposals() == []
    assert store.db.execute("SELECT COUNT(*) FROM history").fetchone()[0] == 0
    # Once the lock is gone the same call works: the store recovers by itself.
    assert workflow.submit(parse_intake(intake_data()), ANNA).id == 1
    store.close()


def test_a_read_only_database_is_a_clear_try_again(db_path: Path, clock: FakeClock) -> None:
    Store(db_path).close()
    store = Store(db_path)
    store.db.execute("PRAGMA query_only = ON")  # as when the file or disk refuses writes
    workflow = Workflow(store, CentralRoster(), clock=clock)
    with pytest.raises(Unavailable):
        workflow.submit(parse_intake(intake_data()), ANNA)
    store.db.execute("PRAGMA query_only = OFF")
    assert store.list_proposals() == []
    store.close()


def test_only_the_central_team_chooses_the_review_channel(core: Core) -> None:
    reference = {"conversation": {"id": "19:review@thread.tacv2"}}
    with pytest.raises(NotAllowed):
        core.workflow.choose_review_channel(ANNA, "teams:review_channel", reference)
    assert core.store.get_ref("teams:review_channel") is None
    core.workflow.choose_review_channel(CHEF, "teams:review_channel", reference)
    assert core.store.get_ref("teams:review_channel") == reference


# -- decisions name the revision they were made on ------------------------------------------


def at_revision(workflow: Workflow, revision: int) -> int:
    """A pending proposal the proposer has sent back `revision - 1` times."""
    pid = workflow.submit(parse_intake(intake_data(text="Udgave 1.")), ANNA).id
    for number in range(2, revision + 1):
        workflow.decide(pid, Decision.REQUEST_CHANGES, CHEF, "Ret det", revision=number - 1)
        workflow.resubmit(pid, parse_intake(intake_data(text=f"Udgave {number}.")), ANNA)
    return pid


@pytest.fixture
def delivering(db_path: Path, clock: FakeClock) -> Iterator[Workflow]:
    """A workflow with a review channel and a proposer to tell, so changes queue messages."""
    store = Store(db_path)
    roster = CentralRoster(members={"console": {"chef"}})
    yield Workflow(store, roster, review_platforms=lambda: ["console"],
                   delivery_platforms=["console"], clock=clock)
    store.close()


REVISION_CASES = [
    # (revisions the proposal has had, the revision decided on, the decision, refused?)
    pytest.param(1, 1, Decision.APPROVE, False, id="first-revision"),
    pytest.param(2, 2, Decision.APPROVE, False, id="approve-the-resubmission"),
    pytest.param(3, 3, Decision.REJECT, False, id="reject-the-third"),
    pytest.param(2, 2, Decision.REQUEST_CHANGES, False, id="changes-again"),
    pytest.param(2, None, Decision.APPROVE, False, id="terminal-decides-the-current"),
    pytest.param(2, 1, Decision.APPROVE, True, id="approve-on-the-replaced-text"),
    pytest.param(2, 1, Decision.REJECT, True, id="reject-on-the-replaced-text"),
    pytest.param(2, 1, Decision.REQUEST_CHANGES, True, id="changes-on-the-replaced-text"),
    pytest.param(3, 2, Decision.APPROVE, True, id="one-revision-behind"),
    pytest.param(3, 1, Decision.APPROVE, True, id="two-revisions-behind"),
    pytest.param(1, 2, Decision.APPROVE, True, id="a-revision-not-yet-made"),
    pytest.param(2, 0, Decision.APPROVE, True, id="revision-zero"),
    pytest.param(2, -2, Decision.APPROVE, True, id="negative-revision"),
    pytest.param(1, 2**70, Decision.APPROVE, True, id="huge-revision"),
]


@pytest.mark.parametrize("revisions, seen, decision, refused", REVISION_CASES)
def test_a_decision_counts_only_on_the_current_revision(
    delivering: Workflow, revisions: int, seen: int | None, decision: Decision, refused: bool
) -> None:
    pid = at_revision(delivering, revisions)
    history_before = delivering.get(pid).history
    queued_before = len(delivering.store.outbox_rows())
    note = None if decision is Decision.APPROVE else "Begrundelse"

    if refused:
        with pytest.raises(Outdated) as caught:
            delivering.decide(pid, decision, CHEF, note, revision=seen)
        assert caught.value.message == (
            f"Forslaget er blevet rettet, siden du så det (nu version {revisions}). "
            "Se den nye tekst i gennemgangen og beslut igen."
        )
        proposal = delivering.get(pid)
        assert (proposal.status, proposal.revision) == (Status.PENDING, revisions)
        assert proposal.history == history_before  # no history row
        assert len(delivering.store.outbox_rows()) == queued_before  # no message
    else:
        outcome = delivering.decide(pid, decision, CHEF, note, revision=seen)
        assert outcome.changed and outcome.proposal.status is decision.status
        decided = outcome.proposal.history[-1]
        assert (decided.event, decided.revision) == (str(decision.status), revisions)
        assert len(delivering.store.outbox_rows()) > queued_before


def test_an_outdated_revision_is_refused_before_the_reason_form_opens(
    delivering: Workflow,
) -> None:
    """What the Slack buttons ask before opening the reason form: the same rule as decide."""
    proposal = delivering.get(at_revision(delivering, 2))
    delivering.require_current(proposal, 2)
    delivering.require_current(proposal, None)
    with pytest.raises(Outdated, match="nu version 2"):
        delivering.require_current(proposal, 1)


def test_a_closed_proposal_says_so_whatever_revision_was_clicked(delivering: Workflow) -> None:
    """Deciding again is impossible; naming the revision would suggest otherwise."""
    pid = at_revision(delivering, 2)
    delivering.decide(pid, Decision.APPROVE, CHEF, revision=2)
    with pytest.raises(InvalidState, match="allerede godkendt") as caught:
        delivering.decide(pid, Decision.REJECT, CHEF, "Nej", revision=1)
    assert not isinstance(caught.value, Outdated)
    again = delivering.decide(pid, Decision.APPROVE, CHEF, revision=1)
    assert not again.changed


def test_outsiders_are_refused_as_outsiders_on_any_revision(delivering: Workflow) -> None:
    pid = at_revision(delivering, 2)
    with pytest.raises(NotAllowed):
        delivering.decide(pid, Decision.APPROVE, ANNA, revision=1)
