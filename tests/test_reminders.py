"""The reminders' rhythm without a platform (bot/reminders.py): a backlog goes out a round at a
time, and OPSLAG_REMINDERS=false sends none."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.core import build_core
from bot.reminders import PER_ROUND, Reminders
from policy import parse_intake
from tests.conftest import FakeClock, intake_data
from tests.test_digest_support import ANNA

WAITING = PER_ROUND * 2 + 20


def test_a_backlog_goes_out_a_round_at_a_time(make_settings: Any, clock: FakeClock) -> None:
    core = build_core(make_settings(opslag_reminders=True), clock=clock)
    try:
        clock.now = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)  # Monday
        for _ in range(WAITING):
            core.workflow.submit(parse_intake(intake_data()), ANNA)
        clock.now += dt.timedelta(hours=49)  # Wednesday 10:00 in Copenhagen
        reminders = Reminders(core)
        rounds = [reminders.run_due() for _ in range(4)]
        assert rounds == [PER_ROUND, PER_ROUND, WAITING - 2 * PER_ROUND, 0]
        events = [e.event for p in core.store.list_proposals(with_history=True)
                  for e in p.history]
        assert events.count("reminded") == WAITING
    finally:
        core.close()


def test_switched_off_nothing_is_sent(make_settings: Any, clock: FakeClock) -> None:
    core = build_core(make_settings(opslag_reminders=False), clock=clock)
    try:
        clock.now = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
        core.workflow.submit(parse_intake(intake_data()), ANNA)
        clock.now += dt.timedelta(hours=49)
        assert Reminders(core).run_due() == 0
    finally:
        core.close()


def test_no_review_reminder_on_christmas_or_easter(make_settings: Any, clock: FakeClock) -> None:
    core = build_core(make_settings(opslag_reminders=True), clock=clock)
    try:
        clock.now = dt.datetime(2026, 12, 21, 9, 0, tzinfo=dt.UTC)  # Monday 21 December
        core.workflow.submit(parse_intake(intake_data()), ANNA)
        reminders = Reminders(core)

        def at(month: int, day: int) -> int:
            """A round at 10:00 in Copenhagen (winter time: UTC+1)."""
            clock.now = dt.datetime(2026 if month == 12 else 2027, month, day, 9, 0,
                                    tzinfo=dt.UTC)
            return reminders.run_due()

        assert at(12, 23) == 1  # Wednesday: past the 48 hours, a working day
        assert at(12, 24) == 0  # juleaftensdag
        assert at(12, 25) == 0  # juledag
        assert at(12, 28) == 1  # Monday 28 December
        assert at(12, 31) == 0  # nytårsaftensdag
        assert at(1, 1) == 0  # nytårsdag
        assert at(1, 4) == 1  # Monday 4 January
    finally:
        core.close()
