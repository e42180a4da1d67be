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
