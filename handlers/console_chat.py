"""The guided conversation in the terminal (`opslag chat`): the questions, then the advice,
then Send til godkendelse / Ret / Nej. Only Send stores (issue 11 §1).

Answers are read as a person types them (handlers/console_input.py): choices by number or
name, dates as Danes write them. The Danish text is console's (handlers/console.py `TEXT`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Final

from bot.calendar import today as local_today
from bot.core import Core
from bot.proposal import Actor
from bot.submission import Checked, Submission, check_intake, store
from bot.workflow import Unavailable
from handlers.console import TEXT, Ask, Say, render_recommendation, render_stored
from handlers.console_input import (
    Send,
    Unclear,
    danish_date,
    parse_choices,
    parse_date,
    send_choice,
)
from policy import TEXT_MAX, Question, intake_errors
from policy.answers import (
    NO,
    YES,
    Answers,
    applicable,
    from_intake,
    question_list,
    read_value,
)
from policy.models import QuestionKind

# Typed instead of an answer to an optional question that has one (when correcting): no answer.
CLEAR: Final = "-"
# How much of the draft is shown as the answer Enter keeps.
TEXT_PREVIEW: Final = 60

Reader = Callable[[Question, str, dt.date], tuple[Any, str | None]]


def chat(core: Core, ask: Ask, say: Say, actor: Actor) -> Submission | None:
    """Ask the questions, show the advice and store the proposal if the person sends it.

    None when they chose not to send it (nothing is stored). Raises KeyboardInterrupt or
    EOFError when they leave (nothing is stored either)."""
    today = local_today(core)  # in the municipality's time zone, from the core's clock
    questions = core.workflow.questions()
    say(TEXT["welcome"])
    answers: Answers = {}
    while True:
        checked = run_chat(ask, say, today=today, questions=questions, answers=answers)
        if checked.intake is None:  # run_chat returns only valid answers
            continue
        _say_stored_link(checked, say)
        settings = core.settings
        say(render_recommendation(
            core.workflow.advise(checked.intake),
            sla_hours=settings.opslag_review_sla_hours,
            escalate_minutes=settings.opslag_crisis_escalate_minutes,
        ))
        choice = _ask_send(ask, say)
        while choice == "send":
            result = store(core.workflow, checked, actor, source="console")
            if not isinstance(result.refused, Unavailable):
                if result.proposal is not None:  # the receipt only: the advice was just shown
                    say(render_stored(result.proposal))
                return result
            say(result.refused.message)  # nothing stored: the answers wait for another try
            choice = _ask_send(ask, say)
        if choice == "drop":
            say(TEXT["dropped"])
            return None
        say("")
        say(TEXT["editing"])
        # Every answer is kept and offered again, as stored (a link with its https://).
        answers = from_intake(checked.intake)


def _say_stored_link(checked: Checked, say: Say) -> None:
    """A link typed without https:// is stored with it: show the link that will be used."""
    link = checked.intake.link if checked.intake else None
    if link and link != checked.answers.get("link"):
        say("")
        say(TEXT["link_stored"].format(link=link))


def _ask_send(ask: Ask, say: Say) -> Send:
    say("")
    say(TEXT["send"])
    while (choice := send_choice(ask("> "))) is None:
        say(TEXT["send_hint"])
    return choice


def run_chat(
    ask: Ask,
    say: Say,
    *,
    today: dt.date,
    questions: Sequence[Question] | None = None,
    answers: Answers | None = None,
) -> Checked:
    """Ask every question that applies until the answers make a valid intake (the result's
    `intake`), for the one path to a stored proposal (bot/submission.py). `answers` are the
    answers so far (when correcting them): each is offered again, Enter keeps it.

    Raises KeyboardInterrupt or EOFError when the user leaves; nothing is stored before the end.
    """
    asked = tuple(questions) if questions is not None else question_list()
    current: Answers = dict(answers or {})
    for question in asked:
        if question.applies(current):
            _answer(current, question, _ask_until_valid(question, current, asked, ask, say, today))
    # An answer to a question that no longer applies (a job level, after correcting the
    # content type) is dropped, not stored.
    current = applicable(current)
    while (checked := check_intake(current)).intake is None:
        field, message = next(iter(checked.errors.items()))
        say(message)
        question = next(q for q in asked if q.id == field)
        current.pop(field, None)  # no Enter-keeps for the answer just refused
        _answer(current, question, _ask_until_valid(question, current, asked, ask, say, today))
    return checked


def _answer(answers: Answers, question: Question, value: Any) -> None:
    if value is None:
        answers.pop(question.id, None)
    else:
        answers[question.id] = value


def _ask_until_valid(
    question: Question,
    answers: Answers,
    asked: Sequence[Question],
    ask: Ask,
    say: Say,
    today: dt.date,
) -> Any:
    """The answer to `question` (None: none), asked until it is valid."""
    current = answers.get(question.id)
    _show_question(question, answers, asked, say, current)
    pending: str | None = None  # a line already typed: the new date instead of a past one
    while True:
        raw = pending if pending is not None else _read(question, ask, say, current)
        pending = None
        if not raw.strip() and (current is not None or not question.required):
            return current  # Enter keeps the answer (or skips an optional question)
        if raw.strip() == CLEAR and current is not None and not question.required:
            return None
        value, problem = TYPED[question.kind](question, raw, today)
        if problem is None:
            problem = intake_errors({**answers, question.id: value}).get(question.id)
        if problem is not None:
            say(problem)
            continue
        if not _in_the_past(question, value, today):
            return value
        # A past date is likely a typo (the wrong month or year), but may be meant: ask.
        say(TEXT["past_date"])
        reply = ask("> ").strip()
        if reply.casefold() in YES:
            return value
        if not reply or reply.casefold() in NO:
            say(TEXT["other_date"])
        else:
            pending = reply


def _in_the_past(question: Question, value: Any, today: dt.date) -> bool:
    return (question.kind == QuestionKind.DATE and isinstance(value, str)
            and dt.date.fromisoformat(value) < today)


def _show_question(
    question: Question, answers: Answers, asked: Sequence[Question], say: Say, current: Any
) -> None:
    # The number out of the questions that apply now: the total changes with the answers.
    shown = [q for q in asked if q.applies(answers) or q.id == question.id]
    number = TEXT["number"].format(number=shown.index(question) + 1, total=len(shown))
    say("")
    say(f"{number}: {question.label}" + ("" if question.required else TEXT["optional"]))
    if question.help:
        say(f"  {question.help}")
    for index, option in enumerate(question.options, start=1):
        say(f"  {index}. {option.label}")
    if question.kind == QuestionKind.LONG_TEXT:
        say(TEXT["long_text_end"])
    if current is not None:
        clear = "" if question.required else TEXT["clear"]
        say(TEXT["keep"].format(current=_shown(question, current)) + clear)


def _shown(question: Question, value: Any) -> str:
    """An answer as the person chose it: option labels, ja/nej, a Danish date."""
    labels = {option.value: option.label for option in question.options}
    if question.kind == QuestionKind.MULTI_CHOICE:
        return ", ".join(labels.get(v, str(v)) for v in value)
    if question.kind == QuestionKind.CHOICE:
        return labels.get(value, str(value))
    if question.kind == QuestionKind.BOOL:
        return TEXT["yes"] if value else TEXT["no"]
    if question.kind == QuestionKind.DATE:
        return danish_date(dt.date.fromisoformat(value))
    first = str(value).splitlines()[0] if str(value) else ""
    if len(first) > TEXT_PREVIEW or first != str(value):
        return f"»{first[:TEXT_PREVIEW]}…«"
    return f"»{first}«"


def _read(question: Question, ask: Ask, say: Say, current: Any) -> str:
    if question.kind == QuestionKind.LONG_TEXT:
        return _read_text(ask, say, keep=current is not None)
    return ask("> ").strip()


def _read_text(ask: Ask, say: Say, *, keep: bool) -> str:
    """Lines until an empty line or Ctrl-D (end of input). Ctrl-D ends the text and keeps it;
    before anything is typed it leaves the chat (EOFError), unless there is a text to keep."""
    lines: list[str] = []
    while True:
        try:
            line = ask("> " if not lines else "  ")
        except EOFError:
            if not lines and not keep:
                raise
            say("")  # the terminal prints nothing for Ctrl-D: the next line starts afresh
            return "\n".join(lines).strip()
        if not line.strip():
            return "\n".join(lines).strip()
        lines.append(line.rstrip())
        if sum(len(x) + 1 for x in lines) > TEXT_MAX + 1:
            return "\n".join(lines)


def _typed_choice(question: Question, raw: str, today: dt.date) -> tuple[Any, str | None]:
    """Options by number ("2", "1 4", "1,4", "1 og 4") or name ("borgere og turister")."""
    many = question.kind == QuestionKind.MULTI_CHOICE
    hint = TEXT["choose_many"] if many else TEXT["choose_one"]
    picked = parse_choices(raw, question.options)
    if isinstance(picked, Unclear):
        return None, _unclear(picked, question, hint)
    if many:
        return picked, None
    return (picked[0], None) if len(picked) == 1 else (None, TEXT["only_one"])


def _unclear(unclear: Unclear, question: Question, hint: str) -> str:
    if not unclear.word:
        return hint
    if not unclear.matches:
        return TEXT["unknown_choice"].format(word=unclear.word) + " " + hint
    numbered = {option.value: index for index, option in enumerate(question.options, start=1)}
    options = ", ".join(f"{numbered[o.value]}. {o.label}" for o in unclear.matches)
    return TEXT["ambiguous"].format(word=unclear.word, options=options)


def _typed_yes_no(question: Question, raw: str, today: dt.date) -> tuple[Any, str | None]:
    value = read_value(question, raw)  # the policy's words for yes and no
    return (value, None) if isinstance(value, bool) else (None, TEXT["yes_no"])


def _typed_date(question: Question, raw: str, today: dt.date) -> tuple[Any, str | None]:
    day = parse_date(raw, today)
    return (day.isoformat(), None) if day else (None, TEXT["bad_date"])


def _typed_text(question: Question, raw: str, today: dt.date) -> tuple[Any, str | None]:
    return read_value(question, raw), None


# How a typed answer is read, per question kind (tests/test_question_kinds.py checks each
# kind has one): the answer, or what to tell the user before asking again. `today` places a
# date typed without a year.
TYPED: dict[QuestionKind, Reader] = {
    QuestionKind.MULTI_CHOICE: _typed_choice,
    QuestionKind.CHOICE: _typed_choice,
    QuestionKind.BOOL: _typed_yes_no,
    QuestionKind.SHORT_TEXT: _typed_text,
    QuestionKind.LONG_TEXT: _typed_text,
    QuestionKind.DATE: _typed_date,
    QuestionKind.URL: _typed_text,
}
