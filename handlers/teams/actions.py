"""Card actions: the intake form's submit, the proposer's resubmit and the three decisions.

Action.Execute answers with a card in the invoke response; Teams shows it to the person who
clicked only. Changes everyone sees go through the outbox (the review card updated in place).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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

from bot.proposal import Decision, proposal_number, whole_number
from bot.submission import Submission, submit_form
from bot.workflow import NotAllowed, NotFound, Unavailable, WorkflowError
from handlers.teams import refs
from handlers.teams import text as T
from handlers.teams.cards import (
    APPROVE,
    NOTE_INPUT,
    REJECT,
    REQUEST_CHANGES,
    RESUBMIT,
    SUBMIT_INTAKE,
    Card,
    intake_card,
    message_card,
    resubmit_form,
    resubmitted_card,
    review_card,
    submitted_card,
)
from handlers.teams.edge import TeamsEdge, card_message

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
    for verb in FORMS:
        cards.action_execute(verb)(_form_handler(edge, verb))
        cards.action_submit(verb, rank=RouteRank.FIRST)(_form_fallback(edge))
    for verb, decision in DECISIONS.items():
        cards.action_execute(verb)(_decide_handler(edge, verb, decision))
    edge.app.add_route(_unknown_card_action, _answer_unknown, is_invoke=True,
                       rank=RouteRank.LAST)


# -- the intake form ------------------------------------------------------------------------


def form_id(data: Any) -> str:
    """The id our intake card carries, as the store can keep it: half of a character pair
    (no client sends it) becomes "?"."""
    raw = str(data.get("form_id") or "") if isinstance(data, dict) else ""
    return raw.encode("utf-8", "replace").decode("utf-8")


def accept_form(edge: TeamsEdge, activity: Activity, data: Any) -> Submission:
    """Store the proposal a form describes, once per form (a second click stores nothing)."""
    key = form_id(data)
    return submit_form(edge.core.workflow, data, refs.actor(edge.core, activity),
                       source="teams", form_key=f"teams:form:{key}" if key else "")


def submit_intake(edge: TeamsEdge, activity: Activity, data: Any) -> Card:
    """The card that answers a submitted form: the form again with errors, or the receipt."""
    result = accept_form(edge, activity, data)
    if result.proposal is not None:
        return submitted_card(result.proposal)
    if result.duplicate:
        return message_card(T.ALREADY_SUBMITTED)
    return intake_card(result.answers, result.errors, data={"form_id": form_id(data)},
                       notice=result.refused.message if result.refused else None)


def resubmit_form_answer(edge: TeamsEdge, activity: Activity, data: Any) -> Card:
    """The proposer's edited proposal: the form again with errors, or the receipt."""
    try:
        proposal = edge.core.workflow.get(_proposal_id(data))
    except NotFound as exc:
        return message_card(exc.message, color="Attention")
    result = submit_form(edge.core.workflow, data, refs.actor(edge.core, activity),
                         source="teams", proposal_id=proposal.id)
    if result.proposal is not None:
        return resubmitted_card(result.proposal)
    if isinstance(result.refused, Unavailable):  # nothing stored: keep what they wrote
        return resubmit_form(proposal, result.answers, notice=result.refused.message)
    if result.refused is not None:
        return message_card(result.refused.message, color="Attention")
    return resubmit_form(proposal, result.answers, result.errors)


FORMS: dict[str, Callable[[TeamsEdge, Activity, Any], Card]] = {
    SUBMIT_INTAKE: submit_intake,
    RESUBMIT: resubmit_form_answer,
}


def _form_handler(edge: TeamsEdge, verb: str) -> Execute:
    async def handle(context: TurnContext, state: TurnState, data: Any) -> CardResponse:
        # The whole answer (store, reload, card) on the store thread: see bot/store_thread.
        return respond(await edge.core.run(FORMS[verb], edge, context.activity, data))

    return handle


def _form_fallback(edge: TeamsEdge) -> Callable[[TurnContext, TurnState, Any], Awaitable[None]]:
    """Action.Submit from a client without Universal Actions: answer by replacing the card."""

    async def handle(context: TurnContext, state: TurnState, data: Any) -> None:
        verb = str(data.get("verb")) if isinstance(data, dict) else SUBMIT_INTAKE
        reply = card_message(await edge.core.run(FORMS[verb], edge, context.activity, data))
        card_id = context.activity.reply_to_id
        if card_id:
            reply.id = card_id
            await context.update_activity(reply)
        else:
            await context.send_activity(reply)

    return handle


# -- decisions ------------------------------------------------------------------------------


def _decide_handler(edge: TeamsEdge, verb: str, decision: Decision) -> Execute:
    async def handle(context: TurnContext, state: TurnState, data: Any) -> CardResponse:
        note = data.get(NOTE_INPUT.get(verb, "")) if isinstance(data, dict) else None
        return respond(await edge.core.run(decide, edge, context.activity, _proposal_id(data),
                                           decision, note, revision=_revision(data)))

    return handle


def decide(edge: TeamsEdge, activity: Activity, proposal_id: int, decision: Decision,
           note: Any, *, revision: int) -> Card:
    """The card the clicker sees: the decided card, or the card with why not (to them alone).
    A click on a revision since replaced gets the current card, with the new text."""
    try:
        outcome = edge.core.workflow.decide(proposal_id, decision, refs.person(activity),
                                            note if isinstance(note, str) else None,
                                            revision=revision)
    except WorkflowError as exc:
        return refusal(edge, proposal_id, exc)
    return review_card(outcome.proposal, edge.zone)


def refusal(edge: TeamsEdge, proposal_id: int, exc: WorkflowError) -> Card:
    """The proposal as it stands with why the click changed nothing; buttons only if the
    clicker may still use them."""
    try:
        proposal = edge.core.workflow.get(proposal_id)
    except NotFound as missing:
        return message_card(missing.message, color="Attention")
    return review_card(proposal, edge.zone, notice=exc.message,
                       actionable=not isinstance(exc, NotAllowed))


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
