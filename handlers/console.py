"""The terminal surface: the guided conversation and plain-text renderings, all in Danish."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from bot import readout
from bot.proposal import Proposal
from bot.submission import Checked, check_intake
from bot.workflow import status_label
from policy import TEXT_MAX, Question, Recommendation, intake_errors, label
from policy.answers import question_list, read_value
from policy.models import QuestionKind

Ask = Callable[[str], str]
Say = Callable[[str], None]

FIT_MARK = {"recommended": "✔", "possible": "~", "not_recommended": "✘"}

EVENT_DA = {
    "submitted": "foreslået",
    "resubmitted": "rettet og sendt igen",
    "approved": "godkendt",
    "changes_requested": "bedt om ændringer",
    "rejected": "afvist",
    "withdrawn": "trukket tilbage",
    "escalated": "eskaleret (krise uden svar)",
}

TEXT = {
    "welcome": "Foreslå et opslag. Svar på spørgsmålene; tryk Ctrl-C for at afbryde.",
    "optional": " (valgfri, tryk Enter for at springe over)",
    "choose_one": "Skriv nummeret på dit valg.",
    "choose_many": "Skriv et eller flere numre adskilt af komma.",
    "yes_no": "Svar ja eller nej.",
    "bad_date": "Skriv datoen som ÅÅÅÅ-MM-DD, fx 2026-12-03.",
    "aborted": "Afbrudt. Intet er gemt.",
    "stored": "Gemt som forslag nr. {id}. Det afventer nu {route}.",
    "decided": "Forslag nr. {id}: {status}",
    "unchanged": " (uændret: det var allerede besluttet)",
    "recommendation": "Anbefaling",
    "details": "Detaljer",
    "crisis_checklist": "Krisetjekliste",
    "tone": "Tone",
    "text_checks": "Teksten: {words} ord, LIX {lix:.0f}",
    "warnings": "Vær opmærksom på",
    "review": "Godkendelse: {reason}{urgent}",
    "urgent": " Haster.",
    "no_proposals": "Ingen forslag endnu.",
    "heading": "Forslag nr. {id}: {title}",
    "status": "Status: {status}",
    "fact": "{label}: {value}",
    "source": "Via: {source}",
    "history": "Historik",
    "not_central": "'{user}' står ikke i OPSLAG_CENTRAL_USERS.",
}


def run_chat(ask: Ask, say: Say) -> Checked:
    """Ask every question that applies until the answers make a valid intake (the result's
    `intake`), for the one path to a stored proposal (bot/submission.py).

    Raises KeyboardInterrupt or EOFError when the user leaves; nothing is stored before the end.
    """
    say(TEXT["welcome"])
    answers: dict[str, Any] = {}
    for question in question_list():
        if question.applies(answers):
            value = _ask_until_valid(question, answers, ask, say)
            if value is not None:
                answers[question.id] = value
    while (checked := check_intake(answers)).intake is None:
        field, message = next(iter(checked.errors.items()))
        say(message)
        question = next(q for q in question_list() if q.id == field)
        answers[field] = _ask_until_valid(question, answers, ask, say)
    return checked


def _ask_until_valid(question: Question, answers: dict[str, Any], ask: Ask, say: Say) -> Any:
    say("")
    say(question.label + ("" if question.required else TEXT["optional"]))
    if question.help:
        say(f"  {question.help}")
    for number, option in enumerate(question.options, start=1):
        say(f"  {number}. {option.label}")
    while True:
        raw = _read_text(ask) if question.kind == QuestionKind.LONG_TEXT else ask("> ").strip()
        if not raw and not question.required:
            return None
        value, problem = TYPED[question.kind](question, raw)
        if problem is None:
            field_error = intake_errors({**answers, question.id: value}).get(question.id)
            if field_error is None:
                return value
            problem = field_error
        say(problem)


def _read_text(ask: Ask) -> str:
    lines: list[str] = []
    while True:
        line = ask("> " if not lines else "  ")
        if not line.strip():
            return "\n".join(lines).strip()
        lines.append(line.rstrip())
        if sum(len(x) + 1 for x in lines) > TEXT_MAX + 1:
            return "\n".join(lines)


def _typed_choice(question: Question, raw: str) -> tuple[Any, str | None]:
    """Options are chosen by their numbers: "2", or "1,3" where several may be chosen."""
    hint = (TEXT["choose_many"] if question.kind == QuestionKind.MULTI_CHOICE
            else TEXT["choose_one"])
    picked = []
    for part in raw.replace(" ", "").split(","):
        if not part.isdigit() or not 1 <= int(part) <= len(question.options):
            return None, hint
        picked.append(question.options[int(part) - 1].value)
    if question.kind == QuestionKind.CHOICE:
        return (picked[0], None) if len(picked) == 1 else (None, hint)
    return picked, None


def _typed_yes_no(question: Question, raw: str) -> tuple[Any, str | None]:
    value = read_value(question, raw)  # the policy's words for yes and no
    return (value, None) if isinstance(value, bool) else (None, TEXT["yes_no"])


def _typed_date(question: Question, raw: str) -> tuple[Any, str | None]:
    try:
        return dt.date.fromisoformat(raw).isoformat(), None
    except ValueError:
        return None, TEXT["bad_date"]


def _typed_text(question: Question, raw: str) -> tuple[Any, str | None]:
    return read_value(question, raw), None


# How a typed answer is read, per question kind (tests/test_question_kinds.py checks each
# kind has one): the answer, or what to tell the user before asking again.
TYPED: dict[QuestionKind, Callable[[Question, str], tuple[Any, str | None]]] = {
    QuestionKind.MULTI_CHOICE: _typed_choice,
    QuestionKind.CHOICE: _typed_choice,
    QuestionKind.BOOL: _typed_yes_no,
    QuestionKind.SHORT_TEXT: _typed_text,
    QuestionKind.LONG_TEXT: _typed_text,
    QuestionKind.DATE: _typed_date,
    QuestionKind.URL: _typed_text,
}


def render_recommendation(rec: Recommendation) -> str:
    """The summary first (at most three lines), then the details."""
    lines = ["", TEXT["recommendation"]]
    lines.extend(f"  {line}" for line in rec.summary)
    lines.append(TEXT["details"])
    for fit in rec.platforms:
        head = f"  {FIT_MARK[fit.fit]} {label('platform', fit.platform)}: {label('fit', fit.fit)}"
        if fit.fit == "not_recommended":  # one line: the reason that ruled it out
            lines.append(f"{head}. {fit.reasons[0]}")
            continue
        lines.append(head)
        lines.extend(f"      - {reason}" for reason in fit.reasons)
    if rec.crisis_checklist:
        lines.append(TEXT["crisis_checklist"])
        lines.extend(f"  - {item}" for item in rec.crisis_checklist)
    if rec.tone_tips:
        lines.append(TEXT["tone"])
        for platform, tips in rec.tone_tips.items():
            lines.append(f"  {label('platform', platform)}:")
            lines.extend(f"      - {tip}" for tip in tips)
    checks = rec.text_checks
    lines.append(TEXT["text_checks"].format(words=checks.words, lix=checks.lix))
    for finding in checks.findings:
        where = f" ({label('platform', finding.platform)})" if finding.platform else ""
        lines.append(f"  - {finding.message}{where}")
    if rec.warnings:
        lines.append(TEXT["warnings"])
        lines.extend(f"  - {warning.message}" for warning in rec.warnings)
    urgent = TEXT["urgent"] if rec.review.urgent else ""
    route = readout.route_name(rec.review.route, start=True)
    lines.append(TEXT["fact"].format(label=readout.REVIEW_BY, value=route))
    lines.append(TEXT["review"].format(reason=rec.review.reason, urgent=urgent))
    return "\n".join(lines)


def render_stored(proposal: Proposal) -> str:
    route = readout.route_name(proposal.recommendation.review.route)
    return TEXT["stored"].format(id=proposal.id, route=route)


def render_decided(proposal: Proposal, *, changed: bool) -> str:
    state = "" if changed else TEXT["unchanged"]
    return TEXT["decided"].format(id=proposal.id, status=status_label(proposal.status)) + state


def _planned(proposal: Proposal) -> str:
    day = proposal.intake.planned_for
    return day.isoformat() if day else readout.NO_DATE


def render_list(proposals: list[Proposal]) -> str:
    if not proposals:
        return TEXT["no_proposals"]
    lines = []
    for p in proposals:
        planned = _planned(p)
        lines.append(
            f"#{p.id:<5} {status_label(p.status):<28} {planned:<10}  {p.title}"
            f"  ({p.proposer.display})"
        )
    return "\n".join(lines)


def render_proposal(p: Proposal) -> str:
    lines = [
        TEXT["heading"].format(id=p.id, title=p.title),
        TEXT["status"].format(status=status_label(p.status)),
        *[TEXT["fact"].format(label=fact.label, value=fact.shown)
          for fact in readout.facts(p) if fact.shown],
        TEXT["source"].format(source=p.source),
        "",
        p.intake.text,
        render_recommendation(p.recommendation),
        "",
        TEXT["history"],
    ]
    for event in p.history:
        note = f": {event.note}" if event.note else ""
        what = EVENT_DA.get(event.event, event.event)
        lines.append(f"  {event.at:%Y-%m-%d %H:%M} {what} ({event.actor_name}){note}")
    return "\n".join(lines)
