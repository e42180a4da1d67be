"""The crisis escalation timer: a crisis proposal nobody has decided on within
OPSLAG_CRISIS_ESCALATE_MINUTES gets one alert in the review channel and one DM to each central
member; never twice, never after a decision."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.core import Core
from bot.proposal import Decision
from bot.schedule import Scheduler
from bot.store import OutboxRow
from handlers.teams import TEAMS_REVIEW_REF
from policy import parse_intake
from tests.conftest import FakeClock, intake_data
from tests.test_digest_support import ANNA, decide, platform_core, propose, utc

# A Tuesday afternoon: no digest is due, so only the escalation job has anything to do.
T0 = utc(2026, 11, 24, 13, 0)
ESCALATIONS = {"escalation", "escalation_dm"}


@pytest.fixture
def both(make_settings: Any, clock: FakeClock) -> Any:
    core = platform_core(make_settings, clock)
    clock.now = T0
    Scheduler(core).run_due()  # this week's digest, out of the way
    yield core
    core.close()


def escalations(core: Core) -> list[OutboxRow]:
    return [row for row in core.store.outbox_rows() if row.kind in ESCALATIONS]


def crisis(core: Core, clock: FakeClock) -> int:
    return propose(core, clock, T0, crisis=True, content_type="serviceinfo", title="Vandforsyning")


def test_escalates_after_fifteen_minutes_to_the_channel_and_each_member(
    both: Core, clock: FakeClock
) -> None:
    pid = crisis(both, clock)
    scheduler = Scheduler(both)
    clock.advance(minutes=14, seconds=59)
    scheduler.run_due()
    assert escalations(both) == []
    clock.advance(seconds=1)
    scheduler.run_due()
    rows = escalations(both)
    assert sorted((r.platform, r.kind, r.payload.get("user")) for r in rows) == [
        ("slack", "escalation", None),
        ("slack", "escalation_dm", "U_CHEF1"),
        ("slack", "escalation_dm", "U_CHEF2"),
        ("teams", "escalation", None),
        ("teams", "escalation_dm", "aad-chef"),
    ]
    assert {row.payload["proposal"]["id"] for row in rows} == {pid}
    assert all(row.proposal_id == pid for row in rows)
    proposal = both.workflow.get(pid)
    assert proposal.escalated_at == clock.now
    assert [event.event for event in proposal.history] == ["submitted", "escalated"]
    assert proposal.history[-1].actor_name == "Opslag"
    assert proposal.history[-1].note == "Ingen afgørelse efter 15 minutter"


def test_escalates_once(both: Core, clock: FakeClock) -> None:
    crisis(both, clock)
    scheduler = Scheduler(both)
    for _ in range(5):
        clock.advance(minutes=15)
        scheduler.run_due()
        Scheduler(both).run_due()  # a restart, too
    assert len(escalations(both)) == 5


def test_a_decision_in_time_means_no_escalation_ever(both: Core, clock: FakeClock) -> None:
    pid = crisis(both, clock)
    clock.advance(minutes=5)
    decide(both, pid)
    clock.advance(hours=2)
    Scheduler(both).run_due()
    assert escalations(both) == []


def test_changes_requested_then_resubmitted_is_not_escalated(
    both: Core, clock: FakeClock
) -> None:
    pid = crisis(both, clock)
    clock.advance(minutes=5)
    decide(both, pid, Decision.REQUEST_CHANGES, "Tilføj et telefonnummer")
    clock.advance(minutes=1)
    both.workflow.resubmit(pid, parse_intake(intake_data(crisis=True)), ANNA)
    clock.advance(hours=1)
    Scheduler(both).run_due()
    assert escalations(both) == []
    assert both.workflow.get(pid).escalated_at is None


def test_a_decision_after_the_escalation_is_still_possible(both: Core, clock: FakeClock) -> None:
    pid = crisis(both, clock)
    clock.advance(minutes=20)
    Scheduler(both).run_due()
    decide(both, pid)
    clock.advance(hours=1)
    Scheduler(both).run_due()
    proposal = both.workflow.get(pid)
    assert [event.event for event in proposal.history] == ["submitted", "escalated", "approved"]
    assert len(escalations(both)) == 5


def test_an_ordinary_proposal_is_never_escalated(both: Core, clock: FakeClock) -> None:
    propose(both, clock, T0)
    clock.advance(days=3)
    Scheduler(both).run_due()
    assert escalations(both) == []


def test_the_minutes_come_from_the_settings(make_settings: Any, clock: FakeClock) -> None:
    core = platform_core(make_settings, clock, opslag_crisis_escalate_minutes=5)
    try:
        crisis(core, clock)
        clock.advance(minutes=5)
        Scheduler(core).escalate()
        assert len(escalations(core)) == 5
    finally:
        core.close()


def test_only_teams_when_only_teams_reviews(
    make_settings: Any, clock: FakeClock
) -> None:
    core = platform_core(make_settings, clock, slack_bot_token=None, slack_signing_secret=None)
    try:
        crisis(core, clock)
        clock.advance(minutes=15)
        Scheduler(core).escalate()
        assert {(r.platform, r.kind) for r in escalations(core)} == {
            ("teams", "escalation"), ("teams", "escalation_dm")
        }
        assert escalations(core)[0].payload["proposal"]["escalated_at"] is not None
        assert core.store.get_ref(TEAMS_REVIEW_REF) is not None
    finally:
        core.close()


def test_two_runners_at_once_escalate_once(make_settings: Any, clock: FakeClock) -> None:
    first = platform_core(make_settings, clock)
    second = platform_core(make_settings, clock)
    try:
        crisis(first, clock)
        clock.advance(minutes=15)
        barrier = threading.Barrier(2)
        done: list[int] = []

        def run(core: Core) -> None:
            barrier.wait()
            done.append(len(core.workflow.escalate_overdue_crises(clock.now - T0)))

        threads = [threading.Thread(target=run, args=(core,)) for core in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(done) == [0, 1]
        assert len(escalations(first)) == 5
    finally:
        first.close()
        second.close()
