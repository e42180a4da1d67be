"""The guided questions as a Slack form: answers read from a modal's state and back.

Block ids and action ids are the intake's field names; option values are the policy's machine
keys; a yes/no question's values are "true" and "false".
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from policy import Intake, Question, intake_errors, questions

Answers = dict[str, Any]
StateValues = Mapping[str, Mapping[str, Mapping[str, Any]]]

TRUE, FALSE = "true", "false"


@functools.cache
def question_list() -> tuple[Question, ...]:
    """The policy's questions, read once: they are the policy's static data, and copying them
    on every request showed up in the slash-command benchmark. Treat them as read-only."""
    return tuple(questions())


def controlling_fields(items: tuple[Question, ...] | list[Question]) -> set[str]:
    """Fields whose answer decides whether another question is asked (they dispatch actions)."""
    return {name for question in items for name in question.applies_when}


def visible(items: tuple[Question, ...], answers: Answers) -> list[Question]:
    return [question for question in items if question.applies(answers)]


def answers_from_state(values: StateValues) -> Answers:
    """What the user has chosen or typed so far; unanswered questions are left out."""
    answers: Answers = {}
    for question in question_list():
        block = values.get(question.id)
        if not block:
            continue
        element = block.get(question.id) or next(iter(block.values()))
        value = _element_value(question, element)
        if value not in (None, "", []):
            answers[question.id] = value
    return answers


def _element_value(question: Question, element: Mapping[str, Any]) -> Any:
    if question.kind == "multi_choice":
        return [option["value"] for option in element.get("selected_options") or []]
    if question.kind in ("choice", "bool"):
        option = element.get("selected_option")
        if not option:
            return None
        value = option.get("value")
        if question.kind == "bool":  # anything but our two values: the policy names it
            return {TRUE: True, FALSE: False}.get(value, value) if isinstance(value, str) else value
        return value
    if question.kind == "date":
        return element.get("selected_date")
    value = element.get("value")
    return value.strip() if isinstance(value, str) else value


def applicable(answers: Answers) -> Answers:
    """Only the answers to questions that apply: a job level left over from a content type the
    user then changed is dropped, not stored."""
    shown = {question.id for question in visible(question_list(), answers)}
    return {name: value for name, value in answers.items() if name in shown}


def from_intake(intake: Intake) -> Answers:
    """An intake as answers, to prefill the modal when the proposer edits it."""
    return intake.model_dump(mode="json", exclude_none=True)


def field_errors(answers: Answers, blocks: set[str]) -> dict[str, str]:
    """The policy's Danish field errors, keyed by a block the modal shows.

    An error for a question the modal doesn't show (its condition was never dispatched) goes to
    the question that decides it, else to the draft text."""
    errors: dict[str, str] = {}
    by_id = {question.id: question for question in question_list()}
    for name, message in intake_errors(answers).items():
        errors.setdefault(_block_for(name, by_id, blocks), message)
    return errors


def _block_for(name: str, by_id: dict[str, Question], blocks: set[str]) -> str:
    if name in blocks:
        return name
    question = by_id.get(name)
    for controller in question.applies_when if question else ():
        if controller in blocks:
            return controller
    # a view without any input block is none we opened: the draft's place, as good as any
    return "text" if "text" in blocks or not blocks else sorted(blocks)[0]
