"""The monthly strategy summary (issue 13 §2): when it is due, where it goes, that it is posted
once per month and channel (across a restart and with two servers on one database), what it
says, and the full page it links to. Time is the FakeClock's; nothing waits."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from bot import monthly
from bot.config import SettingsError
from bot.core import Core
from bot.monthly import Summary, due_month
from bot.platform import Target
from bot.proposal import Decision
from bot.schedule import Scheduler
from bot.store import OutboxRow
from handlers.teams import TEAMS_REVIEW_REF
from opslag.cli import main
from opslag.server import SCHEDULER_KEY, build_app
from policy import load_policy, use_policy
from tests.conftest import FakeClock
from tests.test_cli import assert_one_danish_line
from tests.test_departments import EXAMPLE
from tests.test_digest_support import (
    BO,
    PLATFORMS,
    at_once,
    decide,
    platform_core,
    propose,
    utc,
)
from tests.test_report import published

ROOT = Path(__file__).resolve().parents[1]
CPH = ZoneInfo("Europe/Copenhagen")
FIRST_WORKING_DAY = "0 8 * * *"
# Tuesday 1 December 2026, 08:00 in Copenhagen (CET, UTC+1): November's summary is due.
DECEMBER_1_0800 = utc(2026, 12, 1, 7, 0)
REVIEW_TARGETS = [Target("slack", "C_REVIEW"), Target("teams", TEAMS_REVIEW_REF)]
TOKEN = "rapport-hemmelighed-123"
RUNNERS = 4


def summaries(core: Core) -> list[OutboxRow]:
    return [row for row in core.store.outbox_rows() if row.kind == "monthly_report"]


def posted(core: Core) -> list[tuple[str, str, str]]:
    return [(row.platform, row.payload["channel"], row.payload["summary"]["month"])
            for row in summaries(core)]


@pytest.fixture
def both(make_settings: Any, clock: FakeClock) -> Any:
    clock.now = DECEMBER_1_0800
    core = platform_core(make_settings, clock)
    yield core
    core.close()


# -- when --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now, month",
    [
        (utc(2026, 12, 1, 6, 59), None),  # Tuesday 1 December, 07:59: November's not yet
        (utc(2026, 12, 1, 7, 0), (2026, 11)),  # 08:00 on the first working day
        (utc(2026, 12, 2, 7, 0), (2026, 11)),  # still due the next day: the claims stop it
        (utc(2026, 12, 7, 12, 0), (2026, 11)),  # a missed post is still due within a week
        (utc(2026, 12, 10, 12, 0), None),  # ... not after
        (utc(2026, 8, 1, 6, 0), None),  # Saturday 1 August (CEST): no working day
        (utc(2026, 8, 2, 6, 0), None),  # Sunday 2 August
        (utc(2026, 8, 3, 6, 0), (2026, 7)),  # Monday 3 August: the first working day
        (utc(2027, 1, 1, 7, 0), None),  # Friday 1 January: nytårsdag
        (utc(2027, 1, 4, 6, 59), None),  # Monday 4 January, 07:59
        (utc(2027, 1, 4, 7, 0), (2026, 12)),  # ... 08:00: the first working day of 2027
        (utc(2024, 4, 1, 6, 0), None),  # Monday 1 April 2024 (CEST): anden påskedag
        (utc(2024, 4, 2, 6, 0), (2024, 3)),  # Tuesday 2 April 2024
    ],
)
def test_due_month_is_the_month_before_the_first_working_day(
    now: dt.datetime, month: tuple[int, int] | None
) -> None:
    assert due_month(FIRST_WORKING_DAY, now, CPH) == month


def test_a_fire_late_in_the_month_is_still_caught_up_early_in_the_next() -> None:
    late = "0 8 28-31 * *"  # Monday 30 November 2026 is the first working day it fires
    assert due_month(late, utc(2026, 11, 30, 6, 59), CPH) is None
    assert due_month(late, utc(2026, 11, 30, 7, 0), CPH) == (2026, 10)
    assert due_month(late, utc(2026, 12, 2, 12, 0), CPH) == (2026, 10)  # down until the 2nd
    assert due_month(late, utc(2026, 12, 8, 12, 0), CPH) is None  # more than a week late


def test_a_cron_firing_every_minute_finds_the_first_working_day_after_christmas() -> None:
    # 24-27 December 2026: juleaftensdag, juledag, anden juledag, a Sunday; 31 December is
    # off, 1 January nytårsdag, 2-3 January a weekend.
    every_minute = "* * * * *"
    assert monthly.first_working_fire(every_minute, (2027, 1), CPH) == dt.datetime(
        2027, 1, 4, 0, 0, tzinfo=CPH)


def test_an_empty_cron_is_never_due_and_one_that_never_fires_is_not_an_error() -> None:
    assert due_month("", DECEMBER_1_0800, CPH) is None
    assert due_month("  ", DECEMBER_1_0800, CPH) is None
    assert due_month("0 8 30 2 *", DECEMBER_1_0800, CPH) is None  # 30 February


def test_the_default_is_the_first_working_day(make_settings: Any) -> None:
    assert make_settings().opslag_report_cron == FIRST_WORKING_DAY


# -- exactly once ------------------------------------------------------------------------


def test_the_review_channels_get_it_once_per_month(both: Core, clock: FakeClock) -> None:
    scheduler = Scheduler(both)
    scheduler.run_due()
    assert posted(both) == [("slack", "C_REVIEW", "2026-11"), ("teams", TEAMS_REVIEW_REF,
                                                                 "2026-11")]
    assert [row.dedupe_key for row in summaries(both)] == [
        "monthly:2026-11:slack:C_REVIEW", f"monthly:2026-11:teams:{TEAMS_REVIEW_REF}"]

    scheduler.run_due()  # the next round, the same minute
    clock.now = utc(2026, 12, 2, 7, 0)  # the cron fires again on the 2nd and the 3rd, still due
    scheduler.run_due()
    clock.now = utc(2026, 12, 3, 7, 0)
    scheduler.run_due()
    assert len(summaries(both)) == 2

    clock.now = utc(2027, 1, 1, 7, 0)  # nytårsdag: nothing
    scheduler.run_due()
    assert len(summaries(both)) == 2
    clock.now = utc(2027, 1, 4, 7, 0)  # Monday 4 January: the next month's first working day
    scheduler.run_due()
    assert [month for _, _, month in posted(both)] == ["2026-11"] * 2 + ["2026-12"] * 2


def test_a_restart_on_the_same_database_does_not_post_it_again(
    make_settings: Any, clock: FakeClock, both: Core
) -> None:
    assert monthly.post_due(both) == REVIEW_TARGETS
    again = platform_core(make_settings, clock)  # a new process on the same file
    try:
        assert monthly.post_due(again) == []
        Scheduler(again).run_due()
        assert len(summaries(again)) == 2
    finally:
        again.close()


def test_two_servers_on_one_database_post_it_once(make_settings: Any, clock: FakeClock) -> None:
    clock.now = DECEMBER_1_0800
    cores = [platform_core(make_settings, clock) for _ in range(RUNNERS)]
    results, errors = at_once(monthly.post_due, cores)
    try:
        assert errors == []
        assert sorted(target for done in results for target in done) == REVIEW_TARGETS
        assert len(summaries(cores[0])) == 2
    finally:
        for core in cores:
            core.close()


def test_two_app_servers_both_running_the_schedule_post_it_once(
    make_settings: Any, clock: FakeClock, both: Core
) -> None:
    """Two servers (`build_app`) on one file, each running its schedule's rounds."""
    apps = [build_app(make_settings(**PLATFORMS), clock=clock, background=False)
            for _ in range(2)]
    for app in apps:
        app[SCHEDULER_KEY].run_due()
    for app in apps:
        app[SCHEDULER_KEY].run_due()
    assert posted(both) == [("slack", "C_REVIEW", "2026-11"), ("teams", TEAMS_REVIEW_REF,
                                                                 "2026-11")]
    for app in apps:
        app[SCHEDULER_KEY].core.close()


def test_once_posted_the_rounds_count_nothing(both: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    """The schedule asks every 30 seconds for a week: once every channel has the month's
    summary, a round looks at the claims and reads no report."""
    assert monthly.post_due(both) == REVIEW_TARGETS

    def costly(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the report was read again")

    monkeypatch.setattr(monthly.report, "load", costly)
    assert monthly.post_due(both) == []


def test_not_on_a_weekend_and_on_the_monday_after(
    make_settings: Any, clock: FakeClock
) -> None:
    clock.now = utc(2026, 8, 1, 6, 0)  # Saturday 1 August 2026, 08:00 CEST
    core = platform_core(make_settings, clock)
    try:
        scheduler = Scheduler(core)
        scheduler.run_due()
        clock.now = utc(2026, 8, 2, 6, 0)  # Sunday
        scheduler.run_due()
        assert summaries(core) == []
        clock.now = utc(2026, 8, 3, 6, 0)  # Monday 3 August
        scheduler.run_due()
        assert {month for _, _, month in posted(core)} == {"2026-07"}
    finally:
        core.close()


def test_an_empty_cron_posts_nothing(make_settings: Any, clock: FakeClock) -> None:
    clock.now = DECEMBER_1_0800
    core = platform_core(make_settings, clock, opslag_report_cron="")
    try:
        Scheduler(core).run_due()
        assert monthly.post_due(core) == []
        assert summaries(core) == []
    finally:
        core.close()


def test_a_department_review_channel_gets_it_too(make_settings: Any, clock: FakeClock) -> None:
    clock.now = DECEMBER_1_0800
    core = platform_core(make_settings, clock, opslag_departments=EXAMPLE)
    try:
        targets = monthly.post_due(core)
        assert Target("slack", "C05BOERNSKOLE") in targets
        assert set(REVIEW_TARGETS) <= set(targets)
        assert len(summaries(core)) == len(targets) == len(set(targets))
    finally:
        core.close()


# -- a bad setting -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["hver måned", "0 8 1-3 * 1-5 x y", "61 8 * * *"])
def test_a_bad_cron_stops_the_start_naming_the_variable(
    make_settings: Any, clock: FakeClock, value: str
) -> None:
    core = platform_core(make_settings, clock, opslag_report_cron=value)
    try:
        with pytest.raises(SettingsError, match="OPSLAG_REPORT_CRON"):
            Scheduler(core)
    finally:
        core.close()


def test_a_bad_cron_stops_opslag_serve_with_one_danish_line(
    make_settings: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    make_settings()  # no setting from the developer's environment
    monkeypatch.setenv("OPSLAG_REPORT_CRON", "første hverdag")
    code = main(["serve"])  # its logging set-up is undone by tests/conftest.py
    out, err = capsys.readouterr()
    # The server logs (its strategy, the platforms) before the schedule checks its settings.
    problem = [line for line in err.splitlines() if line.startswith("opslag")]
    assert_one_danish_line(code, out, "\n".join(problem), "OPSLAG_REPORT_CRON",
                           "første hverdag")
    assert "Traceback" not in err


@pytest.mark.parametrize("value", ["opslag.norddjurs.dk", "ftp://x.dk", "https://x.dk/?a=1"])
def test_a_public_url_that_is_no_web_address_is_refused(make_settings: Any, value: str) -> None:
    with pytest.raises(SettingsError, match="OPSLAG_PUBLIC_URL"):
        make_settings(opslag_public_url=value)


# -- what it says --------------------------------------------------------------------------


@pytest.fixture
def november(both: Core, clock: FakeClock) -> Core:
    """Known proposals in October and November 2026; the clock ends on 1 December, 08:00."""
    october = propose(both, clock, utc(2026, 10, 10, 9), title="Oktober")
    clock.now = utc(2026, 10, 10, 13)
    decide(both, october)
    first = propose(both, clock, utc(2026, 11, 5, 9), title="Træer")
    clock.now = utc(2026, 11, 5, 11)  # 2 hours
    decide(both, first)
    published(both, first, utc(2026, 11, 10, 9), facebook="https://facebook.com/x/1")
    second = propose(both, clock, utc(2026, 11, 12, 9), title="Cykelsti")
    clock.now = utc(2026, 11, 12, 15)  # 6 hours
    decide(both, second)
    hiring = propose(both, clock, utc(2026, 11, 20, 9), BO, theme="rekruttering",
                     title="Job som SOSU")
    clock.now = utc(2026, 11, 20, 19)  # 10 hours
    decide(both, hiring, Decision.REQUEST_CHANGES, "Kortere, tak")
    propose(both, clock, utc(2026, 11, 25, 9), BO, theme="bosaetning",
            audience=["tilflyttere"], title="Nye boliger")
    propose(both, clock, utc(2026, 11, 30, 23, 30), title="December")  # 00:30 on 1 December
    clock.now = DECEMBER_1_0800
    return both


def test_three_numbers_of_the_month_beside_the_month_before(november: Core) -> None:
    monthly.post_due(november)
    summary = Summary.model_validate(summaries(november)[0].payload["summary"])

    assert summary.title == "Strategien i tal: november 2026"
    assert [(f.label, f.value, f.note) for f in summary.figures] == [
        ("Forslag", "4", "oktober: 1"),
        ("Udgivne opslag", "1", "oktober: 0"),
        ("Median tid til første afgørelse", "6 timer", "fristen er 48 timer"),
    ]
    assert summary.notice() is None


def test_the_chart_is_the_focus_areas_over_six_months(november: Core) -> None:
    monthly.post_due(november)
    summary = Summary.model_validate(summaries(november)[0].payload["summary"])

    assert summary.months == ["jun. 2026", "jul. 2026", "aug. 2026", "sep. 2026", "okt. 2026",
                              "nov. 2026"]
    assert [(line.label, line.values) for line in summary.lines] == [
        ("Fastholdelse, uddannelse og rekruttering", [0, 0, 0, 0, 0, 1]),
        ("Klima og miljø", [0, 0, 0, 0, 1, 2]),
    ]
    assert summary.reading == (
        "Fokusområderne, som strategien vil have mere af: Fastholdelse, uddannelse og "
        "rekruttering: 1 forslag (oktober: 0); Klima og miljø: 2 forslag (oktober: 1).")


def test_a_strategy_without_focus_areas_charts_proposals_and_posts(
    make_settings: Any, clock: FakeClock, tmp_path: Path
) -> None:
    raw = yaml.safe_load((ROOT / "policy" / "strategy.yaml").read_bytes())
    raw["coverage_groups"] = [g for g in raw["coverage_groups"] if g["kind"] != "fokusomraade"]
    path = tmp_path / "strategi.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    core = platform_core(make_settings, clock, opslag_strategy=path)
    try:
        propose(core, clock, utc(2026, 11, 10, 9))
        clock.now = DECEMBER_1_0800
        monthly.post_due(core)
        summary = Summary.model_validate(summaries(core)[0].payload["summary"])
    finally:
        core.close()
        use_policy(load_policy(None))
    assert [(line.label, line.values) for line in summary.lines] == [
        ("Forslag", [0, 0, 0, 0, 0, 1]), ("Udgivne opslag", [0] * 6)]
    assert summary.reading == "Strategien har ingen fokusområder."
    assert summary.chart_title == "Forslag og udgivne opslag pr. måned"


def test_an_empty_month_says_so(both: Core) -> None:
    monthly.post_due(both)
    summary = Summary.model_validate(summaries(both)[0].payload["summary"])
    assert summary.empty
    assert summary.notice() == (
        "I november 2026 blev der hverken foreslået, udgivet eller afgjort noget i Opslag.")
    assert [f.value for f in summary.figures] == ["0", "0", "ingen afgørelser"]


def test_the_stored_row_is_small_and_holds_no_token(make_settings: Any, clock: FakeClock,
                                                    november: Core) -> None:
    settings = make_settings(opslag_report_token=TOKEN, opslag_public_url="https://o.dk/")
    november.settings = settings
    monthly.post_due(november)
    for row in summaries(november):
        text = json.dumps(row.payload)
        assert len(text) < 4000
        assert TOKEN not in text
    assert monthly.page_url(settings, "2026-11") == f"https://o.dk/rapport/2026-11?token={TOKEN}"
    assert monthly.page_url(make_settings(opslag_report_token=TOKEN), "2026-11") is None
    assert monthly.page_url(make_settings(opslag_public_url="https://o.dk"), "2026-11") is None


# -- the full page ---------------------------------------------------------------------------


@pytest.fixture
async def page_client(make_settings: Any, clock: FakeClock, november: Core) -> Any:
    settings = make_settings(opslag_report_token=TOKEN, **PLATFORMS)
    client = TestClient(TestServer(build_app(settings, clock=clock, background=False)))
    await client.start_server()
    yield client
    await client.close()


async def test_the_right_token_gets_the_months_page(page_client: Any) -> None:
    response = await page_client.get("/rapport/2026-11", params={"token": TOKEN})
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    page = await response.text()
    assert page.startswith("<!DOCTYPE html>")
    assert "1. november 2026 – 30. november 2026" in page
    assert TOKEN not in page


@pytest.mark.parametrize(
    "path, params",
    [
        ("/rapport/2026-11", {}),
        ("/rapport/2026-11", {"token": ""}),
        ("/rapport/2026-11", {"token": "forkert"}),
        ("/rapport/2026-11", {"token": TOKEN + "x"}),
        ("/rapport/2026-13", {"token": TOKEN}),
        ("/rapport/november", {"token": TOKEN}),
        ("/rapport/0001-01", {"token": TOKEN}),
    ],
)
async def test_a_wrong_or_missing_token_or_month_is_the_404_of_an_unknown_path(
    page_client: Any, path: str, params: dict[str, str]
) -> None:
    unknown = await page_client.get("/ukendt")
    response = await page_client.get(path, params=params)
    assert response.status == 404
    assert await response.text() == await unknown.text()


async def test_without_a_configured_token_there_is_no_page(
    make_settings: Any, clock: FakeClock
) -> None:
    client = TestClient(TestServer(build_app(make_settings(), clock=clock, background=False)))
    await client.start_server()
    try:
        for params in ({}, {"token": ""}, {"token": "None"}):
            assert (await client.get("/rapport/2026-11", params=params)).status == 404
    finally:
        await client.close()


def test_a_report_token_makes_the_server_listen_for_other_machines(make_settings: Any) -> None:
    assert make_settings().listen_host(public=False) == "127.0.0.1"
    assert make_settings(opslag_report_token=TOKEN).listen_host(public=False) == "0.0.0.0"
