"""The guided questions as a Slack form: raw answers read from a modal's state, and the
policy's field errors placed on the modal's blocks.

Block ids and action ids are the intake's field names; option values are the policy's machine
keys; a yes/no question's values are "true" and "false". What a raw value means is the
policy's (policy/answers.py); the one path to a stored proposal is bot/submission.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from policy import Question
from policy.answers import Answers, question_list, read_all
from policy.models import QuestionKind

StateValues = Mapping[str, Mapping[str, Mapping[str, Any]]]
Element = Mapping[str, Any]

TRUE, FALSE = "true", "false"


def controlling_fields(items: tuple[Question, ...] | list[Question]) -> set[str]:
    """Fields whose answer decides whether another question is asked (they dispatch actions)."""
    return {name for question in items for name in question.applies_when}


def visible(items: tuple[Question, ...], answers: Answers) -> list[Question]:
    return [question for question in items if question.applies(answers)]


def raw_answers(values: StateValues) -> dict[str, Any]:
    """What each input of the modal holds, as Slack sent it, keyed by question id."""
    raw: dict[str, Any] = {}
    for question in question_list():
        block = values.get(question.id)
        if not block:
            continue
        element = block.get(question.id) or next(iter(block.values()))
        read = SELECTED.get(str(element.get("type")), ELEMENT_VALUES[question.kind])
        raw[question.id] = read(element)
    return raw


def answers_from_state(values: StateValues) -> Answers:
    """What the user has chosen or typed so far; unanswered questions are left out."""
    return read_all(raw_answers(values))


def _selected_options(element: Element) -> Any:
    return [option["value"] for option in element.get("selected_options") or []]


def _selected_option(element: Element) -> Any:
    option = element.get("selected_option")
    return option.get("value") if option else None


def _selected_date(element: Element) -> Any:
    return element.get("selected_date")


def _typed(element: Element) -> Any:
    return element.get("value")


# Where each kind's input element keeps its value (see views._BUILDERS for the elements).
ELEMENT_VALUES: dict[QuestionKind, Callable[[Element], Any]] = {
    QuestionKind.MULTI_CHOICE: _selected_options,
    QuestionKind.CHOICE: _selected_option,
    QuestionKind.BOOL: _selected_option,
    QuestionKind.SHORT_TEXT: _typed,
    QuestionKind.LONG_TEXT: _typed,
    QuestionKind.DATE: _selected_date,
    QuestionKind.URL: _typed,
}


# A choice whatever the policy's kind: the department question is free text in the strategy,
# and a choice among the departments file's names when there is one.
SELECTED: dict[str, Callable[[Element], Any]] = {
    "static_select": _selected_option, "radio_buttons": _selected_option,
}


def block_errors(errors: dict[str, str], blocks: set[str]) -> dict[str, str]:
    """The policy's Danish field errors, keyed by a block the modal shows.

    An error for a question the modal doesn't show (its condition was never dispatched) goes to
    the question that decides it, else to the draft text."""
    placed: dict[str, str] = {}
    by_id = {question.id: question for question in question_list()}
    for name, message in errors.items():
        placed.setdefault(_block_for(name, by_id, blocks), message)
    return placed


def _block_for(name: str, by_id: dict[str, Question], blocks: set[str]) -> str:
    if name in blocks:
        return name
    question = by_id.get(name)
    for controller in question.applies_when if question else ():
        if controller in blocks:
            return controller
    # a view without any input block is none we opened: the draft's place, as good as any
    return "text" if "text" in blocks or not blocks else sorted(blocks)[0]
