"""The advice step of the modal: questions → advice → Send / Ret / Drop.

Submitting the questions answers at once with the advice (`advice_view`); the answers are kept
by the core (bot/preview.py) under the modal's id, which Slack keeps through every update of
the modal. Send stores the proposal, once per modal; Ret brings the questions back with the
answers; the details are pushed on top of the advice and closing them goes back.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import PlainTextObject, SectionBlock
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot import advice as A
from bot.core import Core
from bot.preview import Preview
from bot.proposal import Actor, Proposal
from bot.submission import Checked, store
from bot.workflow import Unavailable, WorkflowError
from handlers.slack import ids
from handlers.slack import text as T
from handlers.slack.advice import advice_view, details_view
from handlers.slack.interaction import actor_from, after_ack
from handlers.slack.views import intake_modal, metadata, notice_view, thanks_view
from policy.answers import from_intake
from policy.models import Intake

Body = dict[str, Any]


def form_key(view: dict[str, Any]) -> str:
    """The modal's id: the same for its questions, its advice and a second click on Send."""
    return f"slack:view:{view.get('id') or ''}"


def user_key(actor: Actor) -> str:
    return f"{actor.platform}:{actor.user_id}"


async def show_advice(core: Core, ack: AsyncAck, body: Body, view: dict[str, Any],
                      intake: Intake, proposal_id: int | None) -> str | None:
    """Keep the answers and answer the questions' submission with the advice; the Danish
    message of why not (nothing kept), for the caller to show on the form."""
    try:
        await core.run(core.previews.keep, form_key(view),
                       Preview(intake, user_key(actor_from(body)), proposal_id))
    except Unavailable as exc:
        return exc.message
    meta = metadata(proposal_id=proposal_id) if proposal_id else ""
    await ack(response_action="update",
              view=advice_view(_advice(core, intake, revised=proposal_id is not None),
                               private_metadata=meta))
    return None


def register(bolt_app: AsyncApp, core: Core) -> None:
    @bolt_app.view(ids.ADVICE_VIEW)
    async def on_send(ack: AsyncAck, body: Body, view: dict[str, Any]) -> None:
        try:
            preview = await core.run(core.previews.recall, form_key(view),
                                     user_key(actor_from(body)))
        except Unavailable as exc:
            await ack(response_action="update", view=_with_notice(view, exc.message))
            return
        if preview is None:
            await ack(response_action="update", view=notice_view(T.ADVICE_GONE))
            return
        checked = Checked(from_intake(preview.intake), preview.intake)
        result = await core.run(store, core.workflow, checked, actor_from(body),
                                source="slack", form_key=form_key(view),
                                proposal_id=preview.proposal_id)
        if isinstance(result.refused, Unavailable):  # nothing stored: Send may be pressed again
            await ack(response_action="update", view=_with_notice(view, result.refused.message))
        elif result.refused is not None:
            await ack(response_action="update", view=notice_view(result.refused.message))
        elif result.proposal is None:  # the same modal sent again (a replay): stored before
            await ack(response_action="update", view=notice_view(T.ALREADY_SUBMITTED))
        else:
            await ack(response_action="update", view=thanks_view(
                result.proposal.id, edited=preview.proposal_id is not None))

    @bolt_app.action(ids.ADVICE_EDIT)
    async def on_edit(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await ack()
        await after_ack()
        view = body.get("view") or {}
        found = await _recalled(core, body, view)
        if isinstance(found, str):
            await _update(client, view, notice_view(found))
            return
        preview, proposal = found
        await _update(client, view, intake_modal(from_intake(preview.intake), proposal=proposal,
                                                departments=core.workflow.department_choices()))

    @bolt_app.action(ids.ADVICE_DETAILS)
    async def on_details(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await ack()
        await after_ack()
        view = body.get("view") or {}
        found = await _recalled(core, body, view)
        details = (notice_view(found) if isinstance(found, str) else
                   details_view(_advice(core, found[0].intake,
                                        revised=found[0].proposal_id is not None)))
        try:
            await client.views_push(trigger_id=body["trigger_id"], view=details)
        except SlackApiError as exc:  # the trigger expired: the button can be pressed again
            if exc.response.get("error") != "expired_trigger_id":
                raise


def _advice(core: Core, intake: Intake, *, revised: bool) -> A.Advice:
    settings = core.settings
    return A.advice(core.workflow.advise(intake), sla_hours=settings.opslag_review_sla_hours,
                    escalate_minutes=settings.opslag_crisis_escalate_minutes,
                    title=A.TITLE_REVISED if revised else A.TITLE)


async def _recalled(core: Core, body: Body,
                    view: dict[str, Any]) -> tuple[Preview, Proposal | None] | str:
    """The kept answers and the proposal they edit, or what to tell the person instead."""
    try:
        preview = await core.run(core.previews.recall, form_key(view),
                                 user_key(actor_from(body)))
        if preview is None:
            return T.ADVICE_GONE
        proposal = (await core.run(core.workflow.get, preview.proposal_id)
                    if preview.proposal_id else None)
    except WorkflowError as exc:
        return exc.message
    return preview, proposal


async def _update(client: AsyncWebClient, view: dict[str, Any],
                  new: View | dict[str, Any]) -> None:
    try:
        await client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=new)
    except SlackApiError as exc:  # hash_conflict: a newer click already redrew it
        if exc.response.get("error") != "hash_conflict":
            raise


def _with_notice(view: dict[str, Any], message: str) -> dict[str, Any]:
    """The advice modal as it was, with why Send did nothing at its top: the person can read
    it and press Send again."""
    keep = ("type", "callback_id", "title", "submit", "close", "private_metadata")
    blocks = [b for b in view.get("blocks") or [] if b.get("block_id") != ids.ADVICE_NOTICE]
    notice = SectionBlock(block_id=ids.ADVICE_NOTICE,
                          text=PlainTextObject(text=f"⚠️ {message}")).to_dict()
    return {**{k: view[k] for k in keep if k in view}, "blocks": [notice, *blocks]}
