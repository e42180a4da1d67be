"""Adaptive Cards (schema 1.5) built as Python dicts; no JSON templates.

Teams reads TextBlock text as markdown and `<at>` tags as mentions, so text a person wrote
(titles, drafts, names, notes) only ever goes into RichTextBlock TextRuns, which Teams shows
as plain text, and `<at>` tags in it are broken up. TextBlocks hold our own text only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot import advice as A
from bot import readout
from bot.advice import Advice, Fit, ReviewLine, Section
from bot.config import Settings
from bot.core import CONSOLE
from bot.platform import Platforms
from bot.proposal import Proposal, Status
from bot.workflow import status_label
from handlers.teams import text as T
from handlers.teams.form import Answers, card_value
from policy import Question, Recommendation
from policy.answers import from_intake, question_list
from policy.models import LINK_MAX, QuestionKind

Card = dict[str, Any]
Element = dict[str, Any]

CARD_VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

# Verbs of the actions on our cards; the listeners route on them.
SUBMIT_INTAKE = "submit_intake"  # the questions, answered: the advice comes back
RESUBMIT = "resubmit"  # the proposer's edited questions: the new advice comes back
SEND = "send"  # the advice card's Send: the only action that stores a proposal
EDIT = "edit"  # the advice card's Ret: the questions again, answers kept
DROP = "drop"  # the advice card's Drop: nothing stored
APPROVE = "approve"
REQUEST_CHANGES = "request_changes"
REJECT = "reject"
ASK_CENTRAL = "ask_central"
APPROVE_ANYWAY = "approve_anyway"  # Approve while a gate is open, with a written reason
PUBLISH = "publish"  # "Markér som udgivet", with a link per platform
TAKE_DOWN = "take_down"  # "Tag ned", with a reason
NOTE_INPUT = {REQUEST_CHANGES: "note_changes", REJECT: "note_reject",
              APPROVE_ANYWAY: "note_override", TAKE_DOWN: "note_take_down"}
# The publish form's inputs are named by this and the platform's key ("link_facebook").
LINK_INPUT = "link_"
# Where a publish or take-down click came from when it was no review card (the card data's
# "on"): the publish reminder or the proposer's notice, both in a personal chat, answered
# there with what was done rather than with the review card.
ON_REMINDER = "reminder"
ON_NOTICE = "notice"

# The advice card's folded details and the two buttons that fold and unfold them.
DETAILS = "advice_details"
SHOW_DETAILS = "advice_show"
HIDE_DETAILS = "advice_hide"
# The advice card's size (JSON bytes) above which it leaves out the Action.Submit fallbacks:
# Teams takes cards of about 28 KB, and the invoke response wraps the card.
ADVICE_BUDGET = 24_000
# Sources that are no platform: the terminal (`opslag submit`, the chat), "cli" in old rows.
_TERMINAL_SOURCES = frozenset({CONSOLE, "cli"})

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MENTION_TAG = re.compile(r"<(/?)(at)\b", re.IGNORECASE)
# A name in a mention sits in a TextBlock (markdown): only letters, digits, spaces and . ' -
# are kept, so a name can neither format the line nor close the `<at>` tag.
_NAME_UNSAFE = re.compile(r"[^\w .'-]|_")
# An id Teams can mention (an Entra object id or a Teams id such as "29:..."); the ids come
# from the settings and the departments file, never from what someone typed.
_MENTIONABLE = re.compile(r"[\w:.@-]{1,200}")


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
    return _row(name, rich(value))


def _row(name: str, value: Element) -> Element:
    return {
        "type": "ColumnSet",
        "spacing": "Small",
        "columns": [
            {"type": "Column", "width": "110px",
             "items": [{"type": "TextBlock", "text": name, "weight": "Bolder", "wrap": True}]},
            {"type": "Column", "width": "stretch", "items": [value]},
        ],
    }


def link_blocks(links: Sequence[readout.Link]) -> list[Element]:
    """A published post's links, one row per platform: the address as someone gave it (kept
    as https only, `bot.workflow`), shown as plain text that opens it."""
    if not links:
        return []
    return [{**note(readout.LINKS), "weight": "Bolder", "spacing": "Small"},
            *(_row(link.platform, _link_text(link)) for link in links)]


def _link_text(link: readout.Link) -> Element:
    run: Element = {"type": "TextRun", "text": plain(link.url)}
    if link.url.startswith("https://"):
        run.update(color="Accent", underline=True,
                   selectAction={"type": "Action.OpenUrl", "url": link.url,
                                 "title": link.platform})
    return {"type": "RichTextBlock", "inlines": [run]}


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
    departments: tuple[str, ...] = (),
) -> Card:
    """The guided questions from the policy, pre-filled with `answers`, errors under fields.
    `departments`: the departments file's names (`Workflow.department_choices`), which the
    department question then offers as a choice.

    Task modules (the message action) only submit with Action.Submit, which carries the verb
    in its data; chats use Action.Execute so the answer can replace the card in place."""
    errors = errors or {}
    body: list[Element] = [heading(title), note(intro, subtle=True)]
    if notice:
        body.append(note(notice, color="Attention"))
    if errors:
        body.append(note(T.ERRORS_SUMMARY, color="Attention"))
    asked = list(question_list(departments))
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


# -- the advice, before anything is sent -----------------------------------------------------


def advise(settings: Settings, rec: Recommendation, *, revised: bool = False) -> Advice:
    """The advice as people read it (bot/advice.py), with the review times of these settings."""
    return A.advice(rec, sla_hours=settings.opslag_review_sla_hours,
                    escalate_minutes=settings.opslag_crisis_escalate_minutes,
                    title=A.TITLE_REVISED if revised else A.TITLE)


def advice_card(advice: Advice, data: dict[str, Any], *, notice: str | None = None,
                submit_action: str = "Action.Execute") -> Card:
    """The answer to the questions: the short advice (at most three lines, and the platforms
    that fit), every reason and tip folded away one click down, and the three choices.

    `data` carries the answers (the card keeps nothing else): Send and Ret send them back,
    and Send checks them again before it stores anything. A dialog (the message action) only
    submits with Action.Submit, which carries the verb in its data."""
    body: list[Element] = [heading(advice.title)]
    if notice:
        body.append(note(notice, color="Attention"))
    # The policy may quote what the person wrote in a line: plain text.
    body += [rich(line, weight="Bolder") for line in advice.summary]
    body += [{**_fit_line(fit), "spacing": "Small"} for fit in advice.best]
    body += _fold_buttons()
    body.append({"type": "Container", "id": DETAILS, "isVisible": False,
                 "items": _details(advice)})
    body.append({**note(T.ADVICE_CHOICES, subtle=True, small=True), "separator": True})
    without_answers = {key: value for key, value in data.items() if key != "answers"}
    choices: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
        (T.ADVICE_SEND, SEND, data, {"style": "positive"}),
        (T.ADVICE_EDIT, EDIT, data, {}),
        (T.ADVICE_DROP, DROP, without_answers, {}),
    ]
    if submit_action == "Action.Submit":
        return card(body, [_submit(title, verb, values, **style)
                           for title, verb, values, style in choices])
    built = card(body, [execute(title, verb, values, fallback=_submit(title, verb, values),
                                **style)
                        for title, verb, values, style in choices])
    if _size(built) <= ADVICE_BUDGET:
        return built
    # A draft near its limit: each fallback is one more copy of the answers. Every Teams
    # client of today has Universal Actions, so the fallbacks go rather than the card.
    return card(body, [execute(title, verb, values, **style)
                       for title, verb, values, style in choices])


def _size(built: Card) -> int:
    """The card's JSON in bytes, as the Agents SDK writes it (non-ASCII escaped)."""
    return len(json.dumps(built))


def _submit(title: str, verb: str, data: dict[str, Any], **extra: Any) -> Element:
    """Action.Submit carries the verb in its data (see `intake_card`)."""
    return {"type": "Action.Submit", "title": title, "data": {**data, "verb": verb}, **extra}


def _fold_buttons() -> list[Element]:
    """"Vis …" and "Skjul …": each folds or unfolds the details and swaps itself for the
    other, in the client, without a round trip."""
    targets = [DETAILS, SHOW_DETAILS, HIDE_DETAILS]

    def button(element_id: str, title: str, visible: bool) -> Element:
        toggle = {"type": "Action.ToggleVisibility", "title": title, "targetElements": targets}
        return {"type": "ActionSet", "id": element_id, "isVisible": visible,
                "actions": [toggle]}

    return [button(SHOW_DETAILS, T.ADVICE_SHOW, True),
            button(HIDE_DETAILS, T.ADVICE_HIDE, False)]


def _details(advice: Advice) -> list[Element]:
    """Every platform's reasons, then the core's sections in its order, then who approves."""
    blocks = [_section(A.PLATFORMS)]
    for fit in advice.fits:
        blocks.append(_fit_line(fit, weight="Bolder"))
        blocks += _bullets(fit.reasons)
    for section in advice.sections:
        blocks += _section_blocks(section)
    return blocks + _review_blocks(advice.review)


def _section_blocks(section: Section) -> list[Element]:
    blocks = [_section(section.title)]
    for name, items in section.subheads:
        blocks.append(rich(name, weight="Bolder"))
        blocks += _bullets(items)
    blocks += _bullets(section.items)  # a card has room for every item, `whole` or not
    if not section.items and not section.subheads and section.empty:
        blocks.append(note(section.empty, subtle=True))
    return blocks


def _review_blocks(review: ReviewLine) -> list[Element]:
    urgent = f" {A.URGENT}" if review.urgent else ""
    return [
        _section(readout.REVIEW_BY),
        rich(f"{review.who}. {review.reason}{urgent}"),  # the policy's reason: plain text
        note(f"{A.WHEN}: {review.when}", subtle=True),
    ]


def _bullets(items: list[str]) -> list[Element]:
    return [{**rich(f"• {item}"), "spacing": "None"} for item in items]


def _fit_line(fit: Fit, **style: Any) -> Element:
    """"✅ Facebook: Anbefales", coloured by the fit (the colour is ours, the mark the core's)."""
    return rich(fit.headline, color=T.FIT_COLOR[fit.key], **style)


def _section(title: str) -> Element:
    return {"type": "TextBlock", "text": title, "weight": "Bolder", "wrap": True,
            "separator": True, "spacing": "Medium"}


# -- receipts, after Send ---------------------------------------------------------------------


def sent_text(proposal: Proposal, when: str = "", *, again: bool = False) -> str:
    """"Tak – forslag nr. N er sendt til godkendelse hos …", and when to expect an answer."""
    return " ".join(part for part in (_sent_title(proposal, again), when) if part)


def submitted_card(proposal: Proposal, when: str = "", *, again: bool = False) -> Card:
    """Where the person pressed Send: the receipt, not the advice they have just read."""
    body = [heading(_sent_title(proposal, again)), rich(proposal.title, weight="Bolder")]
    if again:
        body.append(note(T.SENT_AGAIN_BODY))
    if when:
        body.append(note(when))
    return card(body)


def _sent_title(proposal: Proposal, again: bool) -> str:
    route = readout.route_name(proposal.recommendation.review.route)
    return (T.SENT_AGAIN_TITLE if again else T.SENT_TITLE).format(id=proposal.id, route=route)


def receipt_card(proposal: Proposal, when: str = "", *, again: bool = False) -> Card:
    """The message in the proposer's personal chat after Send: what they sent, who approves
    and when. Not the advice again: they read it before they sent."""
    route = readout.route_name(proposal.recommendation.review.route, start=True)
    body = [
        heading(T.RECEIPT_AGAIN_TITLE if again else T.RECEIPT_TITLE),
        note(T.RECEIPT_ABOUT.format(id=proposal.id), subtle=True, small=True),
        rich(proposal.title, weight="Bolder"),
        field(readout.REVIEW_BY, route),
    ]
    if when:
        body.append(note(when))
    return card(body)


# -- the review card ------------------------------------------------------------------------


def review_card(proposal: Proposal, zone: str, *, via: str | None = None,
                notice: str | None = None, actionable: bool = True,
                moved: bool = False, gates: Sequence[str] = (),
                typed: Mapping[str, str] | None = None) -> Card:
    """The proposal as its reviewers see it; with decision buttons while it is open (and, in
    a department's channel, the button that asks the central team for help), and once
    approved "Markér som udgivet" and "Tag ned". `via`: where it came from, as people read it
    (`source_name`). `moved`: the department's card of a proposal since moved to the central
    team's review. `gates`: what stops an approval now (`Workflow.gates`); Approve then asks
    why it should be approved anyway. `typed`: the links someone typed in the publish form,
    shown again with why they were refused (`notice`).

    A channel card is the same for everyone, so its buttons are offered to all and the
    workflow refuses whoever may not use them, with its reason."""
    body: list[Element] = []
    if notice:  # may name who decided: plain text
        body.append(rich(notice, color="Attention"))
    if proposal.intake.crisis:
        body.append({**note(T.CRISIS, color="Attention"), "weight": "Bolder"})
    body.append(note(T.PROPOSAL_HEADING.format(id=proposal.id), subtle=True, small=True))
    body.append(rich(proposal.title, size="Large", weight="Bolder"))
    body += _status_blocks(proposal, zone)
    body += _fact_blocks(proposal, via)
    body.append(_section(T.DRAFT))
    body.append({"type": "Container", "style": "emphasis", "items": [rich(proposal.intake.text)]})
    body.append(_section(A.PLATFORMS))
    body += [rich(A.fit_line(fit.platform, fit.fit), color=T.FIT_COLOR[fit.fit])
             for fit in proposal.recommendation.platforms]
    body.append(note(proposal.recommendation.review.reason, subtle=True, small=True))
    if moved:
        body.append({**note(readout.MOVED), "weight": "Bolder"})
    open_for_decision = actionable and proposal.status is Status.PENDING and not moved
    if open_for_decision and gates:
        body.append({**note(readout.GATES, color="Attention"), "weight": "Bolder"})
        body += [rich(f"• {gate}") for gate in gates]
    if open_for_decision:
        actions = _decision_actions(proposal, bool(gates))
    elif actionable and not moved:
        actions = after_approval_actions(proposal, {"proposal_id": proposal.id}, typed=typed)
    else:
        actions = []
    return card(body, actions)


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
    blocks.append(rich(line, weight="Bolder", color=_STATUS_COLOR.get(proposal.status,
                                                                      "Warning")))
    if status.note:
        blocks.append(field(readout.NOTE, status.note))
    return blocks + link_blocks(status.links)


_STATUS_COLOR = {Status.APPROVED: "Good", Status.PUBLISHED: "Good", Status.REJECTED: "Attention",
                 Status.TAKEN_DOWN: "Attention"}


def _fact_blocks(proposal: Proposal, via: str | None) -> list[Element]:
    """The facts every surface shows (bot/readout.py), then where the proposal came from."""
    blocks = [field(fact.label, fact.shown) for fact in readout.facts(proposal) if fact.shown]
    if via:
        blocks.append(field(T.VIA, via))
    return blocks


def source_name(platforms: Platforms, source: str) -> str:
    """Where a proposal came from as people read it: a platform by its own label
    (bot/platform.py), the terminal, which is no platform, in our words."""
    if source in platforms:
        return platforms.label(source)
    return T.TERMINAL if source in _TERMINAL_SOURCES else source


def _decision_actions(proposal: Proposal, gated: bool = False) -> list[Element]:
    # The revision shown goes with each click: a decision on text since replaced is refused.
    data = {"proposal_id": proposal.id, "revision": proposal.revision}
    approve = (_note_step(readout.OVERRIDE, APPROVE_ANYWAY, readout.OVERRIDE_QUESTION,
                          readout.OVERRIDE, data) if gated
               else execute(T.APPROVE, APPROVE, data, style="positive"))
    return [
        approve,
        _note_step(T.REQUEST_CHANGES, REQUEST_CHANGES, T.NOTE_CHANGES_LABEL, T.SEND_CHANGES,
                   data),
        _note_step(T.REJECT, REJECT, T.NOTE_REJECT_LABEL, T.SEND_REJECT, data),
        *([execute(readout.ASK_CENTRAL, ASK_CENTRAL, {"proposal_id": proposal.id})]
          if proposal.review_route == "department" else []),
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


# -- from approved to published ---------------------------------------------------------------


def after_approval_actions(proposal: Proposal, data: dict[str, Any], *,
                           typed: Mapping[str, str] | None = None) -> list[Element]:
    """"Markér som udgivet" while approved, "Tag ned" while approved or published; each opens
    its form on the card. `data` names the proposal (and where the card is, see ON_*)."""
    actions: list[Element] = []
    if proposal.status is Status.APPROVED:
        actions.append({"type": "Action.ShowCard", "title": readout.PUBLISH,
                        "card": publish_form(proposal, data, typed=typed)})
    if proposal.status in (Status.APPROVED, Status.PUBLISHED):
        actions.append({"type": "Action.ShowCard", "title": readout.TAKE_DOWN,
                        "card": take_down_form(data)})
    return actions


def publish_form(proposal: Proposal, data: dict[str, Any], *,
                 typed: Mapping[str, str] | None = None, intro: bool = True,
                 submit: str = readout.PUBLISH_SUBMIT) -> Card:
    """One optional web address per platform the advice weighed, the recommended first; the
    workflow wants at least one and checks each."""
    body: list[Element] = []
    if intro:  # names the proposal's title: plain text
        body.append(rich(readout.PUBLISH_INTRO.format(id=proposal.id, title=proposal.title)))
    body += [_link_input(key, name, (typed or {}).get(key))
             for key, name in readout.publish_platforms(proposal)]
    return {"type": "AdaptiveCard", "body": body, "actions": [
        execute(submit, PUBLISH, data, style="positive", **_personal_fallback(submit, PUBLISH,
                                                                             data))]}


def _personal_fallback(title: str, verb: str, data: dict[str, Any]) -> dict[str, Element]:
    """Action.Submit for clients without Universal Actions, on a card in a personal chat only
    (its data names where, see ON_*): its answer replaces the card clicked, and a review card
    in a channel is everyone's (as its decision buttons, it has none)."""
    return {"fallback": _submit(title, verb, data)} if data.get("on") else {}


def _link_input(key: str, platform: str, typed: str | None) -> Element:
    element: Element = {"type": "Input.Text", "id": LINK_INPUT + key, "style": "Url",
                        "label": readout.PUBLISH_LINK.format(platform=platform),
                        "placeholder": readout.PUBLISH_PLACEHOLDER, "maxLength": LINK_MAX}
    if typed:  # what was typed, shown again after a refusal (an input is never markdown)
        element["value"] = _CONTROL.sub("", typed)[:LINK_MAX]
    return element


def take_down_form(data: dict[str, Any]) -> Card:
    reason = {"type": "Input.Text", "id": NOTE_INPUT[TAKE_DOWN],
              "label": readout.TAKE_DOWN_QUESTION, "isMultiline": True, "isRequired": True,
              "maxLength": readout.NOTE_MAX, "errorMessage": T.NOTE_REQUIRED}
    submit = readout.TAKE_DOWN_SUBMIT
    return {"type": "AdaptiveCard",
            "body": [reason, {**note(readout.TAKE_DOWN_HINT, subtle=True, small=True),
                              "spacing": "None"}],
            "actions": [execute(submit, TAKE_DOWN, data, style="destructive",
                                **_personal_fallback(submit, TAKE_DOWN, data))]}


def publish_reminder_card(proposal: Proposal, *, notice: str | None = None,
                          typed: Mapping[str, str] | None = None) -> Card:
    """On the planned day, in the publisher's personal chat: the form that marks it published
    (a refusal comes back on it as `notice`, with what was typed); once it is marked published
    or taken down, what became of it, without the form."""
    told = readout.publish_reminder(proposal)
    if not told.open:
        return card([heading(told.headline), rich(told.title, weight="Bolder"),
                     *(note(line) for line in told.lines)])
    form = publish_form(proposal, {"proposal_id": proposal.id, "on": ON_REMINDER},
                        typed=typed, intro=False, submit=readout.PUBLISH)
    body = [heading(told.headline)]
    if notice:
        body.append(rich(notice, color="Attention"))
    body += [rich(told.title, weight="Bolder"), *(note(line) for line in told.lines),
             *form["body"]]
    return card(body, form["actions"])


def review_reminder_card(proposal: Proposal, hours: int,
                         reviewers: Sequence[tuple[str, str]]) -> Card:
    """In the review thread, past the SLA: how long it has waited, and its reviewers
    mentioned, (id, name) each. Mentions are our own text only: the names are cleaned
    (`_NAME_UNSAFE`), and the title is a TextRun, where `<at>` is never a mention."""
    told = readout.review_reminder(proposal, hours)
    mentions = _mentions(reviewers)
    who = (readout.REVIEW_REMINDER_WHO.format(who=", ".join(text for text, _ in mentions))
           if mentions else readout.REVIEW_REMINDER_NOBODY)
    built = card([heading(told.headline), rich(told.title, weight="Bolder"), note(who)])
    if mentions:
        # Teams' own property of a card: the people the `<at>` tags name (Teams' docs,
        # "Mention support within Adaptive Cards"; an Entra object id is accepted).
        built["msteams"] = {"entities": [entity for _, entity in mentions]}
    return built


def _mentions(reviewers: Sequence[tuple[str, str]]) -> list[tuple[str, Element]]:
    """(`<at>` text, mention entity) per mentionable reviewer. Each text names one person:
    names shared by two (or unknown, `T.UNNAMED_REVIEWER`) are numbered."""
    named = [(user_id, _mention_name(name) or T.UNNAMED_REVIEWER)
             for user_id, name in reviewers if _MENTIONABLE.fullmatch(user_id)]
    shared = Counter(name for _, name in named)
    seen: Counter[str] = Counter()
    mentions = []
    for user_id, name in named:
        if shared[name] > 1:
            seen[name] += 1
            name = f"{name} {seen[name]}"
        text = f"<at>{name}</at>"
        mentions.append((text, {"type": "mention", "text": text,
                                "mentioned": {"id": user_id, "name": name}}))
    return mentions


def _mention_name(name: str) -> str:
    return " ".join(_NAME_UNSAFE.sub("", name).split())[:80]


def takedown_card(proposal: Proposal, zone: str) -> Card:
    """To whoever published (or approved) it: what must come down, who asked, why, where."""
    told = readout.takedown_notice(proposal)
    body = [heading(told.headline), rich(told.title, weight="Bolder")]
    takedown = proposal.takedown
    if takedown is not None:  # names a person: plain text
        body.append(rich(readout.TAKEDOWN_WHO.format(who=takedown.by.display,
                                                     when=when(takedown.at, zone)),
                         isSubtle=True))
    if told.note:
        body.append(field(readout.NOTE, told.note))
    body += [note(line) for line in told.lines]
    return card(body + link_blocks(told.links))


def done_card(proposal: Proposal, zone: str, headline: str) -> Card:
    """The answer in a personal chat to "Markér som udgivet" or "Tag ned": what is now so
    (who did it, the reason, the links)."""
    return card([heading(headline.format(id=proposal.id)), rich(proposal.title, weight="Bolder"),
                 *_status_blocks(proposal, zone)])


# -- messages to the proposer and the thread ------------------------------------------------


def notice_card(proposal: Proposal, zone: str, *, editable: bool = False,
                takeable: bool = False, notice: str | None = None,
                departments: tuple[str, ...] = ()) -> Card:
    """The decision, told to the proposer; with the form to fix it when they may edit it and
    send it again (`editable`: the caller asks `Workflow.can_resubmit`), and "Tag ned" when
    they may ask for the post to come down (`takeable`: `Workflow.can_take_down`). `notice`:
    why their last click here changed nothing."""
    told = readout.notice(proposal)
    who = told.by.display if told.by else ""
    body = [heading(told.headline)]
    if notice:
        body.append(rich(notice, color="Attention"))
    body += [
        rich(told.title, weight="Bolder"),
        rich(readout.NOTICE_BY.format(who=who, when=when(told.at, zone)).rstrip(),
             isSubtle=True),
    ]
    if told.note:
        body.append(field(readout.NOTE, told.note))
    body += link_blocks(told.links)
    if told.next_step:
        body.append(note(told.next_step))
    actions = []
    if editable:
        actions.append({"type": "Action.ShowCard", "title": T.NOTICE_EDIT,
                        "card": resubmit_form(proposal, departments=departments)})
    if takeable:
        actions.append({"type": "Action.ShowCard", "title": readout.TAKE_DOWN,
                        "card": take_down_form({"proposal_id": proposal.id, "on": ON_NOTICE})})
    return card(body, actions)


def resubmit_form(proposal: Proposal, answers: Answers | None = None,
                  errors: dict[str, str] | None = None, *, notice: str | None = None,
                  departments: tuple[str, ...] = ()) -> Card:
    return intake_card(
        answers if answers is not None else from_intake(proposal.intake),
        errors,
        data={"proposal_id": proposal.id},
        verb=RESUBMIT,
        title=T.RESUBMIT_TITLE.format(id=proposal.id),
        intro=T.RESUBMIT_INTRO,
        submit=T.SUBMIT,
        notice=notice,
        departments=departments,
    )


def thread_card(event: str, proposal: Proposal) -> Card:
    thread = readout.thread_line(proposal, event, status_label(proposal.status))
    who = thread.actor.display if thread.actor else ""
    body = [rich(thread.template.format(who=who))]  # names a person: plain text
    if thread.note:
        body.append(field(readout.NOTE, thread.note))
    return card(body + link_blocks(thread.links))


def escalation_card(proposal: Proposal, zone: str) -> Card:
    return card([
        {**heading(T.ESCALATION_TITLE.format(id=proposal.id)), "color": "Attention"},
        rich(proposal.title, weight="Bolder"),
        field(readout.PROPOSED_BY, proposal.proposer.display),
        note(T.ESCALATION_BODY.format(when=when(proposal.created_at, zone))),
    ])
