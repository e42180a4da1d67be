"""The monthly summary in Teams: an Adaptive Card 1.5 in the review channel with the three
numbers, the chart as a `data:` PNG and a button to the full page; once per month and channel,
also across a restart. Every card the fake connector gets is checked against the schema
(tests/teams/conftest.py)."""

from __future__ import annotations

import base64
import json
from typing import Any

from bot.monthly import Summary
from handlers.teams.report_post import CARD_BUDGET, build_card
from handlers.teams.text import MONTHLY_NO_IMAGE
from opslag.server import SCHEDULER_KEY
from tests.conftest import FakeClock
from tests.teams.conftest import Start, Teams, assert_valid_card, card_texts, shows
from tests.test_digest_support import propose, utc

# Tuesday 1 December 2026, 08:00 in Copenhagen: November's summary is due.
DECEMBER_1_0800 = utc(2026, 12, 1, 7, 0)
TOKEN = "rapport-token"
PUBLIC = "https://opslag.norddjurs.dk"
PNG = b"\x89PNG\r\n\x1a\n"
DATA_PNG = "data:image/png;base64,"


async def started(start_teams: Start, clock: FakeClock, **settings: Any) -> Teams:
    clock.now = DECEMBER_1_0800
    # The weekly digest is due on Mondays; kept out of these tests' way.
    teams = await start_teams(opslag_digest_cron="0 8 1 1 *", **settings)
    await teams.choose_review_channel()
    teams.connector.clear()
    return teams


def run_schedule(teams: Teams) -> None:
    teams.client.server.app[SCHEDULER_KEY].run_due()


def summary_cards(teams: Teams) -> list[dict[str, Any]]:
    return [post.card for post in teams.review_posts() if shows(post.card, "Strategien i tal")]


def images(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [element for element in card["body"] if element.get("type") == "Image"]


async def test_the_card_has_the_numbers_the_chart_and_the_link(
    start_teams: Start, clock: FakeClock
) -> None:
    teams = await started(start_teams, clock, opslag_report_token=TOKEN,
                          opslag_public_url=PUBLIC)
    propose(teams.core, clock, utc(2026, 11, 10, 9))
    clock.now = DECEMBER_1_0800
    run_schedule(teams)
    await teams.deliver()

    (card,) = summary_cards(teams)
    assert_valid_card(card)
    assert card_texts(card)[0] == "Strategien i tal: november 2026"
    (facts,) = [element for element in card["body"] if element["type"] == "FactSet"]
    assert [(fact["title"], fact["value"]) for fact in facts["facts"]] == [
        ("Forslag", "1 (oktober: 0)"),
        ("Udgivne opslag", "0 (oktober: 0)"),
        ("Median tid til første afgørelse", "ingen afgørelser (fristen er 48 timer)"),
    ]
    (image,) = images(card)
    assert image["url"].startswith(DATA_PNG)
    assert base64.b64decode(image["url"].removeprefix(DATA_PNG)).startswith(PNG)
    assert image["altText"].startswith("Linjediagram")
    assert len(json.dumps(card).encode()) <= CARD_BUDGET
    assert card["actions"] == [{"type": "Action.OpenUrl",
                                "title": "Se hele rapporten for november 2026",
                                "url": f"{PUBLIC}/rapport/2026-11?token={TOKEN}"}]

    # More rounds, and the 2nd of December: nothing more.
    run_schedule(teams)
    clock.now = utc(2026, 12, 2, 7, 0)
    run_schedule(teams)
    await teams.deliver()
    assert len(summary_cards(teams)) == 1


async def test_a_restart_on_the_same_database_does_not_send_it_again(
    start_teams: Start, clock: FakeClock
) -> None:
    first = await started(start_teams, clock)
    run_schedule(first)
    await first.deliver()
    assert len(summary_cards(first)) == 1

    again = await start_teams(opslag_digest_cron="0 8 1 1 *")  # the same SQLite file
    run_schedule(again)
    await again.deliver()
    assert len(summary_cards(again)) == 1


async def test_without_a_public_page_the_card_says_how_to_make_the_report(
    start_teams: Start, clock: FakeClock
) -> None:
    teams = await started(start_teams, clock, opslag_report_token=TOKEN)  # no public URL
    run_schedule(teams)
    await teams.deliver()
    (card,) = summary_cards(teams)
    assert "actions" not in card
    assert shows(card, "opslag rapport --fra 2026-11-01 --til 2026-11-30")
    assert TOKEN not in json.dumps(card)


def test_an_image_too_large_for_teams_is_left_out_and_the_card_says_so() -> None:
    summary = Summary.model_validate({
        "month": "2026-11", "title": "Strategien i tal: november 2026", "intro": "x",
        "figures": [], "reading": "r", "empty": False, "months": [], "lines": [],
        "chart_title": "c", "axis": "a", "alt": "a", "first": "2026-11-01",
        "last": "2026-11-30"})
    card = build_card(summary, PNG + bytes(CARD_BUDGET), f"{PUBLIC}/rapport/2026-11?token=t")
    assert_valid_card(card)
    assert images(card) == []
    assert shows(card, MONTHLY_NO_IMAGE)
    assert len(json.dumps(card).encode()) <= CARD_BUDGET
