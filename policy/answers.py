"""Answers to the guided questions, as every surface hands them over: raw values in, the
answers the intake is validated from out.

A surface only reads its own payload (a modal's state, a card's data, typed lines) into raw
values keyed by question id. What a raw value means is decided here, once per question kind:
a comma list or a list of option values, "true"/"ja" for yes, text without surrounding
whitespace. A value that fits no form is passed on as it came, so the intake's validation
names the field in Danish instead of this module guessing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from policy.engine import department_choice_help, policy_version, questions
from policy.models import TEXT_MAX, Intake, Option, Question, QuestionKind

Answers = dict[str, Any]

# The words for yes and no any surface may send: our own "true"/"false", and what a person
# types ("ja", "nej", "j", "n").
YES = frozenset({"true", "ja", "j", "yes", "y", "1"})
NO = frozenset({"false", "nej", "n", "no", "0"})


# The question the departments file turns into a choice (see `question_list`).
DEPARTMENT = "department"


def question_list(departments: tuple[str, ...] = ()) -> tuple[Question, ...]:
    """The policy's questions, read once: they are static data, and copying them on every
    request showed up in the slash-command benchmark. Treat them as read-only.

    `departments`: the department names of the departments file (OPSLAG_DEPARTMENTS), which the
    caller reads; the department question is then a choice among them instead of free text.
    Each list is read once too (a tuple, so it can be cached)."""
    return _question_list(policy_version(), departments)


# Per strategy version too: the questions are those of the strategy in use (OPSLAG_STRATEGY).
@functools.cache
def _question_list(version: str, departments: tuple[str, ...]) -> tuple[Question, ...]:
    asked = tuple(questions())
    if not departments:
        return asked
    return tuple(
        _department_choice(question, departments) if question.id == DEPARTMENT else question
        for question in asked
    )


def _department_choice(question: Question, departments: tuple[str, ...]) -> Question:
    """The department question as a choice of the listed names (the name is the value: it is
    what the intake stores, as when it was typed)."""
    return question.model_copy(update={
        "kind": QuestionKind.CHOICE,
        "options": [Option(value=name, label=name) for name in departments],
        "help": department_choice_help(),
        "max_length": None,
    })


def _empty(raw: Any) -> bool:
    return raw is None or raw == [] or (isinstance(raw, str) and not raw.strip())


def _choices(raw: Any) -> Any:
    """A list of option values, or a comma list (a card's multi-select sends "a,b")."""
    parts = raw if isinstance(raw, list) else str(raw).split(",")
    picked = [str(part).strip() for part in parts if str(part).strip()]
    return picked or None


def _yes_no(raw: Any) -> Any:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    return raw  # the intake names the problem ("Svar ja eller nej.")


def _as_given(raw: Any) -> Any:
    return raw.strip() if isinstance(raw, str) else raw


# One reader per kind (tests/test_question_kinds.py checks that each kind has one).
READERS: dict[QuestionKind, Callable[[Any], Any]] = {
    QuestionKind.MULTI_CHOICE: _choices,
    QuestionKind.CHOICE: _as_given,
    QuestionKind.BOOL: _yes_no,
    QuestionKind.SHORT_TEXT: _as_given,
    QuestionKind.LONG_TEXT: _as_given,
    QuestionKind.DATE: _as_given,
    QuestionKind.URL: _as_given,
}


def read_value(question: Question, raw: Any) -> Any:
    """One raw value as the answer to `question`; None when it holds no answer."""
    if _empty(raw):
        return None
    return READERS[question.kind](raw)


def read_all(raw: Mapping[str, Any]) -> Answers:
    """Every question's answer in `raw` (keyed by question id); unanswered ones are left out.
    Also for a form that is still being filled in, where what applies may change."""
    answers: Answers = {}
    for question in question_list():
        value = read_value(question, raw.get(question.id))
        if value is not None:
            answers[question.id] = value
    return answers


def applicable(answers: Answers) -> Answers:
    """Only the answers to questions that apply: a job level left over from a content type
    the user then changed is dropped, not stored."""
    shown = {question.id for question in question_list() if question.applies(answers)}
    return {name: value for name, value in answers.items() if name in shown}


def read_answers(raw: Mapping[str, Any]) -> Answers:
    """A submitted form's answers: read per kind, only those to questions that apply."""
    return applicable(read_all(raw))


def from_intake(intake: Intake) -> Answers:
    """An intake as answers, to prefill a form when the proposer edits it."""
    return intake.model_dump(mode="json", exclude_none=True)


def draft_answers(draft: str) -> tuple[Answers, bool]:
    """Answers holding a draft text (after a command, or a message made a proposal), cut to
    the length a draft may have; the second value says whether it was cut (each surface says
    so in its own words)."""
    draft = draft.strip()
    if not draft:
        return {}, False
    return {"text": draft[:TEXT_MAX]}, len(draft) > TEXT_MAX
