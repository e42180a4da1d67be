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

from bot.proposal import Decision, Proposal
from bot.workflow import NotAllowed, NotFound, Unavailable, WorkflowError
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
    for verb in FORMS:
        cards.action_execute(verb)(_form_handler(edge, verb))
        cards.action_submit(verb, rank=RouteRank.FIRST)(_form_fallback(edge))
    for verb, decision in DECISIONS.items():
        cards.action_execute(verb)(_decide_handler(edge, verb, decision))
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
    problem: str | None = None  # why nothing was stored although the answers were fine


def accept_form(edge: TeamsEdge, activity: Activity, data: Any) -> FormResult:
    """Store the proposal a form describes, once per form (a second click stores nothing)."""
    answers, errors, intake = read_intake(data)
    form_id = str(data.get("form_id") or "") if isinstance(data, dict) else ""
    # As the store can keep it: half of a character pair (no client sends it) becomes "?".
    form_id = form_id.encode("utf-8", "replace").decode("utf-8")
    result = FormResult(answers, errors, form_id)
    if intake is None:
        return result
    core = edge.core
    try:
        result.proposal = core.workflow.once(
            f"teams:form:{form_id}" if form_id else "",
            lambda: core.workflow.submit(intake, refs.actor(core, activity), source="teams"),
        )
    except WorkflowError as exc:  # Unavailable among them: nothing stored, they may retry
        result.problem = exc.message
        return result
    result.duplicate = result.proposal is None
    return result


def submit_intake(edge: TeamsEdge, activity: Activity, data: Any) -> Card:
    """The card that answers a submitted form: the form again with errors, or the receipt."""
    result = accept_form(edge, activity, data)
    if result.proposal is not None:
        return submitted_card(result.proposal)
    if result.duplicate:
        return message_card(T.ALREADY_SUBMITTED)
    return intake_card(result.answers, result.errors, data={"form_id": result.form_id},
                       notice=result.problem)


def resubmit_form_answer(edge: TeamsEdge, activity: Activity, data: Any) -> Card:
    """The proposer's edited proposal: the form again with errors, or the receipt."""
    workflow = edge.core.workflow
    try:
        proposal = workflow.get(_proposal_id(data))
    except NotFound as exc:
        return message_card(exc.message, color="Attention")
    answers, errors, intake = read_intake(data)
    if intake is None:
        return resubmit_form(proposal, answers, errors)
    try:
        return resubmitted_card(workflow.resubmit(proposal.id, intake,
                                                  refs.actor(edge.core, activity)))
    except Unavailable as exc:  # nothing stored: keep what they wrote
        return resubmit_form(proposal, answers, notice=exc.message)
    except WorkflowError as exc:
        return message_card(exc.message, color="Attention")


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
    """The proposal a card's data names; 0 (NotFound names it) for anything but a whole
    number, as our cards send it (a JSON number) or as digits."""
    raw = data.get("proposal_id") if isinstance(data, dict) else None
    number = _whole_number(raw)
    return 0 if number is None else number


def _revision(data: Any) -> int:
    """The revision a review card was clicked on. Cards posted before they carried it can only
    be from the first revision (a later one is then refused and the clicker gets the current
    card, whose buttons carry it); anything but a whole number is no revision (0), refused."""
    if not isinstance(data, dict) or "revision" not in data:
        return 1
    number = _whole_number(data["revision"])
    return 0 if number is None else number


def _whole_number(raw: Any) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 19:
        return int(raw)
    return None


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
