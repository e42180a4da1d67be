"""Modals: the guided questions, the reason for a decision, and short confirmations.

The intake modal is built from `policy.questions()`: a new question is one edit in the policy.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    InputInteractiveElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    UrlInputElement,
)
from slack_sdk.models.views import View

from bot import readout
from bot.proposal import Decision, Proposal
from handlers.slack import ids
from handlers.slack import text as T
from handlers.slack.form import FALSE, TRUE, controlling_fields, visible
from handlers.slack.mrkdwn import escape, escaped, quote, user_text, who
from policy import TEXT_MAX, Gate, Intake, Question
from policy.answers import Answers, question_list
from policy.answers import draft_answers as policy_draft
from policy.models import QuestionKind

OPTION_TEXT_MAX = 75
CHECKBOXES_MAX = 10
INPUT_MAX = 3000


def intake_modal(
    answers: Answers, *, proposal: Proposal | None = None, notice: str | None = None,
    departments: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The guided questions, prefilled with `answers`, as the view JSON for views.open. With
    `proposal` it edits that proposal (a resubmission after a request for changes).
    `departments`: the departments file's names (`Workflow.department_choices`): the
    department question is then a choice among them.

    Each part is checked against Slack's limits (slack_sdk) once and then reused: the modal
    opens on the hot path of every slash command. Treat the result as read-only."""
    items = question_list(departments)
    controllers = controlling_fields(items)
    envelope = _envelope(proposal.id if proposal else None, _intro_text(proposal, notice))
    inputs = [
        _input_block(question.id, _frozen(answers.get(question.id, _default(question))),
                     question.id in controllers, departments)
        for question in visible(items, answers)
    ]
    return {**envelope, "blocks": [*envelope["blocks"], *inputs]}


@functools.lru_cache(maxsize=64)
def _envelope(proposal_id: int | None, intro: str) -> dict[str, Any]:
    return View(
        type="modal",
        callback_id=ids.INTAKE_VIEW,
        title=T.MODAL_TITLE_EDIT if proposal_id else T.MODAL_TITLE_NEW,
        submit=T.MODAL_SUBMIT_EDIT if proposal_id else T.MODAL_SUBMIT_NEW,
        close=T.MODAL_CLOSE,
        private_metadata=metadata(proposal_id=proposal_id) if proposal_id else "",
        blocks=[SectionBlock(text=user_text(intro))],
    ).to_dict()


def _frozen(value: Any) -> Any:
    """An answer as a cache key: lists become tuples, dates text."""
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    return value if value is None or isinstance(value, str | bool) else str(value)


@functools.lru_cache(maxsize=512)
def _input_block(question_id: str, value: Any, dispatch: bool,
                 departments: tuple[str, ...]) -> dict[str, Any]:
    question = next(q for q in question_list(departments) if q.id == question_id)
    return _input(question, list(value) if isinstance(value, tuple) else value, dispatch).to_dict()


def draft_answers(draft: str) -> tuple[Answers, str | None]:
    """Answers holding a draft text (from the command or a message), cut to the allowed length;
    the second value is a notice when it had to be cut."""
    answers, cut = policy_draft(draft)
    return answers, T.PREFILL_CUT.format(max=TEXT_MAX) if cut else None


def _intro_text(proposal: Proposal | None, notice: str | None) -> str:
    lines = [T.MODAL_INTRO_EDIT if proposal else T.MODAL_INTRO]
    if proposal and proposal.decision_note:
        chunks, _ = quote(proposal.decision_note, 1500)
        lines.append(f"{who(proposal.decided_by)}:\n" + "\n".join(chunks))
    if notice:
        lines.append(notice)
    return "\n\n".join(lines)


def _input(question: Question, value: Any, dispatch: bool) -> InputBlock:
    hint = question.help
    if question.kind == "long_text":
        hint = f"{hint} {T.LONG_TEXT_HINT.format(max=_max_length(question))}".strip()
    return InputBlock(
        block_id=question.id,
        label=question.label,
        element=_element(question, value),
        hint=hint or None,
        optional=not question.required,
        dispatch_action=True if dispatch else None,
    )


def _default(question: Question) -> Any:
    """A yes/no question starts at the intake's default (e.g. "Nej" to crisis)."""
    field = Intake.model_fields.get(question.id)
    default = field.default if field is not None else None
    return default if question.kind == "bool" and isinstance(default, bool) else None


def _element(question: Question, value: Any) -> InputInteractiveElement:
    builder = BUILDERS[question.kind]
    return builder(question, value)


def _options(question: Question) -> list[Option]:
    return [
        Option(value=option.value, label=option.label[:OPTION_TEXT_MAX])
        for option in question.options
    ]


def _choice(question: Question, value: Any) -> InputInteractiveElement:
    options = _options(question)
    initial = next((o for o in options if o.value == value), None)
    return StaticSelectElement(
        action_id=question.id, placeholder=T.SELECT_PLACEHOLDER, options=options,
        initial_option=initial,
    )


def _multi_choice(question: Question, value: Any) -> InputInteractiveElement:
    options = _options(question)
    chosen = set(value or [])
    initial = [o for o in options if o.value in chosen] or None
    if len(options) <= CHECKBOXES_MAX:
        return CheckboxesElement(action_id=question.id, options=options, initial_options=initial)
    return StaticMultiSelectElement(
        action_id=question.id, placeholder=T.SELECT_PLACEHOLDER, options=options,
        initial_options=initial,
    )


def _bool(question: Question, value: Any) -> InputInteractiveElement:
    options = [Option(value=TRUE, label=T.YES), Option(value=FALSE, label=T.NO)]
    initial = None if value is None else options[0 if value in (True, TRUE) else 1]
    return RadioButtonsElement(action_id=question.id, options=options, initial_option=initial)


def _text(question: Question, value: Any) -> InputInteractiveElement:
    limit = _max_length(question)
    return PlainTextInputElement(
        action_id=question.id,
        multiline=question.kind == "long_text",
        max_length=limit,
        initial_value=str(value)[:limit] if value else None,
    )


def _date(question: Question, value: Any) -> InputInteractiveElement:
    return DatePickerElement(
        action_id=question.id, placeholder=T.DATE_PLACEHOLDER, initial_date=_calendar_date(value),
    )


def _calendar_date(value: Any) -> str | None:
    """A kept answer as the date picker's start, or None for one that is no date (a forged
    "i morgen" or "2026-02-30" in a form change): slack_sdk and Slack refuse those."""
    try:
        return dt.date.fromisoformat(str(value)).isoformat() if value else None
    except ValueError:
        return None


def _url(question: Question, value: Any) -> InputInteractiveElement:
    return UrlInputElement(action_id=question.id, initial_value=str(value) if value else None)


def _max_length(question: Question) -> int:
    default = TEXT_MAX if question.id == "text" else INPUT_MAX
    return min(question.max_length or default, INPUT_MAX)


# One input element per question kind (tests/test_question_kinds.py checks each has one).
BUILDERS: dict[QuestionKind, Callable[[Question, Any], InputInteractiveElement]] = {
    QuestionKind.CHOICE: _choice,
    QuestionKind.MULTI_CHOICE: _multi_choice,
    QuestionKind.BOOL: _bool,
    QuestionKind.SHORT_TEXT: _text,
    QuestionKind.LONG_TEXT: _text,
    QuestionKind.DATE: _date,
    QuestionKind.URL: _url,
}


def reason_modal(proposal: Proposal, decision: Decision, gates: Sequence[Gate] = ()) -> View:
    """A small modal asking the reviewer why (for changes and rejections, and for approving
    anyway while `gates` are open: they are listed above the reason)."""
    about = T.REASON_ABOUT.format(id=proposal.id, title=escaped(proposal.title, 200))
    missing = T.REASON_GATES + "".join(f"\n• {escape(gate.message)}" for gate in gates)
    return View(
        type="modal",
        callback_id=ids.REASON_VIEW,
        title=T.REASON_TITLE[decision],
        submit=T.REASON_SUBMIT[decision],
        close=T.MODAL_CLOSE,
        # The revision the reviewer saw: a decision on it is refused once it is replaced.
        private_metadata=metadata(
            proposal_id=proposal.id, decision=str(decision), revision=proposal.revision
        ),
        blocks=[
            ContextBlock(elements=[user_text(about)]),
            *([SectionBlock(text=user_text(missing))] if gates else []),
            InputBlock(
                block_id=ids.REASON_BLOCK,
                label=T.REASON_LABEL[decision],
                element=PlainTextInputElement(
                    action_id=ids.REASON_BLOCK, multiline=True, max_length=T.REASON_MAX
                ),
                hint=T.REASON_HINT,
            ),
        ],
    )


def publish_modal(proposal: Proposal) -> View:
    """"Markér som udgivet": one optional link per platform (the recommended ones first); the
    workflow asks for at least one."""
    about = readout.PUBLISH_INTRO.format(id=proposal.id, title=escaped(proposal.title, 200))
    inputs = [
        InputBlock(
            block_id=ids.link_block(key), optional=True,
            label=readout.PUBLISH_LINK.format(platform=platform),
            element=UrlInputElement(action_id=ids.link_block(key),
                                    placeholder=readout.PUBLISH_PLACEHOLDER),
        )
        for key, platform in readout.publish_platforms(proposal)
    ]
    return View(
        type="modal", callback_id=ids.PUBLISH_VIEW, title=readout.PUBLISH_TITLE,
        submit=readout.PUBLISH_SUBMIT, close=T.MODAL_CLOSE,
        private_metadata=metadata(proposal_id=proposal.id),
        blocks=[ContextBlock(elements=[user_text(about)]), *inputs],
    )


def takedown_modal(proposal: Proposal) -> View:
    """"Tag ned": why (required); it is recorded and sent to whoever published it."""
    about = T.REASON_ABOUT.format(id=proposal.id, title=escaped(proposal.title, 200))
    return View(
        type="modal", callback_id=ids.TAKEDOWN_VIEW, title=readout.TAKE_DOWN_TITLE,
        submit=readout.TAKE_DOWN_SUBMIT, close=T.MODAL_CLOSE,
        private_metadata=metadata(proposal_id=proposal.id),
        blocks=[
            ContextBlock(elements=[user_text(about)]),
            InputBlock(
                block_id=ids.TAKEDOWN_BLOCK, label=readout.TAKE_DOWN_QUESTION,
                element=PlainTextInputElement(action_id=ids.TAKEDOWN_BLOCK, multiline=True,
                                              max_length=T.REASON_MAX),
                hint=readout.TAKE_DOWN_HINT,
            ),
        ],
    )


def thanks_view(proposal_id: int, *, edited: bool) -> View:
    message = (T.THANKS_EDIT if edited else T.THANKS_NEW).format(id=proposal_id)
    return _message_view(T.THANKS_TITLE, message)


def notice_view(message: str) -> View:
    """A modal that only says something (e.g. why a resubmission was refused)."""
    return _message_view(T.NOTICE_TITLE, escape(message))


def _message_view(title: str, message: str) -> View:
    return View(
        type="modal", title=title, close=T.THANKS_CLOSE,
        blocks=[SectionBlock(text=user_text(message))],
    )


def metadata(**values: Any) -> str:
    return json.dumps(values, separators=(",", ":"))


def read_metadata(view: dict[str, Any]) -> dict[str, Any]:
    raw = view.get("private_metadata") or ""
    try:
        data = json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
