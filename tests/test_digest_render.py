"""The digest rendered for each surface: Block Kit, Adaptive Card 1.5 and plain text."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import jsonschema
import pytest

from bot import schedule
from bot.core import Core
from bot.digest import TEXT, Day, Digest, Item, PendingItem, build
from handlers.console_digest import render_digest
from handlers.slack.digest_render import digest_blocks, fallback_of
from handlers.slack.mrkdwn import MESSAGE_BUDGET, SECTION_MAX
from handlers.teams.digest_render import CARD_BUDGET, digest_card
from opslag.cli import main
from tests.conftest import FakeClock
from tests.data_files import schema
from tests.test_digest_support import MONDAY_0800, WEEK_48, decide, propose, seed_week_48, utc

NASTY = "Fest & <!channel> <@U123> *fed* <at>Alle</at>"


@pytest.fixture(scope="module")
def card_validator() -> jsonschema.Draft6Validator:
    return jsonschema.Draft6Validator(schema("adaptive-card"))


def payload_of(built: Digest) -> dict[str, Any]:
    """What a sender reads back from the outbox: the payload after a JSON round trip."""
    return json.loads(json.dumps(built.payload("C_REVIEW")))


@pytest.fixture
def week(core: Core, clock: FakeClock) -> dict[str, Any]:
    seed_week_48(core, clock)
    return payload_of(schedule.load_digest(core, WEEK_48))


@pytest.fixture
def nasty(core: Core, clock: FakeClock) -> dict[str, Any]:
    pid = propose(core, clock, utc(2026, 11, 20, 9), title=NASTY, planned_for="2026-11-24")
    decide(core, pid)
    propose(core, clock, utc(2026, 11, 20, 10), title=NASTY)
    clock.now = MONDAY_0800
    return payload_of(schedule.load_digest(core, WEEK_48))


def big_digest(count: int) -> Digest:
    """A week far busier than any real one, to test the size limits."""
    now = MONDAY_0800
    items = [
        Item(id=n, title=f"Opslag nummer {n} " + "x" * 100, proposer="Anna Jensen",
             platforms=["Facebook", "Instagram"], planned_for=dt.date(2026, 11, 23))
        for n in range(count)
    ]
    pending = [
        PendingItem(**item.model_dump(), waiting_since=now, age_hours=50, overdue=True,
                    date_near=True)
        for item in items
    ]
    empty = build([], WEEK_48, now, 48)
    days = [Day(date=day.date, label=day.label, items=items) for day in empty.days]
    return empty.model_copy(update={"days": days, "pending": pending, "tray": items})


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    found = []
    for block in blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [element["text"] for element in block.get("elements", [])]
    return found


# -- Slack ---------------------------------------------------------------------------------


def test_slack_blocks_show_the_week(week: dict[str, Any]) -> None:
    blocks = digest_blocks(week)
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Uge 48"}}
    text = "\n".join(texts(blocks))
    for expected in ("*Mandag 23. november*", "Træplantning i Grenaa", "Facebook, Instagram",
                     "_af Bo Holm_", "over fristen på 48 timer", "planlagt 24/11",
                     TEXT["tray"], "Uden dato", "✘ Infrastruktur: ingen (1 afventer)",
                     "Facebook 2 · LinkedIn 0 · Instagram 1"):
        assert expected in text
    assert text.index("Erhvervsnetværk") < text.index("Vejarbejde")  # oldest first


def test_slack_escapes_user_text(nasty: dict[str, Any]) -> None:
    text = "\n".join(texts(digest_blocks(nasty)))
    assert "Fest &amp; &lt;!channel&gt; &lt;@U123&gt;" in text
    assert "<!channel>" not in text and "<@U123>" not in text and "& " not in text


def test_slack_message_stays_within_limits() -> None:
    blocks = digest_blocks(payload_of(big_digest(200)))
    assert len(blocks) <= 50
    assert all(len(text) <= SECTION_MAX for text in texts(blocks))
    assert len(json.dumps(blocks, ensure_ascii=False)) <= MESSAGE_BUDGET
    assert any("… og " in text and " mere" in text for text in texts(blocks))


def test_slack_fallback_text(week: dict[str, Any]) -> None:
    assert fallback_of(Digest.model_validate(week["digest"])) == "Uge 48 · 23.–29. november 2026"


# -- Teams ---------------------------------------------------------------------------------


def test_teams_card_is_a_valid_adaptive_card_1_5(
    week: dict[str, Any], card_validator: jsonschema.Draft6Validator
) -> None:
    card = digest_card(week)
    card_validator.validate(card)
    assert card["version"] == "1.5"
    assert card["body"][0]["text"] == "Uge 48"
    dumped = json.dumps(card, ensure_ascii=False)
    for expected in ("Mandag 23. november", "Ny daginstitution i Auning", "Vejarbejde på Grenåvej",
                     "over fristen på 48 timer", "Klima og miljø"):
        assert expected in dumped


def test_teams_user_text_is_plain_text_runs(
    nasty: dict[str, Any], card_validator: jsonschema.Draft6Validator
) -> None:
    card = digest_card(nasty)
    card_validator.validate(card)
    runs = [
        inline["text"]
        for element in card["body"] if element["type"] == "RichTextBlock"
        for inline in element["inlines"]
    ]
    titles = [run for run in runs if run.startswith("Fest")]
    assert titles, runs
    assert all("<at>" not in title for title in titles)  # no mention of everyone
    blocks = [element["text"] for element in card["body"] if element["type"] == "TextBlock"]
    assert not any("Fest" in text for text in blocks)  # never in markdown TextBlocks


def test_teams_card_stays_within_size(card_validator: jsonschema.Draft6Validator) -> None:
    card = digest_card(payload_of(big_digest(200)))
    card_validator.validate(card)
    assert len(json.dumps(card, ensure_ascii=False).encode()) <= CARD_BUDGET
    assert "… og " in json.dumps(card, ensure_ascii=False)


# -- terminal --------------------------------------------------------------------------------


def test_plain_text(week: dict[str, Any]) -> None:
    text = render_digest(Digest.model_validate(week["digest"]))
    lines = text.splitlines()
    assert lines[0] == "Uge 48 · 23.–29. november 2026"
    assert text.index("Mandag 23. november") < text.index("Søndag 29. november")
    assert "• Træplantning i Grenaa — Facebook · af Anna Jensen" in text
    assert "OVER FRISTEN PÅ 48 TIMER" in text and "PLANLAGT 24/11" in text
    assert "✔ Klima og miljø: 1 godkendt" in text
    assert "Facebook 2 · LinkedIn 0 · Instagram 1 · " in text


def test_plain_text_of_an_empty_week() -> None:
    text = render_digest(build([], WEEK_48, MONDAY_0800, 48))
    assert text.count("intet planlagt") == 7
    assert TEXT["no_pending"] in text and TEXT["no_tray"] in text


def test_cli_digest_prints_the_week(
    core: Core, clock: FakeClock, monkeypatch: Any, capsys: Any
) -> None:
    seed_week_48(core, clock)
    monkeypatch.setenv("OPSLAG_DB", str(core.settings.opslag_db))
    assert main(["digest", "--week", "2026-W48"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Uge 48 · 23.–29. november 2026\n")
    assert "Ny daginstitution i Auning" in out
    assert main(["digest", "--week", "2026-W53", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["year"], data["week"], data["start"]) == (2026, 53, "2026-12-28")


@pytest.mark.parametrize("week", ["2025-W53", "49"])
def test_cli_digest_refuses_a_week_that_does_not_exist(
    make_settings: Any, capsys: Any, week: str
) -> None:
    make_settings()
    assert main(["digest", "--week", week]) == 2
    assert "--week" in capsys.readouterr().err
