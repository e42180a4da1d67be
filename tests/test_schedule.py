"""The weekly digest job: when it is due, where it goes, and that it posts once per week and
channel, also after a restart. Time is the FakeClock's; nothing waits."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import schedule
from bot.config import SettingsError
from bot.core import Core, build_core
from bot.outbox import Delivery
from bot.platform import Platforms
from bot.schedule import Scheduler, Target, due_week, parse_channel, run_key
from bot.store import OutboxRow, Store
from handlers import platforms
from handlers.slack.digest_render import digest_blocks
from handlers.teams import TEAMS_REVIEW_REF
from handlers.teams.digest_render import digest_card
from opslag.server import CORE_KEY, build_app
from tests.conftest import FakeClock
from tests.data_files import schema
from tests.test_digest_support import (
    MONDAY_0800,
    TEAMS_REF,
    platform_core,
    seed_week_48,
    utc,
)

CPH = ZoneInfo("Europe/Copenhagen")
MONDAY = "0 8 * * 1"
REVIEW_TARGETS = [Target("slack", "C_REVIEW"), Target("teams", TEAMS_REVIEW_REF)]


def digests(core: Core) -> list[OutboxRow]:
    return [row for row in core.store.outbox_rows() if row.kind == "digest"]


def posted(core: Core) -> list[tuple[str, str, int]]:
    return [(r.platform, r.payload["channel"], r.payload["digest"]["week"]) for r in digests(core)]


@pytest.fixture
def both(make_settings: Any, clock: FakeClock) -> Any:
    core = platform_core(make_settings, clock)
    yield core
    core.close()


# -- when --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now, week",
    [
        (utc(2026, 11, 23, 6, 59), None),  # Monday 07:59 in Copenhagen: last week is over
        (utc(2026, 11, 23, 7, 0), (2026, 48)),  # Monday 08:00 in Copenhagen
        (utc(2026, 11, 25, 12, 0), (2026, 48)),  # Wednesday: a missed Monday is still due
        (utc(2026, 11, 29, 22, 59), (2026, 48)),  # Sunday 23:59 in Copenhagen
        (utc(2026, 11, 29, 23, 0), None),  # Monday 00:00: week 48 is over, 49 not yet due
        (utc(2026, 3, 30, 5, 59), None),  # summer time: 07:59 CEST
        (utc(2026, 3, 30, 6, 0), (2026, 14)),  # 08:00 CEST
        (utc(2026, 12, 28, 7, 0), (2026, 53)),
        (utc(2027, 1, 4, 7, 0), (2027, 1)),
        # Anden påskedag, Monday 29 March 2027 (CEST): the digest waits for Tuesday 08:00.
        (utc(2027, 3, 29, 6, 0), None),
        (utc(2027, 3, 30, 5, 59), None),
        (utc(2027, 3, 30, 6, 0), (2027, 13)),
        (utc(2027, 5, 17, 6, 0), None),  # anden pinsedag
        (utc(2027, 5, 18, 6, 0), (2027, 20)),
    ],
)
def test_due_week(now: dt.datetime, week: tuple[int, int] | None) -> None:
    assert due_week(MONDAY, now, CPH) == week


def test_a_weekend_cron_is_about_the_coming_week() -> None:
    sunday_evening = "0 18 * * 0"
    assert due_week(sunday_evening, utc(2026, 11, 29, 17, 0), CPH) == (2026, 49)
    assert due_week(sunday_evening, utc(2026, 11, 30, 9, 0), CPH) == (2026, 49)


# -- where -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry, target",
    [
        ("C123", Target("slack", "C123")),
        ("slack:C123", Target("slack", "C123")),
        ("teams:marketing", Target("teams", "teams:marketing")),
    ],
)
def test_parse_channel(make_settings: Any, entry: str, target: Target) -> None:
    registry = Platforms()
    for platform in platforms(make_settings()):
        registry.add(platform)
    assert parse_channel(entry, registry) == target


@pytest.mark.parametrize(
    "setting, value, variable",
    [
        ("opslag_digest_channels", ["mail:x@norddjurs.dk"], "OPSLAG_DIGEST_CHANNELS"),
        ("opslag_digest_channels", ["slack:"], "OPSLAG_DIGEST_CHANNELS"),
        ("opslag_digest_cron", "hver mandag", "OPSLAG_DIGEST_CRON"),
        ("opslag_timezone", "Europe/Nowhere", "OPSLAG_TIMEZONE"),
    ],
)
def test_a_bad_setting_stops_the_start_naming_the_variable(
    make_settings: Any, clock: FakeClock, setting: str, value: Any, variable: str
) -> None:
    core = build_core(make_settings(**{setting: value}), clock=clock)
    try:
        with pytest.raises(SettingsError, match=variable):
            Scheduler(core)
    finally:
        core.close()


def test_targets_are_the_review_channels_and_the_extra_channels(
    make_settings: Any, clock: FakeClock
) -> None:
    extra = ["C_EXTRA", "slack:C_REVIEW", "teams:marketing", "teams:unknown"]
    core = platform_core(make_settings, clock, opslag_digest_channels=extra)
    try:
        core.store.put_ref("teams:marketing", TEAMS_REF, clock())
        assert schedule.digest_targets(core) == [
            Target("slack", "C_EXTRA"), Target("slack", "C_REVIEW"),
            Target("teams", "teams:marketing"), Target("teams", TEAMS_REVIEW_REF),
        ]  # the review channel once; a Teams channel without a reference is left out
    finally:
        core.close()


def test_no_platform_no_digest(core: Core, clock: FakeClock) -> None:
    clock.now = MONDAY_0800
    assert Scheduler(core).run_due() == []
    assert digests(core) == []


# -- once per week and channel ------------------------------------------------------------


def test_posts_at_eight_on_monday_to_every_review_channel(both: Core, clock: FakeClock) -> None:
    scheduler = Scheduler(both)
    clock.now = utc(2026, 11, 23, 6, 59)
    assert scheduler.run_due() == []
    clock.advance(minutes=1)
    assert scheduler.run_due() == REVIEW_TARGETS
    assert posted(both) == [("slack", "C_REVIEW", 48), ("teams", TEAMS_REVIEW_REF, 48)]
    row = digests(both)[0]
    assert row.dedupe_key == run_key((2026, 48), REVIEW_TARGETS[0])
    assert row.dedupe_key == "digest:2026-W48:slack:C_REVIEW"
    assert row.payload["digest"]["title"] == "Uge 48"
    clock.advance(minutes=1)
    assert scheduler.run_due() == []
    assert len(digests(both)) == 2


def test_the_digest_holds_the_week_at_the_time_of_posting(both: Core, clock: FakeClock) -> None:
    ids = seed_week_48(both, clock)
    Scheduler(both).run_due()
    content = digests(both)[0].payload["digest"]
    assert [item["id"] for item in content["pending"]] == [ids["overdue"], ids["near"]]
    assert content["generated_at"].startswith("2026-11-23T07:00")


def test_a_restart_does_not_post_again(
    make_settings: Any, clock: FakeClock, both: Core
) -> None:
    clock.now = MONDAY_0800
    assert Scheduler(both).run_due() == REVIEW_TARGETS
    clock.advance(hours=3)
    assert Scheduler(both).run_due() == []  # a new scheduler, same process
    again = platform_core(make_settings, clock)  # a new process on the same database
    try:
        assert Scheduler(again).run_due() == []
    finally:
        again.close()
    assert len(digests(both)) == 2


def test_a_missed_monday_is_posted_when_the_server_is_back_that_week(
    both: Core, clock: FakeClock
) -> None:
    clock.now = utc(2026, 11, 25, 13, 30)  # the server was down until Wednesday
    assert Scheduler(both).run_due() == REVIEW_TARGETS
    clock.now = utc(2026, 11, 29, 22, 0)
    assert Scheduler(both).run_due() == []
    assert posted(both) == [("slack", "C_REVIEW", 48), ("teams", TEAMS_REVIEW_REF, 48)]


def test_a_server_down_all_week_does_not_post_a_stale_digest(
    both: Core, clock: FakeClock
) -> None:
    clock.now = utc(2026, 11, 30, 6, 0)  # Monday 07:00: week 48 is over, 49 not due yet
    assert Scheduler(both).run_due() == []
    clock.now = utc(2026, 11, 30, 7, 0)
    assert Scheduler(both).run_due() == REVIEW_TARGETS
    assert {week for _, _, week in posted(both)} == {49}


def test_each_week_gets_its_own_digest_across_the_new_year(
    both: Core, clock: FakeClock
) -> None:
    scheduler = Scheduler(both)
    for monday in (utc(2026, 12, 21, 7), utc(2026, 12, 28, 7), utc(2027, 1, 4, 7)):
        clock.now = monday
        assert scheduler.run_due() == REVIEW_TARGETS
        clock.advance(days=1)
        assert scheduler.run_due() == []
    weeks = [row.dedupe_key.split(":")[1] for row in digests(both)]
    assert weeks == ["2026-W52", "2026-W52", "2026-W53", "2026-W53", "2027-W01", "2027-W01"]


def test_a_channel_that_becomes_reachable_later_that_week_gets_it_once(
    make_settings: Any, clock: FakeClock
) -> None:
    core = platform_core(make_settings, clock, opslag_digest_channels=["teams:marketing"])
    try:
        scheduler = Scheduler(core)
        clock.now = MONDAY_0800
        assert scheduler.run_due() == REVIEW_TARGETS
        core.store.put_ref("teams:marketing", TEAMS_REF, clock())  # the bot was added there
        clock.advance(hours=1)
        assert scheduler.run_due() == [Target("teams", "teams:marketing")]
        clock.advance(hours=1)
        assert scheduler.run_due() == []
    finally:
        core.close()


# -- delivery ------------------------------------------------------------------------------


async def test_both_platforms_deliver_the_digest_through_the_outbox(
    both: Core, clock: FakeClock
) -> None:
    """tests/fakes/ (the Slack Web API and Bot Framework fakes) did not exist when this was
    written, so the senders here are recording stand-ins that render with the real renderers."""
    validator = jsonschema.Draft6Validator(schema("adaptive-card"))
    sent: dict[str, Any] = {}

    async def slack(delivery: Delivery) -> dict[str, Any]:
        sent["slack"] = (delivery.payload["channel"], digest_blocks(delivery.payload))
        return {"ts": "1.0"}

    async def teams(delivery: Delivery) -> dict[str, Any]:
        sent["teams"] = (delivery.payload["channel"], digest_card(delivery.payload))
        return {"id": "a1"}

    both.outbox.register("slack", slack)
    both.outbox.register("teams", teams)
    seed_week_48(both, clock)
    Scheduler(both).run_due()
    await both.outbox.run_once()
    assert {row.status for row in digests(both)} == {"sent"}
    channel, blocks = sent["slack"]
    assert channel == "C_REVIEW" and blocks[0]["text"]["text"] == "Uge 48"
    reference, card = sent["teams"]
    assert reference == TEAMS_REVIEW_REF and card["body"][0]["text"] == "Uge 48"
    validator.validate(card)


async def test_the_server_runs_the_schedule(
    make_settings: Any, clock: FakeClock, db_path: Any
) -> None:
    Store(db_path).put_ref(TEAMS_REVIEW_REF, TEAMS_REF, clock())
    clock.now = MONDAY_0800
    app = build_app(make_settings(), clock=clock)
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/healthz")).status == 200
        core = app[CORE_KEY]
        # Let the scheduler's first round run (on the store thread); no time passes.
        for _ in range(500):
            if await core.run(digests, core):
                break
            await asyncio.sleep(0.01)
        assert posted(core) == [("teams", TEAMS_REVIEW_REF, 48)]
