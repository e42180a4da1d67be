"""Shared set-up for the digest, schedule, calendar and export tests (holds no tests itself).

`seed_week_48` fills a real store through the workflow, with the clock moved to each moment,
so every test of week 48 of 2026 (23–29 November) reads the same known rows.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from typing import Any

from bot.core import Core, build_core
from bot.proposal import Actor, Decision
from handlers import platforms
from handlers.teams import TEAMS_REVIEW_REF
from policy import parse_intake
from tests.conftest import FakeClock, intake_data

ANNA = Actor(platform="console", user_id="anna", name="Anna Jensen")
BO = Actor(platform="console", user_id="bo", name="Bo Holm")
CHEF = Actor(platform="console", user_id="chef", name="Chef Hansen")

# Monday 23 November 2026, 08:00 in Copenhagen (CET, UTC+1).
MONDAY_0800 = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)
WEEK_48 = (2026, 48)

# A server with both platforms on: Slack review channel, a Teams review channel reference
# and central members on each platform (console "chef" decides in the tests).
PLATFORMS: dict[str, Any] = {
    "slack_bot_token": "xoxb-test",
    "slack_signing_secret": "signing-secret",
    "slack_review_channel": "C_REVIEW",
    "slack_central_users": ["U_CHEF1", "U_CHEF2"],
    "teams_central_users": ["aad-chef"],
    "opslag_central_users": ["chef"],
}
TEAMS_REF = {"conversation": {"id": "19:review@thread.tacv2"}, "serviceUrl": "https://teams.test/"}


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


def propose(
    core: Core, clock: FakeClock, at: dt.datetime, actor: Actor = ANNA, **overrides: Any
) -> int:
    clock.now = at
    return core.workflow.submit(parse_intake(intake_data(**overrides)), actor).id


def decide(
    core: Core, proposal_id: int, decision: Decision = Decision.APPROVE, note: str | None = None
) -> None:
    core.workflow.decide(proposal_id, decision, CHEF, note)


def platform_core(make_settings: Any, clock: FakeClock, **extra: Any) -> Core:
    """A core with Slack and Teams review channels; close it when done."""
    settings = make_settings(**{**PLATFORMS, **extra})
    core = build_core(settings, clock=clock, platforms=platforms(settings))
    core.store.put_ref(TEAMS_REVIEW_REF, TEAMS_REF, clock())
    return core


def seed_week_48(core: Core, clock: FakeClock) -> dict[str, int]:
    """Known rows around week 48; the clock ends at MONDAY_0800."""
    ids = {}
    ids["monday"] = propose(core, clock, utc(2026, 11, 19, 9), planned_for="2026-11-23")
    decide(core, ids["monday"])
    ids["wednesday"] = propose(
        core, clock, utc(2026, 11, 19, 10), BO, theme="bosaetning", audience=["tilflyttere"],
        planned_for="2026-11-25", title="Ny daginstitution i Auning",
    )
    decide(core, ids["wednesday"])
    ids["next_week"] = propose(core, clock, utc(2026, 11, 19, 11), planned_for="2026-11-30",
                               title="Næste uge")
    decide(core, ids["next_week"])
    ids["tray"] = propose(core, clock, utc(2026, 11, 19, 12), planned_for=None, title="Uden dato")
    decide(core, ids["tray"])
    ids["rejected"] = propose(core, clock, utc(2026, 11, 19, 13), planned_for="2026-11-23",
                              title="Afvist")
    decide(core, ids["rejected"], Decision.REJECT, "Passer ikke")
    ids["changes"] = propose(core, clock, utc(2026, 11, 19, 14), planned_for="2026-11-24",
                             title="Skal rettes")
    decide(core, ids["changes"], Decision.REQUEST_CHANGES, "Kortere, tak")
    ids["overdue"] = propose(
        core, clock, utc(2026, 11, 20, 12), theme="erhverv_job", audience=["erhverv"],
        planned_for="2026-12-10", title="Erhvervsnetværk",
    )
    ids["near"] = propose(
        core, clock, utc(2026, 11, 23, 5), BO, theme="infrastruktur",
        planned_for="2026-11-24", title="Vejarbejde på Grenåvej",
    )
    clock.now = MONDAY_0800
    return ids


def at_once[T, R](
    work: Callable[[T], R], items: Sequence[T]
) -> tuple[list[R], list[BaseException]]:
    """`work` on each item in a thread of its own, all let go at the same moment (as servers
    racing for one database): what the calls returned, and what any of them raised."""
    barrier = threading.Barrier(len(items))
    results: list[R] = []
    errors: list[BaseException] = []

    def run(item: T) -> None:
        barrier.wait()
        try:
            results.append(work(item))
        except BaseException as exc:  # surfaced by the caller, with the thread's own error
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors
