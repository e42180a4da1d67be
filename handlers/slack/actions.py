"""Button clicks and live form changes.

Review buttons (approve, request_changes, reject) are for the central team only: anyone else
gets a polite answer only they see, and nothing changes. Changes and rejections ask for a reason
in a small modal, opened right after the acknowledgement while the trigger id is fresh.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import readout
from bot.core import Core
from bot.proposal import Actor, Decision, Proposal, proposal_number
from bot.workflow import NOT_CENTRAL, GatesOpen, NotAllowed, WorkflowError
from handlers.slack import ids
from handlers.slack import text as T
from handlers.slack.form import answers_from_state, controlling_fields
from handlers.slack.interaction import (
    actor_from,
    after_ack,
    already_text,
    open_view,
    tell,
)
from handlers.slack.mrkdwn import escape
from handlers.slack.views import intake_modal, read_metadata, reason_modal
from policy.answers import from_intake, question_list

Body = dict[str, Any]


def register(bolt_app: AsyncApp, core: Core) -> None:
    _review_buttons(bolt_app, core)
    _proposer_buttons(bolt_app, core)
    _form_changes(bolt_app, core)


def _review_buttons(bolt_app: AsyncApp, core: Core) -> None:
    @bolt_app.action(ids.APPROVE)
    async def on_approve(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await ack()
        await after_ack()
        proposal_id, revision = _review_target(body)
        try:
            outcome = await core.run(
                core.workflow.decide, proposal_id, Decision.APPROVE, actor_from(body),
                revision=revision,
            )
        except NotAllowed as exc:  # the workflow decides who may review; the answer is ours
            await tell(client, body, not_reviewer_text(exc))
            return
        except GatesOpen as exc:  # something is missing: approve anyway, with a reason
            proposal = await core.run(core.workflow.get, proposal_id)
            await open_view(client, body["trigger_id"],
                            reason_modal(proposal, Decision.APPROVE, exc.gates))
            return
        except WorkflowError as exc:
            await tell(client, body, escape(exc.message))
            return
        if not outcome.changed:
            await tell(client, body, already_text(outcome.proposal))

    async def on_needs_reason(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await ack()
        await after_ack()
        decision = Decision(body["actions"][0]["action_id"])
        actor = actor_from(body)
        proposal = await core.run(_open_proposal, core, *_review_target(body), decision, actor)
        if isinstance(proposal, str):
            await tell(client, body, proposal)
            return
        # The form carries the revision checked here; the workflow checks it again on submit.
        await open_view(client, body["trigger_id"], reason_modal(proposal, decision))

    bolt_app.action(ids.REQUEST_CHANGES)(on_needs_reason)
    bolt_app.action(ids.REJECT)(on_needs_reason)

    @bolt_app.action(ids.ASK_CENTRAL)
    async def on_ask_central(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        """A department's reviewer or the proposer moves it to the central team's review."""
        await ack()
        await after_ack()
        try:
            outcome = await core.run(core.workflow.ask_central, _proposal_id(body),
                                     actor_from(body))
        except WorkflowError as exc:
            await tell(client, body, escape(exc.message))
            return
        await tell(client, body, readout.ASK_CENTRAL_DONE.format(id=outcome.proposal.id))


def _open_proposal(
    core: Core, proposal_id: int, revision: int, decision: Decision, actor: Actor
) -> Proposal | str:
    """The proposal if it can still get this decision on the revision the clicker saw, from
    this clicker, else what to tell them."""
    try:
        proposal = core.workflow.get(proposal_id)
        core.workflow.require_reviewer(proposal, actor)
        if not core.workflow.can_decide(proposal, decision):
            return already_text(proposal)
        core.workflow.require_current(proposal, revision)
        core.workflow.require_other_eyes(proposal, actor)  # four eyes
    except NotAllowed as exc:
        return not_reviewer_text(exc)
    except WorkflowError as exc:
        return escape(exc.message)
    return proposal


def not_reviewer_text(refusal: NotAllowed) -> str:
    """Why someone may not decide: ours for the central team's proposals, the workflow's
    (naming the department) for a department's."""
    return T.NOT_CENTRAL if refusal.message == NOT_CENTRAL else escape(refusal.message)


def _proposer_buttons(bolt_app: AsyncApp, core: Core) -> None:
    @bolt_app.action(ids.OPEN_INTAKE)
    async def on_open_intake(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await ack()
        await after_ack()
        await open_view(client, body["trigger_id"],
                        intake_modal({}, departments=core.workflow.department_choices()))

    @bolt_app.action(ids.RESUBMIT)
    async def on_resubmit(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await ack()
        await after_ack()
        try:
            proposal = await core.run(core.workflow.get, _proposal_id(body))
        except WorkflowError as exc:
            await tell(client, body, escape(exc.message))
            return
        actor = actor_from(body)
        if not core.workflow.can_resubmit(proposal, actor):
            # Only the wording is ours: the workflow has decided.
            mine = core.workflow.is_proposer(proposal, actor)
            await tell(client, body, already_text(proposal) if mine else T.NOT_PROPOSER)
            return
        view = intake_modal(from_intake(proposal.intake), proposal=proposal,
                            departments=core.workflow.department_choices())
        await open_view(client, body["trigger_id"], view)

    @bolt_app.action(ids.WITHDRAW)
    async def on_withdraw(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await ack()
        await after_ack()
        try:
            proposal = await core.run(core.workflow.withdraw, _proposal_id(body),
                                      actor_from(body))
        except WorkflowError as exc:
            await tell(client, body, escape(exc.message))
            return
        await tell(client, body, T.WITHDRAWN_OK.format(id=proposal.id))


def _form_changes(bolt_app: AsyncApp, core: Core) -> None:
    """An answer that decides whether other questions apply (content type, media) redraws the
    modal with those questions added or removed; what was typed so far is kept."""
    fields = sorted(controlling_fields(question_list()))
    if not fields:
        return
    pattern = re.compile("^(" + "|".join(re.escape(name) for name in fields) + ")$")

    @bolt_app.action(pattern)
    async def on_form_change(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await ack()
        await after_ack()
        view = body.get("view") or {}
        if view.get("callback_id") != ids.INTAKE_VIEW:
            return
        answers = answers_from_state((view.get("state") or {}).get("values") or {})
        proposal_id = read_metadata(view).get("proposal_id")
        try:
            proposal = (await core.run(core.workflow.get, proposal_number(proposal_id))
                        if proposal_id else None)
        except WorkflowError:
            proposal = None
        try:
            await client.views_update(
                view_id=view["id"], hash=view.get("hash"),
                view=intake_modal(answers, proposal=proposal,
                                  departments=core.workflow.department_choices()),
            )
        except SlackApiError as exc:  # hash_conflict: a newer change already redrew it
            if exc.response.get("error") != "hash_conflict":
                raise


def _proposal_id(body: Body) -> int:
    return proposal_number(body["actions"][0].get("value"))


def _review_target(body: Body) -> tuple[int, int]:
    """The proposal and the revision a review button was clicked on."""
    action = body["actions"][0]
    return ids.read_review_value(action.get("value"), action.get("block_id"))
