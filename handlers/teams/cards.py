"""Adaptive Cards (schema 1.5) built as Python dicts; no JSON templates.

Teams reads TextBlock text as markdown and `<at>` tags as mentions, so text a person wrote
(titles, drafts, names, notes) only ever goes into RichTextBlock TextRuns, which Teams shows
as plain text, and `<at>` tags in it are broken up. TextBlocks hold our own text only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from bot import readout
from bot.proposal import Proposal, Status
from bot.workflow import status_label
from handlers.teams import text as T
from handlers.teams.form import Answers, card_value
from policy import Question, Recommendation, label, questions
from policy.answers import from_intake
from policy.models import QuestionKind

Card = dict[str, Any]
Element = dict[str, Any]

CARD_VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

# Verbs of the actions on our cards; the listeners route on them.
SUBMIT_INTAKE = "submit_intake"
RESUBMIT = "resubmit"
APPROVE = "approve"
REQUEST_CHANGES = "request_changes"
REJECT = "reject"
NOTE_INPUT = {REQUEST_CHANGES: "note_changes", REJECT: "note_reject"}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MENTION_TAG = re.compile(r"<(/?)(at)\b", re.IGNORECASE)


# -- building blocks ------------------------------------------------------------------------


def plain(value: str) -> str:
    """User text made safe for a TextRun: no control characters, no `<at>` mention tags."""
    return _MENTION_TAG.sub("<\\1\u200b\\2", _CONTROL.sub("", value))


def card(body: list[Element], actions: list[Element] | None = None) -> Card:
    built: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": CARD_VERSION,
                   "body": body}
    if actions:
        built["actions"] = actions
    return built


def attachment(content: Card) -> dict[str, Any]:
    return {"contentType": CONTENT_TYPE, "content": content}


def heading(value: str) -> Element:
    return {"type": "TextBlock", "text": value, "size": "Medium", "weight": "Bolder",
            "wrap": True}


def note(value: str, *, color: str | None = None, subtle: bool = False,
         small: bool = False) -> Element:
    block: Element = {"type": "TextBlock", "text": value, "wrap": True}
    if color:
        block["color"] = color
    if subtle:
        block["isSubtle"] = True
    if small:
        block["size"] = "Small"
    return block


def rich(value: str, **style: Any) -> Element:
    """Text that holds something a person wrote: shown as plain text, never as markdown."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": plain(value),
                                                   **style}]}


def field(name: str, value: str) -> Element:
    return {
        "type": "ColumnSet",
        "spacing": "Small",
        "columns": [
            {"type": "Column", "width": "110px",
             "items": [{"type": "TextBlock", "text": name, "weight": "Bolder", "wrap": True}]},
            {"type": "Column", "width": "stretch", "items": [rich(value)]},
        ],
    }


def execute(title: str, verb: str, data: dict[str, Any], **extra: Any) -> Element:
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": data, **extra}


def when(moment: dt.datetime | None, zone: str) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(zone))
    return T.WHEN.format(day=local.day, month=T.MONTHS[local.month - 1], year=local.year,
                         hour=local.hour, minute=local.minute)


def message_card(title: str, body: str | None = None, *, color: str | None = None) -> Card:
    blocks = [heading(title)]
    if body:
        blocks.append(note(body, color=color))
    return card(blocks)


# -- the intake form ------------------------------------------------------------------------


def intake_card(
    answers: Answers,
    errors: dict[str, str] | None = None,
    *,
    data: dict[str, Any],
    verb: str = SUBMIT_INTAKE,
    title: str = T.INTAKE_TITLE,
    intro: str = T.INTAKE_INTRO,
    submit: str = T.SUBMIT,
    submit_action: str = "Action.Execute",
    notice: str | None = None,
) -> Card:
    """The guided questions from the policy, pre-filled with `answers`, errors under fields.

    Task modules (the message action) only submit with Action.Submit, which carries the verb
    in its data; chats use Action.Execute so the answer can replace the card in place."""
    errors = errors or {}
    body: list[Element] = [heading(title), note(intro, subtle=True)]
    if notice:
        body.append(note(notice, color="Attention"))
    if errors:
        body.append(note(T.ERRORS_SUMMARY, color="Attention"))
    asked = questions()
    for question in asked:
        body.extend(_question_block(question, answers.get(question.id), errors.get(question.id),
                                    asked))
    asked_ids = {q.id for q in asked}
    for field_name, message in errors.items():  # errors for fields the card has no input for
        if field_name not in asked_ids:
            body.append(note(message, color="Attention"))
    # Action.Submit carries the verb in its data: dialogs use it, and Teams clients without
    # Universal Actions fall back to it (answered by replacing the card, see actions.py).
    submit_fallback: Element = {"type": "Action.Submit", "title": submit,
                                "data": {**data, "verb": verb}}
    if submit_action == "Action.Submit":
        return card(body, [submit_fallback])
    return card(body, [execute(submit, verb, data, style="positive", fallback=submit_fallback)])


def _question_block(question: Question, value: Any, error: str | None,
                    asked: list[Question]) -> list[Element]:
    element = _input(question, card_value(question, value))
    required = question.required and not question.applies_when
    if required:
        element["isRequired"] = True
        element["errorMessage"] = error or T.REQUIRED_ERROR
    blocks = [element]
    hint = _applies_hint(question, asked)
    help_text = " ".join(part for part in (question.help, hint) if part)
    if help_text:
        blocks.append({**note(help_text, subtle=True, small=True), "spacing": "None"})
    if error:
        blocks.append({**note(error, color="Attention", small=True), "spacing": "None"})
    return blocks


def _input(question: Question, value: str | None) -> Element:
    label_text = question.label if question.required else f"{question.label} {T.OPTIONAL}"
    element: Element = {"id": question.id, "label": label_text,
                        **INPUTS[question.kind](question)}
    if element["type"] == "Input.Toggle":  # titled by itself, and off until switched on
        element.pop("label")
        value = value or "false"
    if value is not None:
        element["value"] = value
    return element


def _yes_no(question: Question) -> Element:
    if not question.applies_when:
        return {"type": "Input.Toggle", "title": question.label, "valueOn": "true",
                "valueOff": "false"}
    return {"type": "Input.ChoiceSet", "style": "expanded", "choices": [
        {"title": T.YES, "value": "true"}, {"title": T.NO, "value": "false"}]}


def _date_input(question: Question) -> Element:
    return {"type": "Input.Date"}


def _choice_set(question: Question) -> Element:
    multi = question.kind == "multi_choice"
    return {
        "type": "Input.ChoiceSet",
        "isMultiSelect": multi,
        "style": "expanded" if multi or len(question.options) <= 4 else "compact",
        "choices": [{"title": option.label, "value": option.value}
                    for option in question.options],
    }


def _text_input(question: Question) -> Element:
    element: Element = {"type": "Input.Text"}
    if question.kind == "long_text":
        element["isMultiline"] = True
    if question.kind == "url":
        element["style"] = "Url"
    if question.max_length:
        element["maxLength"] = question.max_length
    return element


# One input per question kind (tests/test_question_kinds.py checks each kind has one).
INPUTS: dict[QuestionKind, Callable[[Question], Element]] = {
    QuestionKind.MULTI_CHOICE: _choice_set,
    QuestionKind.CHOICE: _choice_set,
    QuestionKind.BOOL: _yes_no,
    QuestionKind.SHORT_TEXT: _text_input,
    QuestionKind.LONG_TEXT: _text_input,
    QuestionKind.DATE: _date_input,
    QuestionKind.URL: _text_input,
}


def _applies_hint(question: Question, asked: list[Question]) -> str:
    """'Only when «has media» is Yes', built from the policy's own labels."""
    parts = []
    by_id = {q.id: q for q in asked}
    for field_id, allowed in question.applies_when.items():
        other = by_id.get(field_id)
        if other is None:
            continue
        names = [_value_label(other, value) for value in allowed]
        parts.append(T.APPLIES_WHEN.format(question=other.label, values=T.OR.join(names)))
    return " ".join(parts)


def _value_label(question: Question, value: str | bool) -> str:
    if isinstance(value, bool):
        return T.YES if value else T.NO
    return next((o.label for o in question.options if o.value == value), str(value))


def submitted_card(proposal: Proposal) -> Card:
    route = readout.route_name(proposal.recommendation.review.route)
    return card([
        heading(T.SUBMITTED_TITLE.format(id=proposal.id)),
        rich(proposal.title, weight="Bolder"),
        note(T.SUBMITTED_BODY.format(route=route)),
    ])


def resubmitted_card(proposal: Proposal) -> Card:
    return card([
        heading(T.RESUBMITTED_TITLE.format(id=proposal.id)),
        rich(proposal.title, weight="Bolder"),
        note(T.RESUBMITTED_BODY),
    ])


# -- the recommendation ---------------------------------------------------------------------


def recommendation_card(proposal: Proposal, *, revised: bool = False) -> Card:
    rec = proposal.recommendation
    title = T.RECOMMENDATION_REVISED if revised else T.RECOMMENDATION_TITLE
    body = [heading(title.format(id=proposal.id)), rich(proposal.title, weight="Bolder")]
    # The short answer first: at most three lines (where, who approves, what to fix).
    body += [rich(line, weight="Bolder") for line in rec.summary]
    body += _platform_blocks(rec)
    body += _checklist_blocks(rec)
    body += _tone_blocks(rec)
    body += _text_blocks(rec)
    if rec.warnings:
        body.append({**note(T.WARNINGS, color="Warning"), "weight": "Bolder"})
        body += [rich(f"• {warning.message}") for warning in rec.warnings]
    body.append(_section(T.REVIEW_ROUTE))
    route = readout.route_name(rec.review.route, start=True)
    body.append(note(f"{readout.REVIEW_BY}: {route}"))
    urgent = f" {T.URGENT}." if rec.review.urgent else ""
    body.append(rich(rec.review.reason + urgent))
    return card(body)


def _section(title: str) -> Element:
    return {"type": "TextBlock", "text": title, "weight": "Bolder", "wrap": True,
            "separator": True, "spacing": "Medium"}


def _platform_blocks(rec: Recommendation) -> list[Element]:
    blocks = [_section(T.PLATFORMS)]
    for fit in rec.platforms:
        headline = (f"{T.FIT_MARK[fit.fit]} {label('platform', fit.platform)}: "
                    f"{label('fit', fit.fit)}")
        blocks.append(rich(headline, weight="Bolder", color=T.FIT_COLOR[fit.fit]))
        blocks += [{**rich(f"• {reason}"), "spacing": "None"} for reason in fit.reasons]
    return blocks


def _checklist_blocks(rec: Recommendation) -> list[Element]:
    if not rec.crisis_checklist:
        return []
    blocks = [_section(T.CRISIS_CHECKLIST)]
    blocks += [{**rich(f"• {item}"), "spacing": "None"} for item in rec.crisis_checklist]
    return blocks


def _tone_blocks(rec: Recommendation) -> list[Element]:
    if not rec.tone_tips:
        return []
    blocks = [_section(T.TONE)]
    for platform, tips in rec.tone_tips.items():
        blocks.append(rich(label("platform", platform), weight="Bolder"))
        blocks += [{**rich(f"• {tip}"), "spacing": "None"} for tip in tips]
    return blocks


def _text_blocks(rec: Recommendation) -> list[Element]:
    checks = rec.text_checks
    blocks = [_section(T.TEXT_CHECKS.format(words=checks.words, lix=checks.lix))]
    if not checks.findings:
        blocks.append(note(T.NO_FINDINGS, subtle=True))
    for finding in checks.findings:
        where = f" ({label('platform', finding.platform)})" if finding.platform else ""
        blocks.append(rich(f"• {finding.message}{where}"))
    return blocks


# -- the review card ------------------------------------------------------------------------


def review_card(proposal: Proposal, zone: str, *, notice: str | None = None,
                actionable: bool = True) -> Card:
    """The proposal as the central team sees it; with decision buttons while it is open."""
    body: list[Element] = []
    if notice:  # may name who decided: plain text
        body.append(rich(notice, color="Attention"))
    if proposal.intake.crisis:
        body.append({**note(T.CRISIS, color="Attention"), "weight": "Bolder"})
    body.append(note(T.PROPOSAL_HEADING.format(id=proposal.id), subtle=True, small=True))
    body.append(rich(proposal.title, size="Large", weight="Bolder"))
    body += _status_blocks(proposal, zone)
    body += _fact_blocks(proposal)
    body.append(_section(T.DRAFT))
    body.append({"type": "Container", "style": "emphasis", "items": [rich(proposal.intake.text)]})
    body.append(_section(T.PLATFORMS))
    for fit in proposal.recommendation.platforms:
        body.append(rich(f"{T.FIT_MARK[fit.fit]} {label('platform', fit.platform)}: "
                         f"{label('fit', fit.fit)}", color=T.FIT_COLOR[fit.fit]))
    body.append(note(proposal.recommendation.review.reason, subtle=True, small=True))
    open_for_decision = actionable and proposal.status is Status.PENDING
    return card(body, _decision_actions(proposal) if open_for_decision else None)


def _status_blocks(proposal: Proposal, zone: str) -> list[Element]:
    blocks: list[Element] = []
    status = readout.status_line(proposal)
    if status is None:
        blocks.append(note(readout.STATUS_PENDING, color="Accent"))
        if proposal.revision > 1:  # names the proposer: plain text
            blocks.append(rich(readout.RESUBMITTED.format(
                revision=proposal.revision, who=proposal.proposer.display), isSubtle=True))
        return blocks
    who = status.actor.display if status.actor else ""
    line = status.template.format(who=who, when=when(status.at, zone))
    color = {"approved": "Good", "rejected": "Attention"}.get(proposal.status, "Warning")
    blocks.append(rich(line, weight="Bolder", color=color))
    if status.note:
        blocks.append(field(readout.NOTE, status.note))
    return blocks


def _fact_blocks(proposal: Proposal) -> list[Element]:
    """The facts every surface shows (bot/readout.py), then where the proposal came from."""
    blocks = [field(fact.label, fact.shown) for fact in readout.facts(proposal) if fact.shown]
    blocks.append(field(T.VIA, T.SOURCES.get(proposal.source, proposal.source)))
    return blocks


def _decision_actions(proposal: Proposal) -> list[Element]:
    # The revision shown goes with each click: a decision on text since replaced is refused.
    data = {"proposal_id": proposal.id, "revision": proposal.revision}
    return [
        execute(T.APPROVE, APPROVE, data, style="positive"),
        _note_step(T.REQUEST_CHANGES, REQUEST_CHANGES, T.NOTE_CHANGES_LABEL, T.SEND_CHANGES,
                   data),
        _note_step(T.REJECT, REJECT, T.NOTE_REJECT_LABEL, T.SEND_REJECT, data),
    ]


def _note_step(title: str, verb: str, question: str, send: str,
               data: dict[str, Any]) -> Element:
    """A second step on the card that asks for the reason before deciding."""
    note_input = {"type": "Input.Text", "id": NOTE_INPUT[verb], "label": question,
                  "isMultiline": True, "isRequired": True, "maxLength": readout.NOTE_MAX,
                  "errorMessage": T.NOTE_REQUIRED}
    style = "destructive" if verb == REJECT else "default"
    return {"type": "Action.ShowCard", "title": title, "card": {
        "type": "AdaptiveCard", "body": [note_input],
        "actions": [execute(send, verb, data, style=style)]}}


# -- messages to the proposer and the thread ------------------------------------------------


def notice_card(proposal: Proposal, zone: str) -> Card:
    """The decision, told to the proposer; a request for changes carries the form to fix it."""
    told = readout.notice(proposal)
    who = told.by.display if told.by else ""
    body = [
        heading(told.headline),
        rich(told.title, weight="Bolder"),
        rich(readout.NOTICE_BY.format(who=who, when=when(told.at, zone)).rstrip(),
             isSubtle=True),
    ]
    if told.note:
        body.append(field(readout.NOTE, told.note))
    if told.next_step:
        body.append(note(told.next_step))
    actions = None
    if proposal.status is Status.CHANGES_REQUESTED:
        actions = [{"type": "Action.ShowCard", "title": T.NOTICE_EDIT,
                    "card": resubmit_form(proposal)}]
    return card(body, actions)


def resubmit_form(proposal: Proposal, answers: Answers | None = None,
                  errors: dict[str, str] | None = None, *, notice: str | None = None) -> Card:
    return intake_card(
        answers if answers is not None else from_intake(proposal.intake),
        errors,
        data={"proposal_id": proposal.id},
        verb=RESUBMIT,
        title=T.RESUBMIT_TITLE.format(id=proposal.id),
        intro=T.RESUBMIT_INTRO,
        submit=T.RESUBMIT,
        notice=notice,
    )


def thread_card(event: str, proposal: Proposal) -> Card:
    thread = readout.thread_line(proposal, event, status_label(proposal.status))
    who = thread.actor.display if thread.actor else ""
    body = [rich(thread.template.format(who=who))]  # names a person: plain text
    if thread.note:
        body.append(field(readout.NOTE, thread.note))
    return card(body)


def escalation_card(proposal: Proposal, zone: str) -> Card:
    return card([
        {**heading(T.ESCALATION_TITLE.format(id=proposal.id)), "color": "Attention"},
        rich(proposal.title, weight="Bolder"),
        field(readout.PROPOSED_BY, proposal.proposer.display),
        note(T.ESCALATION_BODY.format(when=when(proposal.created_at, zone))),
    ])
