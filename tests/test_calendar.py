"""The content calendar: the iCalendar feed parsed back, the token, and `opslag calendar`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar

from bot import calendar
from bot.cli import main
from bot.core import Core
from bot.server import build_app
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


def test_the_feed_reaches_a_year_back(core: Core, clock: FakeClock) -> None:
    old = propose(core, clock, utc(2025, 10, 1, 9), planned_for="2025-10-02", title="Gammel")
    decide(core, old)
    recent = propose(core, clock, utc(2026, 1, 1, 9), planned_for="2026-01-02", title="Nyere")
    decide(core, recent)
    clock.now = utc(2026, 11, 23, 9)
    assert set(events(calendar.feed(core))) == {calendar.uid(recent)}


# -- GET /kalender.ics -------------------------------------------------------------------


@pytest.fixture
async def server(make_settings: Any, clock: FakeClock) -> Any:
    def start(**settings: Any) -> TestClient[Any, Any]:
        return TestClient(TestServer(build_app(make_settings(**settings), clock=clock)))

    return start


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
    assert "compare_digest" in Path(calendar.__file__).read_text()


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
