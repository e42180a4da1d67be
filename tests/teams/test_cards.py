"""Cards show what people wrote as plain text, and every card is valid Adaptive Card 1.5."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.advice import advice
from bot.proposal import Actor, Decision, Proposal, Status
from handlers.teams import cards
from policy import parse_intake, recommend
from policy.answers import from_intake, read_answers
from tests.conftest import intake_data
from tests.teams.conftest import assert_valid_card

SNEAKY = "**Gratis** <at>Alle</at> [klik her](https://evil.example) # Overskrift\n- punkt"
ZONE = "Europe/Copenhagen"


def _proposal(status: Status = Status.PENDING, **intake: Any) -> Proposal:
    parsed = parse_intake(intake_data(**intake))
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    decided = status not in (Status.PENDING,)
    return Proposal(
        id=7, created_at=now, updated_at=now, source="teams",
        proposer=Actor(platform="teams", user_id="aad-x", name="Eva *Stjerne* <at>Eva</at>"),
        intake=parsed, recommendation=recommend(parsed), policy_version="test", status=status,
        decision=Decision.REJECT if decided else None,
        decided_by=Actor(platform="teams", user_id="aad-c", name="_Kim_") if decided else None,
        decided_at=now if decided else None, decision_note=SNEAKY if decided else None,
    )


def _blocks(card: Any) -> list[tuple[str, str]]:
    """(element type, text) of every text-bearing element (not an action's data: not shown)."""
    found: list[tuple[str, str]] = []
    if isinstance(card, dict):
        if isinstance(card.get("text"), str):
            found.append((card.get("type", ""), card["text"]))
        for key, value in card.items():
            if key == "data":
                continue
            if key == "value" and isinstance(value, str) and card.get("type", "").startswith(
                    "Input."):
                found.append((card["type"], value))
            found += _blocks(value)
    elif isinstance(card, list):
        for item in card:
            found += _blocks(item)
    return found


def _advice_card(proposal: Proposal) -> dict[str, Any]:
    shown = advice(proposal.recommendation, sla_hours=48, escalate_minutes=15)
    return cards.advice_card(shown, {"form_id": "f", "answers": from_intake(proposal.intake)})


ALL_CARDS = {
    "review": lambda p: cards.review_card(p, ZONE, via="Teams"),
    "advice": _advice_card,
    "sent": lambda p: cards.submitted_card(p, "Du kan forvente svar inden for 48 timer."),
    "receipt": lambda p: cards.receipt_card(p, "Du kan forvente svar inden for 48 timer."),
    "notice": lambda p: cards.notice_card(p, ZONE),
    "thread": lambda p: cards.thread_card("rejected", p),
    "escalation": lambda p: cards.escalation_card(p, ZONE),
}


@pytest.mark.parametrize("name", list(ALL_CARDS))
def test_user_text_only_ever_appears_as_plain_text_runs(name: str) -> None:
    # A title is one line (the intake refuses line breaks there); the draft keeps its "- punkt".
    proposal = _proposal(Status.REJECTED, title=SNEAKY.replace("\n", " ")[:150], text=SNEAKY,
                         department="*Teknik*")

    card = ALL_CARDS[name](proposal)

    assert_valid_card(card)
    for kind, text in _blocks(card):
        if kind == "TextBlock":  # markdown: our own words only
            assert "Gratis" not in text and "Stjerne" not in text and "Kim" not in text
        assert "<at>" not in text.lower()  # never a mention
    runs = [text for kind, text in _blocks(card) if kind == "TextRun"]
    if name != "advice":  # the advice is on the answers: it repeats neither title nor draft
        assert any("**Gratis**" in run for run in runs)  # shown as written


def test_mention_tags_are_broken_up_but_look_the_same() -> None:
    assert cards.plain("Hej <at>Alle</at>!") == "Hej <\u200bat>Alle</\u200bat>!"
    assert cards.plain("ok\x00\x1b") == "ok"


@pytest.mark.parametrize("status", list(Status))
def test_the_review_card_in_every_state_is_valid(status: Status) -> None:
    card = cards.review_card(_proposal(status), ZONE)

    assert_valid_card(card)
    # Decisions while pending; "Markér som udgivet" and "Tag ned" once approved or published.
    assert ("actions" in card) is (status in (Status.PENDING, Status.APPROVED, Status.PUBLISHED))


def test_the_intake_card_with_errors_and_answers_is_valid() -> None:
    answers = read_answers({"audience": "borgere,turister", "crisis": "true",
                             "has_media": "true", "captions": "false", "text": SNEAKY})
    for submit in ("Action.Execute", "Action.Submit"):
        card = cards.intake_card(answers, {"theme": "Vælg et tema.", "intake": "Noget galt."},
                                 data={"form_id": "f"}, submit_action=submit)
        assert_valid_card(card)


def test_card_answers_become_policy_answers() -> None:
    answers = read_answers({
        "audience": "borgere, turister", "theme": "klima_miljoe", "crisis": "false",
        "has_media": "false", "alt_text": "skal væk", "captions": "true",
        "content_type": "nyhed", "job_level": "chef", "text": "  Hej  ", "link": "",
    })

    assert answers == {"audience": ["borgere", "turister"], "theme": "klima_miljoe",
                       "content_type": "nyhed", "crisis": False, "has_media": False,
                       "text": "Hej"}
