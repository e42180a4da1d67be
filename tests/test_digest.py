"""The digest's content: one pure build from a fixed store and a fixed date."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot import digest, schedule
from bot.core import Core
from bot.digest import Digest, build, coming_week, parse_week, week_dates
from bot.proposal import Decision
from policy import parse_intake
from tests.conftest import FakeClock, intake_data
from tests.test_digest_support import (
    ANNA,
    MONDAY_0800,
    WEEK_48,
    decide,
    propose,
    seed_week_48,
    utc,
)


def week_48(core: Core, clock: FakeClock) -> tuple[Digest, dict[str, int]]:
    ids = seed_week_48(core, clock)
    return schedule.load_digest(core, WEEK_48), ids


def test_heading_and_days_monday_first(core: Core, clock: FakeClock) -> None:
    built, _ = week_48(core, clock)
    assert (built.title, built.period) == ("Uge 48", "23.–29. november 2026")
    assert [day.date for day in built.days] == [
        dt.date(2026, 11, 23) + dt.timedelta(days=n) for n in range(7)
    ]
    assert built.days[0].label == "Mandag 23. november"
    assert built.days[6].label == "Søndag 29. november"


def test_approved_content_of_the_week_by_day(core: Core, clock: FakeClock) -> None:
    built, ids = week_48(core, clock)
    by_day = {day.date.isoformat(): [item.id for item in day.items] for day in built.days}
    assert by_day == {
        "2026-11-23": [ids["monday"]], "2026-11-24": [], "2026-11-25": [ids["wednesday"]],
        "2026-11-26": [], "2026-11-27": [], "2026-11-28": [], "2026-11-29": [],
    }
    wednesday = built.days[2].items[0]
    assert wednesday.title == "Ny daginstitution i Auning"
    assert wednesday.proposer == "Bo Holm"
    # The platforms the recommendation recommends, by their Danish labels.
    assert wednesday.platforms == ["Facebook", "Instagram"]


def test_pending_oldest_first_with_age_and_flags(core: Core, clock: FakeClock) -> None:
    built, ids = week_48(core, clock)
    assert [item.id for item in built.pending] == [ids["overdue"], ids["near"]]
    overdue, near = built.pending
    assert (overdue.age_hours, overdue.overdue, overdue.date_near) == (67, True, False)
    assert (near.age_hours, near.overdue, near.date_near) == (2, False, True)
    assert digest.pending_flags(overdue, 48) == ["over fristen på 48 timer"]
    assert digest.pending_flags(near, 48) == ["planlagt 24/11"]


def test_tray_holds_approved_without_a_date(core: Core, clock: FakeClock) -> None:
    built, ids = week_48(core, clock)
    assert [item.id for item in built.tray] == [ids["tray"]]
    listed = {item.id for day in built.days for item in day.items} | {
        item.id for item in [*built.pending, *built.tray]
    }
    assert ids["rejected"] not in listed and ids["changes"] not in listed
    assert ids["next_week"] not in listed


def test_strategy_coverage_and_platform_balance(core: Core, clock: FakeClock) -> None:
    built, _ = week_48(core, clock)
    coverage = {group.key: (group.approved, group.pending) for group in built.coverage}
    assert coverage["klima_miljoe"] == (1, 0)
    assert coverage["bosaetning"] == (1, 0)
    assert coverage["infrastruktur"] == (0, 1)  # only pending content planned in the week
    assert coverage["erhverv_job"] == (0, 0)  # pending, but planned for another week
    assert {g.key for g in built.coverage if g.approved} == {"klima_miljoe", "bosaetning"}
    assert {g.kind for g in built.coverage if not g.approved} == {"styrkeposition",
                                                                  "fokusomraade"}
    balance = {count.key: count.count for count in built.platforms}
    assert balance == {"facebook": 2, "linkedin": 0, "instagram": 1, "department": 0,
                       "intranet": 0, "website": 0}


def test_overdue_is_strictly_older_than_the_sla(core: Core, clock: FakeClock) -> None:
    pid = propose(core, clock, utc(2026, 11, 21, 7))
    rows = core.store.pending_oldest_first()
    at_limit = build(rows, WEEK_48, utc(2026, 11, 23, 7), 48)
    past_limit = build(rows, WEEK_48, utc(2026, 11, 23, 7, 0, 1), 48)
    assert at_limit.pending[0].id == pid and not at_limit.pending[0].overdue
    assert past_limit.pending[0].overdue


def test_a_resubmitted_proposal_waits_from_its_resubmission(core: Core, clock: FakeClock) -> None:
    pid = propose(core, clock, utc(2026, 11, 16, 9))
    decide(core, pid, Decision.REQUEST_CHANGES, "Kortere, tak")
    clock.now = utc(2026, 11, 23, 6)
    core.workflow.resubmit(pid, parse_intake(intake_data(text="Kortere tekst.")), ANNA)
    clock.now = MONDAY_0800
    item = schedule.load_digest(core, WEEK_48).pending[0]
    assert (item.age_hours, item.overdue) == (1, False)


def test_build_is_pure_and_takes_any_rows(core: Core, clock: FakeClock) -> None:
    seed_week_48(core, clock)
    everything = core.store.list_proposals()
    first = build(everything, WEEK_48, MONDAY_0800, 48)
    assert first == build(list(reversed(everything)), WEEK_48, MONDAY_0800, 48)
    assert first == schedule.load_digest(core, WEEK_48)


def test_week_53_runs_into_the_new_year(core: Core, clock: FakeClock) -> None:
    ids = {}
    for day in ("2026-12-27", "2026-12-28", "2026-12-31", "2027-01-03", "2027-01-04"):
        ids[day] = propose(core, clock, utc(2026, 12, 1, 9), planned_for=day, title=day)
        decide(core, ids[day])
    clock.now = utc(2026, 12, 28, 7)
    built = schedule.load_digest(core, (2026, 53))
    assert (built.title, built.period) == ("Uge 53", "28. december 2026 – 3. januar 2027")
    assert (built.start, built.end) == (dt.date(2026, 12, 28), dt.date(2027, 1, 3))
    assert built.days[3].label == "Torsdag 31. december"
    planned = [item.title for day in built.days for item in day.items]
    assert planned == ["2026-12-28", "2026-12-31", "2027-01-03"]
    next_year = schedule.load_digest(core, (2027, 1))
    assert [item.title for item in next_year.days[0].items] == ["2027-01-04"]
    assert next_year.period == "4.–10. januar 2027"
    before = schedule.load_digest(core, (2026, 52))
    assert [item.title for item in before.days[6].items] == ["2026-12-27"]


def test_week_1_of_2026_starts_in_december_2025(core: Core, clock: FakeClock) -> None:
    pid = propose(core, clock, utc(2025, 12, 1, 9), planned_for="2025-12-29")
    decide(core, pid)
    built = schedule.load_digest(core, (2026, 1))
    assert built.period == "29. december 2025 – 4. januar 2026"
    assert [item.id for item in built.days[0].items] == [pid]


@pytest.mark.parametrize(
    "text, week",
    [("2026-W49", (2026, 49)), ("2026-w53", (2026, 53)), ("2027-W01", (2027, 1))],
)
def test_parse_week(text: str, week: tuple[int, int]) -> None:
    assert parse_week(text) == week


@pytest.mark.parametrize("text", ["2025-W53", "2027-W53", "2026-W00", "2026-49", "uge 49"])
def test_parse_week_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_week(text)


@pytest.mark.parametrize(
    "day, week",
    [
        (dt.date(2026, 11, 23), (2026, 48)),  # Monday: its own week
        (dt.date(2026, 11, 27), (2026, 48)),  # Friday: still its own week
        (dt.date(2026, 11, 28), (2026, 49)),  # Saturday: the next week
        (dt.date(2026, 12, 27), (2026, 53)),  # Sunday before week 53
        (dt.date(2027, 1, 2), (2027, 1)),  # Saturday in week 53: week 1 of 2027
    ],
)
def test_coming_week(day: dt.date, week: tuple[int, int]) -> None:
    assert coming_week(day) == week


def test_week_dates() -> None:
    assert week_dates((2026, 53)) == (dt.date(2026, 12, 28), dt.date(2027, 1, 3))
    assert week_dates((2026, 1)) == (dt.date(2025, 12, 29), dt.date(2026, 1, 4))


def test_payload_round_trips_through_json(core: Core, clock: FakeClock) -> None:
    built, _ = week_48(core, clock)
    payload = json.loads(json.dumps(built.payload("C1")))
    assert payload["channel"] == "C1"
    assert Digest.model_validate(payload["digest"]) == built
