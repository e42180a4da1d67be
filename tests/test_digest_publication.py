"""The digest after issue 12: department proposals under their own heading, and approved
posts whose planned day has passed without being marked published as "Ikke udgivet"; a
published post is still the week's content, one taken down is not. On every surface."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot import schedule
from bot.core import Core
from bot.digest import TEXT
from handlers.console_digest import render_digest
from handlers.slack.digest_render import blocks_of
from handlers.teams.digest_render import card_of
from tests.conftest import FakeClock
from tests.test_departments import LOCAL_EVENT, with_departments  # noqa: F401
from tests.test_digest_support import CHEF, WEEK_48, decide, propose, utc

POST = {"facebook": "https://www.facebook.com/norddjurs/posts/1"}


def surfaces(core: Core) -> list[str]:
    built = schedule.load_digest(core, WEEK_48)
    return [json.dumps(blocks_of(built), ensure_ascii=False),
            json.dumps(card_of(built), ensure_ascii=False), render_digest(built)]


def test_a_passed_day_unpublished_is_listed_and_publishing_clears_it(
    core: Core, clock: FakeClock
) -> None:
    late = propose(core, clock, utc(2026, 11, 18, 9), planned_for="2026-11-20",
                   title="Julebelysning tændes")
    decide(core, late)
    shown = propose(core, clock, utc(2026, 11, 18, 10), planned_for="2026-11-24",
                    title="Vist i ugen")
    decide(core, shown)
    clock.now = utc(2026, 11, 23, 7)  # Monday 08:00 in Copenhagen

    built = schedule.load_digest(core, WEEK_48)
    (item,) = built.unpublished
    assert (item.id, item.detail) == (late, "planlagt 20/11, ikke markeret som udgivet")
    for text in surfaces(core):
        assert TEXT["unpublished"] in text and "Julebelysning tændes" in text
        assert "planlagt 20/11, ikke markeret som udgivet" in text

    core.workflow.publish(late, CHEF, POST)
    core.workflow.publish(shown, CHEF, POST)  # published: still the week's content
    built = schedule.load_digest(core, WEEK_48)
    assert built.unpublished == []
    assert [i.id for day in built.days for i in day.items] == [shown]
    assert all(TEXT["unpublished"] not in text for text in surfaces(core))  # empty: left out

    core.workflow.take_down(shown, CHEF, "Fejl i datoen")
    assert [i.id for day in schedule.load_digest(core, WEEK_48).days for i in day.items] == []


DEPARTMENTS = """
departments:
  - name: Kultur og Fritid
    profiles: ["Facebook: Norddjurs Bibliotekerne"]
    reviewers: {slack: [UKULTUR]}
"""


def test_department_proposals_wait_under_their_own_heading(
    with_departments: Any, clock: FakeClock, tmp_path: Path  # noqa: F811
) -> None:
    path = tmp_path / "afdelinger.yaml"
    path.write_text(DEPARTMENTS, encoding="utf-8")
    core = with_departments(path)
    mine = propose(core, clock, utc(2026, 11, 20, 9), **LOCAL_EVENT)
    central = propose(core, clock, utc(2026, 11, 20, 10), title="Til Kommunikation",
                      department="Kultur og Fritid")
    assert core.workflow.get(mine).review_route == "department"
    assert core.workflow.get(central).review_route == "central"
    clock.now = utc(2026, 11, 23, 7)

    built = schedule.load_digest(core, WEEK_48)
    assert [i.id for i in built.pending] == [central]
    (item,) = built.department_pending
    assert (item.id, item.detail) == (mine, "Kultur og Fritid")
    for text in surfaces(core):
        heading = text.index(TEXT["department_pending"])
        assert text.index("Forfatteraften på biblioteket") > heading
        assert text.index("Til Kommunikation") < heading  # among the central team's

    core.workflow.ask_central(mine, core.workflow.get(mine).proposer)  # help asked: central
    built = schedule.load_digest(core, WEEK_48)
    assert sorted(i.id for i in built.pending) == [mine, central]
    assert built.department_pending == []


def test_only_the_last_two_weeks_count_as_not_published(core: Core, clock: FakeClock) -> None:
    """A post whose day passed weeks ago (or one approved before Opslag could mark posts
    published) is no longer a thing to act on: "Ikke udgivet" looks back 14 days."""
    old = propose(core, clock, utc(2026, 10, 1, 9), planned_for="2026-11-08", title="Gammel")
    decide(core, old)
    recent = propose(core, clock, utc(2026, 10, 1, 10), planned_for="2026-11-09", title="Ny")
    decide(core, recent)
    clock.now = utc(2026, 11, 23, 7)  # Monday 23 November, 08:00 in Copenhagen
    built = schedule.load_digest(core, WEEK_48)
    assert [item.id for item in built.unpublished] == [recent]
    assert built.unpublished_more == 0
