"""Card actions: the intake form's submit, the proposer's resubmit and the three decisions.

Action.Execute answers with a card in the invoke response; Teams shows it to the person who
clicked only. Changes everyone sees go through the outbox (the review card updated in place).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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
from pydantic import ValidationError

from bot.proposal import Actor, Decision, Proposal
from bot.workflow import InvalidState, NotAllowed, NotFound, WorkflowError
from handlers.teams import refs
from handlers.teams import text as T
from handlers.teams.agent import TeamsEdge, card_message
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
from handlers.teams.form import Answers, parse_answers
from policy import Intake, intake_errors, parse_intake

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
    cards.action_execute(SUBMIT_INTAKE)(_submit_handler(edge))
    cards.action_execute(RESUBMIT)(_resubmit_handler(edge))
    for verb, decision in DECISIONS.items():
        cards.action_execute(verb)(_decide_handler(edge, verb, decision))
    cards.action_submit(SUBMIT_INTAKE, rank=RouteRank.FIRST)(_submit_fallback(edge))
    edge.app.add_route(_unknown_card_action, _answer_unknown, is_invoke=True,
                       rank=RouteRank.LAST)


# -- the intake form ------------------------------------------------------------------------


def read_intake(data: Any) -> tuple[Answers, dict[str, str], Intake | None]:
    """Answers, field errors and, when there are none, the intake."""
    answers = parse_answers(data if isinstance(data, dict) else {})
    errors = intake_errors(answers)
    if errors:
        return answers, errors, None
    try:
        return answers, {}, parse_intake(answers)
    except ValidationError as exc:  # a rule intake_errors did not name: keep it on the card
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() else "text"
        return answers, {field: exc.errors()[0]["msg"]}, None


@dataclass
class FormResult:
    """What became of a submitted intake form."""

    answers: Answers
    errors: dict[str, str]
    form_id: str
    proposal: Proposal | None = None
    duplicate: bool = False


def accept_form(edge: TeamsEdge, activity: Activity, data: Any) -> FormResult:
    """Store the proposal a form describes, once per form (a second click stores nothing)."""
    answers, errors, intake = read_intake(data)
    form_id = str(data.get("form_id") or "") if isinstance(data, dict) else ""
    result = FormResult(answers, errors, form_id)
    if intake is None:
        return result
    core = edge.core
    with core.store.transaction():
        if form_id and not core.store.first_time(f"teams:form:{form_id}", core.clock()):
            result.duplicate = True
            return result
        result.proposal = core.workflow.submit(intake, refs.actor(core, activity),
                                               source="teams")
    return result


def submit_intake(edge: TeamsEdge, activity: Activity, data: Any) -> Card:
    """The card that answers a submitted form: the form again with errors, or the receipt."""
    result = accept_form(edge, activity, data)
    if result.proposal is not None:
        return submitted_card(result.proposal)
    if result.duplicate:
        return message_card(T.ALREADY_SUBMITTED)
    return intake_card(result.answers, result.errors, data={"form_id": result.form_id})


def _submit_handler(edge: TeamsEdge) -> Execute:
    async def handle(context: TurnContext, state: TurnState, data: Any) -> CardResponse:
        return respond(submit_intake(edge, context.activity, data))

    return handle


def _submit_fallback(edge: TeamsEdge) -> Callable[[TurnContext, TurnState, Any], Awaitable[None]]:
    """Action.Submit from a client without Universal Actions: answer by replacing the card."""

    async def handle(context: TurnContext, state: TurnState, data: Any) -> None:
        reply = card_message(submit_intake(edge, context.activity, data))
        card_id = context.activity.reply_to_id
        if card_id:
            reply.id = card_id
            await context.update_activity(reply)
        else:
            await context.send_activity(reply)

    return handle


def _resubmit_handler(edge: TeamsEdge) -> Execute:
    async def handle(context: TurnContext, state: TurnState, data: Any) -> CardResponse:
        proposal_id = _proposal_id(data)
        try:
            proposal = edge.core.workflow.get(proposal_id)
            answers, errors, intake = read_intake(data)
            if intake is None:
                return respond(resubmit_form(proposal, answers, errors))
            actor = refs.actor(edge.core, context.activity)
            return respond(resubmitted_card(edge.core.workflow.resubmit(proposal.id, intake,
                                                                        actor)))
        except WorkflowError as exc:
            return respond(message_card(exc.message, color="Attention"))

    return handle


# -- decisions ------------------------------------------------------------------------------


def _decide_handler(edge: TeamsEdge, verb: str, decision: Decision) -> Execute:
    async def handle(context: TurnContext, state: TurnState, data: Any) -> CardResponse:
        note = data.get(NOTE_INPUT.get(verb, "")) if isinstance(data, dict) else None
        return respond(decide(edge, context.activity, _proposal_id(data), decision, note))

    return handle


def decide(edge: TeamsEdge, activity: Activity, proposal_id: int, decision: Decision,
           note: Any) -> Card:
    """The card the clicker sees: the decided card, or the card with why not (to them alone)."""
    workflow, zone = edge.core.workflow, edge.zone
    sender = activity.from_property
    actor = Actor(platform="teams", user_id=refs.user_id(activity),
                  name=(sender.name or "") if sender else "")
    try:
        outcome = workflow.decide(proposal_id, decision, actor,
                                  note if isinstance(note, str) else None)
    except NotFound as exc:
        return message_card(exc.message, color="Attention")
    except NotAllowed as exc:
        return review_card(workflow.get(proposal_id), zone, notice=exc.message, actionable=False)
    except InvalidState as exc:
        return review_card(workflow.get(proposal_id), zone, notice=exc.message)
    return review_card(outcome.proposal, zone)


def _proposal_id(data: Any) -> int:
    raw = data.get("proposal_id") if isinstance(data, dict) else None
    try:
        return int(str(raw))
    except ValueError:
        return 0  # NotFound names it


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
