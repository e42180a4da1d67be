"""The content calendar: the iCalendar feed parsed back, the token, and `opslag calendar`."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator
from concurrent.futures import BrokenExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar

from bot import calendar, tokens
from bot.core import Core
from bot.proposal import Actor
from bot.store import Reader, StoreUnavailable
from opslag.cli import main
from opslag.server import build_app
from tests.conftest import FakeClock
from tests.test_digest_support import BO, decide, propose, seed_week_48, utc

TOKEN = "kalender-hemmelighed-123"


def events(feed: bytes) -> dict[str, Any]:
    parsed = Calendar.from_ical(feed)
    return {str(event["uid"]): event for event in parsed.walk("VEVENT")}


def test_one_all_day_event_per_approved_planned_post(core: Core, clock: FakeClock) -> None:
    ids = seed_week_48(core, clock)
    parsed = Calendar.from_ical(calendar.feed(core))
    assert str(parsed["prodid"]) == calendar.PRODID
    assert str(parsed["x-wr-calname"]) == "Opslag: planlagt indhold"
    found = events(calendar.feed(core))
    # approved with a date; not pending, rejected, sent back or approved without a date
    assert set(found) == {calendar.uid(ids[name]) for name in ("monday", "wednesday", "next_week")}
    wednesday = found[calendar.uid(ids["wednesday"])]
    assert str(wednesday["summary"]) == "Ny daginstitution i Auning"
    assert wednesday.decoded("dtstart") == dt.date(2026, 11, 25)  # a date: an all-day event
    assert wednesday.decoded("dtend") == dt.date(2026, 11, 26)
    assert str(wednesday["transp"]) == "TRANSPARENT"
    description = str(wednesday["description"])
    assert "Platforme: Facebook, Instagram" in description
    assert "Foreslået af: Bo Holm" in description


def test_published_posts_carry_their_links_and_a_taken_down_one_is_cancelled(
    core: Core, clock: FakeClock
) -> None:
    """Issue 12 §6: the calendar shows where a post went out, and that it was taken down."""
    ids = seed_week_48(core, clock)
    chef = Actor(platform="console", user_id="chef", name="Chef Hansen")
    link = "https://www.facebook.com/norddjurs/posts/7"
    core.workflow.publish(ids["monday"], chef, {"facebook": link})
    core.workflow.publish(ids["wednesday"], chef, {"facebook": link})
    core.workflow.take_down(ids["wednesday"], chef, "Samtykket er trukket tilbage")

    found = events(calendar.feed(core))
    monday, wednesday = found[calendar.uid(ids["monday"])], found[calendar.uid(ids["wednesday"])]
    assert str(monday["status"]) == "CONFIRMED"
    assert f"Udgivet: Facebook {link}" in str(monday["description"])
    assert str(wednesday["status"]) == "CANCELLED"
    assert str(wednesday["summary"]) == "Taget ned: Ny daginstitution i Auning"
    assert ("Taget ned efter ønske fra Chef Hansen: Samtykket er trukket tilbage"
            in str(wednesday["description"]))


def test_uids_are_stable_per_proposal(core: Core, clock: FakeClock) -> None:
    ids = seed_week_48(core, clock)
    before = calendar.feed(core)
    later = propose(core, clock, utc(2026, 11, 24, 9), planned_for="2026-12-01", title="Senere")
    decide(core, later)
    after = events(calendar.feed(core))
    assert set(events(before)) < set(after)
    assert calendar.uid(ids["monday"]) == f"forslag-{ids['monday']}@opslag.norddjurs.dk"
    assert calendar.feed(core) == calendar.feed(core)  # the same rows give the same bytes


def test_no_personal_data_beyond_the_display_name(core: Core, clock: FakeClock) -> None:
    pid = propose(core, clock, utc(2026, 11, 20, 9), BO, planned_for="2026-11-26",
                  text="Ring til Bo på 12345678 eller skriv til bo@norddjurs.dk")
    decide(core, pid)
    feed = calendar.feed(core).decode().replace("\r\n ", "")  # unfold long lines
    assert "Foreslået af: Bo Holm" in feed
    for private in ("12345678", "bo@norddjurs.dk", "Teknik og Miljø", ":bo\r\n"):
        assert private not in feed


def test_user_text_survives_ical_escaping(core: Core, clock: FakeClock) -> None:
    title = "Jul; fest, og \\ backslash"
    pid = propose(core, clock, utc(2026, 11, 20, 9), planned_for="2026-12-24", title=title)
    decide(core, pid)
    event = events(calendar.feed(core))[calendar.uid(pid)]
    assert str(event["summary"]) == title


def test_the_window_runs_from_three_months_back_to_eighteen_ahead() -> None:
    assert calendar.window(dt.date(2026, 11, 23)) == (dt.date(2026, 8, 1), dt.date(2028, 5, 31))
    assert calendar.window(dt.date(2026, 1, 1)) == (dt.date(2025, 10, 1), dt.date(2027, 7, 31))
    assert calendar.window(dt.date(2026, 12, 31)) == (dt.date(2026, 9, 1), dt.date(2028, 6, 30))


def test_a_post_planned_for_the_last_possible_day_builds(core: Core, clock: FakeClock) -> None:
    pid = propose(core, clock, utc(2026, 11, 20, 9), planned_for="9999-12-31")
    decide(core, pid)
    rows = core.store.approved_planned_between(dt.date.min, dt.date.max)
    event = events(calendar.build_feed(rows, "Europe/Copenhagen"))[calendar.uid(pid)]
    assert event.decoded("dtstart") == dt.date.max


def approved_on(core: Core, clock: FakeClock, day: str) -> int:
    """An approved post planned for `day`, proposed the day before (a date in the past is
    refused), with the clock put back to Monday 23 November 2026 afterwards."""
    planned = dt.date.fromisoformat(day)
    pid = propose(core, clock, utc(planned.year, planned.month, planned.day) - dt.timedelta(days=1),
                  planned_for=day, title=f"Opslag {day}")
    decide(core, pid)
    clock.now = utc(2026, 11, 23, 9)
    return pid


# -- GET /kalender.ics -------------------------------------------------------------------


@pytest.fixture
async def server(make_settings: Any, clock: FakeClock) -> Any:
    def start(**settings: Any) -> TestClient[Any, Any]:
        return TestClient(TestServer(build_app(make_settings(**settings), clock=clock)))

    return start


class GatedBuilds:
    """`calendar.build_feed`, counted, and held until the test opens the gate: a slow build
    without sleeping. The server builds in a worker thread here instead of its worker process,
    so that this patch reaches the build. Run on the event loop (as before the fix) the build
    blocks the loop, so nobody opens the gate and it gives up after GATE_TIMEOUT."""

    GATE_TIMEOUT = 5.0

    def __init__(self) -> None:
        self.count = 0
        self.started = threading.Event()
        self.gate = threading.Event()
        self.waiting = False
        self._build = calendar.build_feed

    def __call__(self, proposals: Any, timezone: str) -> bytes:
        self.count += 1
        self.started.set()
        self.waiting = True
        try:
            if not self.gate.wait(self.GATE_TIMEOUT):
                raise AssertionError("nobody opened the gate: the event loop was blocked")
        finally:
            self.waiting = False
        return self._build(proposals, timezone)

    async def wait_started(self) -> None:
        assert await asyncio.to_thread(self.started.wait, self.GATE_TIMEOUT)


def in_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's feed worker as one thread of the test process instead of a process."""
    monkeypatch.setattr(calendar, "worker_pool", lambda: ThreadPoolExecutor(max_workers=1))


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[GatedBuilds]:
    gated = GatedBuilds()
    in_a_thread(monkeypatch)
    monkeypatch.setattr(calendar, "build_feed", gated)
    yield gated
    gated.gate.set()  # a test that failed half-way leaves no thread waiting


async def feed_of(client: TestClient[Any, Any]) -> set[str]:
    response = await client.get("/kalender.ics", params={"token": TOKEN})
    assert response.status == 200
    return set(events(await response.read()))


async def test_the_served_feed_covers_the_window(
    server: Any, core: Core, clock: FakeClock
) -> None:
    """Built in the server's worker process, as in production."""
    ids = {day: approved_on(core, clock, day)
           for day in ("2026-07-31", "2026-08-01", "2028-05-31", "2028-06-01")}
    async with server(opslag_calendar_token=TOKEN) as client:
        inside = {calendar.uid(ids["2026-08-01"]), calendar.uid(ids["2028-05-31"])}
        assert await feed_of(client) == inside
        # Approved through another connection to the file, as another process would.
        later = approved_on(core, clock, "2026-12-24")
        assert await feed_of(client) == inside | {calendar.uid(later)}
        # On the first of the next month the window moves, and the cached feed with it.
        clock.now = utc(2026, 11, 30, 23, 30)  # 1 December 00:30 in Copenhagen
        assert await feed_of(client) == {calendar.uid(ids["2028-05-31"]),
                                         calendar.uid(ids["2028-06-01"]), calendar.uid(later)}


async def test_concurrent_requests_share_one_build_kept_until_the_data_changes(
    server: Any, core: Core, clock: FakeClock, builds: GatedBuilds, monkeypatch: Any
) -> None:
    ids = seed_week_48(core, clock)
    arrived, all_in = 0, asyncio.Event()
    get = calendar.Feed.get

    async def counted(feed: calendar.Feed) -> bytes:
        nonlocal arrived
        arrived += 1
        if arrived == 4:
            all_in.set()
        return await get(feed)

    monkeypatch.setattr(calendar.Feed, "get", counted)
    async with server(opslag_calendar_token=TOKEN) as client:
        requests = [asyncio.create_task(feed_of(client)) for _ in range(4)]
        await builds.wait_started()
        await all_in.wait()  # all four are waiting for the build that runs
        builds.gate.set()
        feeds = await asyncio.gather(*requests)
        week = {calendar.uid(ids[name]) for name in ("monday", "wednesday", "next_week")}
        assert feeds == [week] * 4
        assert builds.count == 1

        assert await feed_of(client) == week  # nothing changed: from the cache
        assert builds.count == 1
        wrong = await client.get("/kalender.ics", params={"token": "forkert"})
        assert wrong.status == 404 and "VCALENDAR" not in await wrong.text()

        # Approved through another connection to the file, as another process would.
        later = propose(core, clock, utc(2026, 11, 24, 9), planned_for="2026-12-01")
        decide(core, later)
        assert await feed_of(client) == week | {calendar.uid(later)}
        assert builds.count == 2


async def test_the_server_answers_while_a_feed_is_built(
    server: Any, core: Core, clock: FakeClock, builds: GatedBuilds
) -> None:
    seed_week_48(core, clock)
    async with server(opslag_calendar_token=TOKEN) as client:
        feed = asyncio.create_task(client.get("/kalender.ics", params={"token": TOKEN}))
        await builds.wait_started()
        health = await client.get("/healthz")
        assert health.status == 200
        assert builds.waiting, "/healthz was answered only after the build"
        builds.gate.set()
        assert (await feed).status == 200


async def test_a_database_that_cannot_be_read_now_is_503_then_the_feed_returns(
    server: Any, core: Core, clock: FakeClock, monkeypatch: Any
) -> None:
    seed_week_48(core, clock)
    in_a_thread(monkeypatch)
    version = Reader.approved_version

    def locked(reader: Reader) -> Any:
        raise StoreUnavailable("database is locked")

    monkeypatch.setattr(Reader, "approved_version", locked)
    async with server(opslag_calendar_token=TOKEN) as client:
        refused = await client.get("/kalender.ics", params={"token": TOKEN})
        assert refused.status == 503
        assert "Traceback" not in await refused.text()
        monkeypatch.setattr(Reader, "approved_version", version)
        assert len(await feed_of(client)) == 3


class DeadWorker(ThreadPoolExecutor):
    """A worker pool whose process died, as `concurrent.futures` reports it."""

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        raise BrokenExecutor("A process in the process pool was terminated abruptly")


async def test_a_dead_worker_is_503_and_the_next_request_gets_a_new_one(
    server: Any, core: Core, clock: FakeClock, monkeypatch: Any
) -> None:
    seed_week_48(core, clock)
    pools: list[ThreadPoolExecutor] = [DeadWorker(), ThreadPoolExecutor(max_workers=1)]
    monkeypatch.setattr(calendar, "worker_pool", lambda: pools.pop(0))
    async with server(opslag_calendar_token=TOKEN) as client:
        refused = await client.get("/kalender.ics", params={"token": TOKEN})
        assert refused.status == 503
        assert len(await feed_of(client)) == 3
    assert pools == []


async def test_the_right_token_gets_the_feed(server: Any) -> None:
    async with server(opslag_calendar_token=TOKEN) as client:
        response = await client.get("/kalender.ics", params={"token": TOKEN})
        assert response.status == 200
        assert response.content_type == "text/calendar"
        assert response.charset == "utf-8"
        Calendar.from_ical(await response.read())


@pytest.mark.parametrize(
    "params", [{}, {"token": ""}, {"token": "forkert"}, {"token": TOKEN + "x"}, {"token": "æøå"}]
)
async def test_a_wrong_or_missing_token_is_404(server: Any, params: dict[str, str]) -> None:
    async with server(opslag_calendar_token=TOKEN) as client:
        response = await client.get("/kalender.ics", params=params)
        assert response.status == 404
        assert "VCALENDAR" not in await response.text()


@pytest.mark.parametrize("params", [{}, {"token": ""}, {"token": "None"}])
async def test_no_configured_token_is_404(server: Any, params: dict[str, str]) -> None:
    async with server() as client:
        assert (await client.get("/kalender.ics", params=params)).status == 404


def test_authorized_compares_in_constant_time(make_settings: Any) -> None:
    settings = make_settings(opslag_calendar_token=TOKEN)
    assert calendar.authorized(settings, TOKEN)
    assert not calendar.authorized(settings, None)
    assert not calendar.authorized(make_settings(opslag_calendar_token=""), "")
    assert "token_matches" in Path(calendar.__file__).read_text()
    assert "compare_digest" in Path(tokens.__file__).read_text()


# -- opslag calendar --out ---------------------------------------------------------------


def test_cli_writes_the_same_feed_to_a_file(
    core: Core, clock: FakeClock, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    ids = seed_week_48(core, clock)
    monkeypatch.setenv("OPSLAG_DB", str(core.settings.opslag_db))
    out = tmp_path / "kalender.ics"
    assert main(["calendar", "--out", str(out)]) == 0
    assert set(events(out.read_bytes())) == {
        calendar.uid(ids[name]) for name in ("monday", "wednesday", "next_week")
    }
    assert main(["calendar"]) == 0
    assert capsys.readouterr().out.encode() == out.read_bytes()
