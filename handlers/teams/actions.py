"""Card actions: the questions and the advice (new or edited), the three decisions, and from
approved to published ("Markér som udgivet", "Tag ned").

Questions → advice → Send / Ret / Drop: the questions card's submit is answered with the
advice card, which carries the answers in its actions' data; only Send stores, once per card.
Action.Execute answers with a card in the invoke response; Teams shows it to the person who
clicked only. Changes everyone sees go through the outbox (the review card updated in place).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    InvokeResponse,
)
from microsoft_agents.hosting.core import RouteRank, TurnContext, TurnState
from microsoft_agents.hosting.core.app.adaptive_card import factory

from bot import readout
from bot.proposal import Decision, Proposal, proposal_number, whole_number
from bot.submission import check, store
from bot.workflow import NotAllowed, NotFound, Unavailable, WorkflowError
from handlers.teams import NAME, refs
from handlers.teams import text as T
from handlers.teams.cards import (
    APPROVE,
    APPROVE_ANYWAY,
    ASK_CENTRAL,
    DROP,
    EDIT,
    LINK_INPUT,
    NOTE_INPUT,
    ON_NOTICE,
    ON_REMINDER,
    PUBLISH,
    REJECT,
    REQUEST_CHANGES,
    RESUBMIT,
    SEND,
    SUBMIT_INTAKE,
    TAKE_DOWN,
    Card,
    advice_card,
    advise,
    done_card,
    intake_card,
    message_card,
    notice_card,
    publish_reminder_card,
    resubmit_form,
    review_card,
    source_name,
    submitted_card,
)
from handlers.teams.edge import TeamsEdge, card_message
from policy.answers import Answers, from_intake
from policy.models import Intake

DECISIONS = {
    APPROVE: Decision.APPROVE,
    REQUEST_CHANGES: Decision.REQUEST_CHANGES,
    REJECT: Decision.REJECT,
}
CARD_ACTION_INVOKE = "adaptiveCard/action"

CardResponse = AdaptiveCardInvokeResponse
Execute = Callable[[TurnContext, TurnState, Any], Awaitable[CardResponse]]


def respond(card: Card) -> CardResponse:
    return factory.adaptive_card(card)  # type: ignore[arg-type]  # the SDK types it as str


def register(edge: TeamsEdge) -> None:
    cards = edge.app.adaptive_card
    for verb in ANSWERS:
        cards.action_execute(verb)(_form_handler(edge, verb))
        # Publish and take down fall back to Action.Submit only on personal cards: a review
        # card in a channel is everyone's, and one person's answer must not replace it.
        cards.action_submit(verb, rank=RouteRank.FIRST)(
            _form_fallback(edge, personal_only=verb not in FORMS))
    for verb, decision in DECISIONS.items():
        cards.action_execute(verb)(_decide_handler(edge, verb, decision))
    cards.action_execute(APPROVE_ANYWAY)(
        _decide_handler(edge, APPROVE_ANYWAY, Decision.APPROVE, override=True))
    cards.action_execute(ASK_CENTRAL)(_ask_central_handler(edge))
    edge.app.add_route(_unknown_card_action, _answer_unknown, is_invoke=True,
                       rank=RouteRank.LAST)


# -- the questions, the advice, and Send ----------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """What a form's answers are for: a new proposal, named by its card's id, or the
    proposer's edit of a stored one, at the revision they edit. The cards carry it (`data`)."""

    form_id: str = ""
    proposal: Proposal | None = None
    revision: int = 0
    # The departments file's names: the department question is a choice among them.
    departments: tuple[str, ...] = ()

    def data(self, answers: Answers | None = None) -> dict[str, Any]:
        """The card data that names this draft, with the answers when given."""
        named: dict[str, Any] = (
            {"proposal_id": self.proposal.id, "revision": self.revision}
            if self.proposal is not None else {"form_id": self.form_id}
        )
        return named if answers is None else {**named, "answers": answers}

    @property
    def form_key(self) -> str:
        """Send stores once per key (`Workflow.once`): the questions card's id, which its
        advice cards keep through Ret, so one card never makes two proposals; an edit, once per
        revision. A card without an id (none of ours) has no such guard."""
        if self.proposal is not None:
            return f"teams:resubmit:{self.proposal.id}:{self.revision}"
        return f"teams:form:{self.form_id}" if self.form_id else ""


def form_id(data: Any) -> str:
    """The id our intake card carries, as the store can keep it: half of a character pair
    (no client sends it) becomes "?"."""
    raw = str(data.get("form_id") or "") if isinstance(data, dict) else ""
    return raw.encode("utf-8", "replace").decode("utf-8")


def read_draft(edge: TeamsEdge, data: Any, *, edit: bool = False) -> Draft | Card:
    """The draft a card's data names (`edit`: it must name a stored proposal), or the card
    that says why there is none."""
    departments = edge.core.workflow.department_choices()
    if not edit and (not isinstance(data, dict) or "proposal_id" not in data):
        return Draft(form_id=form_id(data), departments=departments)
    try:
        proposal = edge.core.workflow.get(_proposal_id(data))
    except NotFound as exc:
        return message_card(exc.message, color="Attention")
    revision = whole_number(data.get("revision"))
    return Draft(proposal=proposal, revision=revision or proposal.revision,
                 departments=departments)


def questions_card(draft: Draft, answers: Answers, errors: dict[str, str] | None = None, *,
                   notice: str | None = None, dialog: bool = False) -> Card:
    """The questions again, with what the person answered (and why not, when it was wrong)."""
    if draft.proposal is not None:
        return resubmit_form(draft.proposal, answers, errors, notice=notice,
                             departments=draft.departments)
    if dialog:
        return intake_card(answers, errors, data=draft.data(), title=T.EXTENSION_TITLE,
                           submit_action="Action.Submit", notice=notice,
                           departments=draft.departments)
    return intake_card(answers, errors, data=draft.data(), notice=notice,
                       departments=draft.departments)


def answer_questions(edge: TeamsEdge, activity: Activity, data: Any, *,
                     dialog: bool = False, edit: bool = False) -> Card:
    """The questions answered: the advice on them, or the questions with Danish field errors.
    Nothing is stored; the answers travel on in the advice card's data. `edit`: the questions
    of the proposer's edit of a stored proposal."""
    draft = read_draft(edge, data, edit=edit)
    if not isinstance(draft, Draft):
        return draft
    if draft.proposal is not None:
        refused = _may_not_edit(edge, draft.proposal, activity)
        if refused is not None:
            return refused
        draft = replace(draft, revision=draft.proposal.revision)
    elif not draft.form_id:  # a card of ours always has one; Send then stores once all the same
        draft = replace(draft, form_id=uuid.uuid4().hex)
    checked = check(data)
    if checked.intake is None:
        return questions_card(draft, checked.answers, checked.errors, dialog=dialog)
    return _advice_card(edge, draft, checked.intake, dialog=dialog)


def _may_not_edit(edge: TeamsEdge, proposal: Proposal, activity: Activity) -> Card | None:
    """Why the clicker may not edit `proposal` now (the workflow decides); None if they may."""
    workflow = edge.core.workflow
    actor = refs.person(activity)
    if workflow.can_resubmit(proposal, actor):
        return None
    why = T.NOT_OPEN_FOR_EDIT if workflow.is_proposer(proposal, actor) else T.NOT_PROPOSER
    return message_card(why, color="Attention")


def _advice_card(edge: TeamsEdge, draft: Draft, intake: Intake, *, notice: str | None = None,
                 dialog: bool = False) -> Card:
    advice = advise(edge.core.settings, edge.core.workflow.advise(intake),
                    revised=draft.proposal is not None)
    return advice_card(advice, draft.data(from_intake(intake)), notice=notice,
                       submit_action="Action.Submit" if dialog else "Action.Execute")


@dataclass(frozen=True)
class Sent:
    """What Send did: the card that answers the click, and the proposal it stored now."""

    card: Card
    proposal: Proposal | None = None
    when: str = ""  # when the proposer can expect an answer
    again: bool = False  # an edit of a stored proposal


def send_answers(edge: TeamsEdge, activity: Activity, data: Any, *,
                 dialog: bool = False) -> Sent:
    """Send on the advice card: the answers it carries are checked again (a card's data is
    the clicker's to change) and stored, once per card, by the one path (bot/submission.py)."""
    draft = read_draft(edge, data)
    if not isinstance(draft, Draft):
        return Sent(draft)
    checked = check(_carried(data))
    if checked.intake is None:  # not the answers the advice was given on: ask again
        return Sent(questions_card(draft, checked.answers, checked.errors, dialog=dialog))
    edited = draft.proposal.id if draft.proposal is not None else None
    result = store(edge.core.workflow, checked, refs.actor(edge.core, activity),
                   source=NAME, form_key=draft.form_key, proposal_id=edited)
    if result.proposal is not None:
        when = advise(edge.core.settings, result.proposal.recommendation).review.when
        again = edited is not None
        return Sent(submitted_card(result.proposal, when, again=again), result.proposal,
                    when, again)
    if result.duplicate:
        return Sent(message_card(T.ALREADY_SUBMITTED))
    if isinstance(result.refused, Unavailable):  # nothing stored: Send may be pressed again
        return Sent(_advice_card(edge, draft, checked.intake, notice=result.refused.message,
                                 dialog=dialog))
    message = result.refused.message if result.refused is not None else T.ALREADY_SUBMITTED
    return Sent(message_card(message, color="Attention"))


def edit_answers(edge: TeamsEdge, activity: Activity, data: Any, *,
                 dialog: bool = False) -> Card:
    """Ret on the advice card: the questions again, with every answer the card carries."""
    draft = read_draft(edge, data)
    if not isinstance(draft, Draft):
        return draft
    return questions_card(draft, check(_carried(data)).answers, dialog=dialog)


def _carried(data: Any) -> Any:
    """The answers an advice card carries in its data."""
    return data.get("answers") if isinstance(data, dict) else None


def _answer_edit(edge: TeamsEdge, activity: Activity, data: Any) -> Card:
    return answer_questions(edge, activity, data, edit=True)


def _send(edge: TeamsEdge, activity: Activity, data: Any) -> Card:
    return send_answers(edge, activity, data).card


def _drop(edge: TeamsEdge, activity: Activity, data: Any) -> Card:
    return message_card(T.DROPPED, T.DROPPED_BODY)


FORMS: dict[str, Callable[[TeamsEdge, Activity, Any], Card]] = {
    SUBMIT_INTAKE: answer_questions,
    RESUBMIT: _answer_edit,
    SEND: _send,
    EDIT: edit_answers,
    DROP: _drop,
}


def _form_handler(edge: TeamsEdge, verb: str) -> Execute:
    async def handle(context: TurnContext, state: TurnState, data: Any) -> CardResponse:
        # The whole answer (store, reload, card) on the store thread: see bot/store_thread.
        return respond(await edge.core.run(ANSWERS[verb], edge, context.activity, data))

    return handle


def _form_fallback(edge: TeamsEdge, *, personal_only: bool = False,
                   ) -> Callable[[TurnContext, TurnState, Any], Awaitable[None]]:
    """Action.Submit from a client without Universal Actions: answer by replacing the card
    (`personal_only`: only in a personal chat; elsewhere nothing is done)."""

    async def handle(context: TurnContext, state: TurnState, data: Any) -> None:
        if personal_only and not refs.is_personal(context.activity):
            return
        verb = str(data.get("verb")) if isinstance(data, dict) else SUBMIT_INTAKE
        reply = card_message(await edge.core.run(ANSWERS[verb], edge, context.activity, data))
        card_id = context.activity.reply_to_id
        # Only a card in a personal chat is replaced: the card a click names elsewhere may be
        # one everybody shares (a review card), and one person's answer must not overwrite it.
        if card_id and refs.is_personal(context.activity):
            reply.id = card_id
            await context.update_activity(reply)
        else:
            await context.send_activity(reply)

    return handle


# -- decisions ------------------------------------------------------------------------------


def _decide_handler(edge: TeamsEdge, verb: str, decision: Decision, *,
                    override: bool = False) -> Execute:
    async def handle(context: TurnContext, state: TurnState, data: Any) -> CardResponse:
        note = data.get(NOTE_INPUT.get(verb, "")) if isinstance(data, dict) else None
        return respond(await edge.core.run(decide, edge, context.activity, _proposal_id(data),
                                           decision, note, revision=_revision(data),
                                           override=override))

    return handle


def decide(edge: TeamsEdge, activity: Activity, proposal_id: int, decision: Decision,
           note: Any, *, revision: int, override: bool = False) -> Card:
    """The card the clicker sees: the decided card, or the card with why not (to them alone).
    A click on a revision since replaced gets the current card, with the new text."""
    try:
        outcome = edge.core.workflow.decide(proposal_id, decision, refs.person(activity),
                                            note if isinstance(note, str) else None,
                                            revision=revision, override=override)
    except WorkflowError as exc:
        return refusal(edge, proposal_id, exc)
    return reviewed(edge, outcome.proposal)


def _ask_central_handler(edge: TeamsEdge) -> Execute:
    async def handle(context: TurnContext, state: TurnState, data: Any) -> CardResponse:
        return respond(await edge.core.run(ask_central, edge, context.activity,
                                           _proposal_id(data)))

    return handle


def ask_central(edge: TeamsEdge, activity: Activity, proposal_id: int) -> Card:
    """"Bed Kommunikation om hjælp": the department's card, now without its buttons."""
    try:
        outcome = edge.core.workflow.ask_central(proposal_id, refs.person(activity))
    except WorkflowError as exc:
        return refusal(edge, proposal_id, exc)
    proposal = outcome.proposal
    return reviewed(edge, proposal, moved=True,
                    notice=readout.ASK_CENTRAL_DONE.format(id=proposal.id))


def refusal(edge: TeamsEdge, proposal_id: int, exc: WorkflowError, *,
            typed: dict[str, str] | None = None) -> Card:
    """The proposal as it stands with why the click changed nothing; buttons only if the
    clicker may still use them (`typed`: the links they typed, shown again)."""
    try:
        proposal = edge.core.workflow.get(proposal_id)
    except NotFound as missing:
        return message_card(missing.message, color="Attention")
    return reviewed(edge, proposal, notice=exc.message,
                    actionable=not isinstance(exc, NotAllowed), typed=typed)


def reviewed(edge: TeamsEdge, proposal: Proposal, **extra: Any) -> Card:
    """The review card as it stands, with what stops an approval now."""
    gates = [gate.message for gate in edge.core.workflow.gates(proposal)]
    return review_card(proposal, edge.zone, via=via(edge, proposal), gates=gates, **extra)


def via(edge: TeamsEdge, proposal: Proposal) -> str:
    """Where the proposal came from, by the platform's own label."""
    return source_name(edge.core.platforms, proposal.source)


def _proposal_id(data: Any) -> int:
    """The proposal a card's data names (our cards send a JSON number); 0, which NotFound
    names, for anything but a whole number."""
    return proposal_number(data.get("proposal_id") if isinstance(data, dict) else None)


def _revision(data: Any) -> int:
    """The revision a review card was clicked on. Cards posted before they carried it can only
    be from the first revision (a later one is then refused and the clicker gets the current
    card, whose buttons carry it); anything but a whole number is no revision (0), refused."""
    if not isinstance(data, dict) or "revision" not in data:
        return 1
    number = whole_number(data["revision"])
    return 0 if number is None else number


# -- from approved to published -------------------------------------------------------------


def publish(edge: TeamsEdge, activity: Activity, data: Any) -> Card:
    """"Markér som udgivet": the links typed go to the workflow as they are; a refusal (no
    link, one that is no web address, not approved, not theirs to mark) comes back on the card
    with what was typed, and nothing is stored."""
    proposal_id = _proposal_id(data)
    links = typed_links(data)
    try:
        outcome = edge.core.workflow.publish(proposal_id, refs.actor(edge.core, activity), links)
    except WorkflowError as exc:
        return _refused(edge, activity, proposal_id, exc, data, typed=links)
    return _done(edge, outcome.proposal, data, readout.PUBLISHED_OK)


def take_down(edge: TeamsEdge, activity: Activity, data: Any) -> Card:
    """"Tag ned" with a reason: the workflow records it and tells the publisher."""
    proposal_id = _proposal_id(data)
    reason = data.get(NOTE_INPUT[TAKE_DOWN]) if isinstance(data, dict) else None
    try:
        outcome = edge.core.workflow.take_down(proposal_id, refs.actor(edge.core, activity),
                                               reason if isinstance(reason, str) else None)
    except WorkflowError as exc:
        return _refused(edge, activity, proposal_id, exc, data)
    return _done(edge, outcome.proposal, data, readout.TAKEN_DOWN_OK)


def typed_links(data: Any) -> dict[str, str]:
    """The publish form's answers, {platform key: what was typed}; the workflow checks them."""
    if not isinstance(data, dict):
        return {}
    return {str(key).removeprefix(LINK_INPUT): value for key, value in data.items()
            if str(key).startswith(LINK_INPUT) and isinstance(value, str)}


def _on(data: Any) -> str | None:
    """The personal card the click came from (the publish reminder, the proposer's notice);
    None for the review card."""
    on = data.get("on") if isinstance(data, dict) else None
    return on if on in (ON_REMINDER, ON_NOTICE) else None


def _done(edge: TeamsEdge, proposal: Proposal, data: Any, headline: str) -> Card:
    """The card after a publish or take-down (or a second click, which changed nothing): the
    review card as it now stands, or in a personal chat what is now so."""
    if _on(data) is None:
        return reviewed(edge, proposal)
    return done_card(proposal, edge.zone, headline)


def _refused(edge: TeamsEdge, activity: Activity, proposal_id: int, exc: WorkflowError,
             data: Any, *, typed: dict[str, str] | None = None) -> Card:
    """The card clicked, as it stands, with why nothing changed (the workflow's words); its
    buttons only if the clicker may still use them."""
    on = _on(data)
    if on is None:
        return refusal(edge, proposal_id, exc, typed=typed)
    workflow = edge.core.workflow
    try:
        proposal = workflow.get(proposal_id)
    except NotFound as missing:
        return message_card(missing.message, color="Attention")
    actor = refs.person(activity)
    if on == ON_REMINDER and workflow.can_publish(proposal, actor):
        return publish_reminder_card(proposal, notice=exc.message, typed=typed)
    if on == ON_NOTICE and str(proposal.status) in readout.NOTICE:
        return notice_card(proposal, edge.zone, notice=exc.message,
                           editable=workflow.can_resubmit(proposal, actor),
                           takeable=workflow.can_take_down(proposal, actor),
                           departments=workflow.department_choices())
    return message_card(exc.message, color="Attention")


ANSWERS: dict[str, Callable[[TeamsEdge, Activity, Any], Card]] = {
    **FORMS, PUBLISH: publish, TAKE_DOWN: take_down,
}


# -- anything else on a card ----------------------------------------------------------------


def _unknown_card_action(context: TurnContext) -> bool:
    activity = context.activity
    return activity.type == ActivityTypes.invoke and activity.name == CARD_ACTION_INVOKE


async def _answer_unknown(context: TurnContext, state: TurnState) -> None:
    """A malformed or unknown card action gets a 400 in the invoke body, never a 500."""
    body = factory.bad_request(T.UNKNOWN_ACTION)
    await context.send_activity(Activity(
        type=ActivityTypes.invoke_response,
        value=InvokeResponse(status=HTTPStatus.OK,
                             body=body.model_dump(mode="json", by_alias=True, exclude_none=True)),
    ))
