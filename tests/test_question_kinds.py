"""Question kinds are a closed set that every surface renders and reads: a kind a surface has
no renderer for fails here, not in front of a user (before, it raised KeyError in the Slack
modal and silently became a text box on a Teams card and in the terminal)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest
from slack_sdk.models.blocks import InputBlock

from handlers import console_chat
from handlers.slack import form as slack_form
from handlers.slack import views as slack_views
from handlers.teams import cards as teams_cards
from policy import Option, Question, questions
from policy import answers as policy_answers
from policy.models import QuestionKind
from tests.teams.conftest import assert_valid_card

# Each surface's table, one entry per kind it can show or read.
SURFACES: dict[str, Mapping[QuestionKind, Any]] = {
    "policy: what a raw answer means": policy_answers.READERS,
    "Slack: the modal's input element": slack_views.BUILDERS,
    "Slack: where the modal keeps the answer": slack_form.ELEMENT_VALUES,
    "Teams: the card's input": teams_cards.INPUTS,
    "terminal: how a typed answer is read": console_chat.TYPED,
}


@pytest.mark.parametrize("surface", list(SURFACES))
def test_every_surface_has_a_renderer_for_every_question_kind(surface: str) -> None:
    missing = set(QuestionKind) - set(SURFACES[surface])
    assert not missing, f"{surface} cannot show {sorted(missing)}"


def test_the_policys_questions_use_only_the_known_kinds() -> None:
    assert {question.kind for question in questions()} <= set(QuestionKind)
    assert all(isinstance(question.kind, QuestionKind) for question in questions())


def _question(kind: QuestionKind) -> Question:
    choices = kind in (QuestionKind.CHOICE, QuestionKind.MULTI_CHOICE)
    return Question(
        id="title", label="Et spørgsmål", help="Hjælp til svaret", kind=kind, required=False,
        options=[Option(value="a", label="Det ene"), Option(value="b", label="Det andet")]
        if choices else [],
        max_length=150,
    )


@pytest.mark.parametrize("kind", list(QuestionKind))
def test_a_question_of_every_kind_is_shown_on_every_surface(
    kind: QuestionKind, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = _question(kind)
    # Slack: slack_sdk checks the element against Slack's limits when it is turned into JSON.
    element = slack_views.BUILDERS[kind](question, None)
    block = InputBlock(block_id=question.id, label=question.label, element=element).to_dict()
    assert block["element"]["action_id"] == question.id
    # Teams: the intake card with this one question is a valid Adaptive Card.
    monkeypatch.setattr(teams_cards, "question_list", lambda departments=(): [question])
    card = teams_cards.intake_card({}, data={"form_id": "f"})
    assert_valid_card(card)
    assert any(item.get("id") == question.id for item in card["body"])
    # The terminal reads a typed answer, or says what to type instead.
    value, problem = console_chat.TYPED[kind](question, "1", dt.date(2026, 11, 23))
    assert (value is None) != (problem is None)
