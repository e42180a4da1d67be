"""From approved to published: "Markér som udgivet" and "Tag ned", their modals' answers.

The buttons sit on the review post, the publish reminder and the proposer's notice. The
workflow decides who may press them (`Workflow.check_publish`, `check_take_down`); anyone else
gets its reason, only they see, and no modal. The modals' answers go to the workflow as they are:
a refusal (no link, a link that is no web address, too late) comes back on the modal, and
nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Core
from bot.proposal import Actor, Proposal, proposal_number
from bot.workflow import Workflow, WorkflowError
from handlers.slack import ids
from handlers.slack.interaction import actor_from, after_ack, already_text, open_view, tell
from handlers.slack.mrkdwn import escape
from handlers.slack.views import publish_modal, read_metadata, takedown_modal

Body = dict[str, Any]


def register(bolt_app: AsyncApp, core: Core) -> None:
    _buttons(bolt_app, core)
    _modals(bolt_app, core)


def _buttons(bolt_app: AsyncApp, core: Core) -> None:
    async def open_modal(body: Body, client: AsyncWebClient, check: Check,
                         modal: Callable[[Proposal], View]) -> None:
        proposal_id = proposal_number(body["actions"][0].get("value"))
        found = await core.run(_checked, core.workflow, proposal_id, actor_from(body), check)
        if isinstance(found, str):
            await tell(client, body, found)
            return
        await open_view(client, body["trigger_id"], modal(found))

    @bolt_app.action(ids.PUBLISH)
    async def on_publish(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await ack()
        await after_ack()
        await open_modal(body, client, Workflow.check_publish, publish_modal)

    @bolt_app.action(ids.TAKE_DOWN)
    async def on_take_down(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await ack()
        await after_ack()
        await open_modal(body, client, Workflow.check_take_down, takedown_modal)


Check = Callable[[Workflow, Proposal, Actor], bool]


def _checked(workflow: Workflow, proposal_id: int, actor: Actor,
             check: Check) -> Proposal | str:
    """The proposal when `actor` may do this to it now; else why not, as Danish mrkdwn (the
    workflow decides and words the refusal; "already so" is ours)."""
    try:
        proposal = workflow.get(proposal_id)
        if not check(workflow, proposal, actor):
            return already_text(proposal)
    except WorkflowError as exc:
        return escape(exc.message)
    return proposal


def _modals(bolt_app: AsyncApp, core: Core) -> None:
    @bolt_app.view(ids.PUBLISH_VIEW)
    async def on_links(ack: AsyncAck, body: Body, view: Body) -> None:
        values = (view.get("state") or {}).get("values") or {}
        links = {platform: _value(values, block) for block in values
                 if (platform := ids.link_platform(block)) is not None}
        first = _first_input(view)  # where the workflow's refusal is shown
        try:
            outcome = await core.run(core.workflow.publish,
                                     proposal_number(read_metadata(view).get("proposal_id")),
                                     actor_from(body), links)
        except WorkflowError as exc:
            await ack(response_action="errors", errors={first: exc.message})
            return
        if not outcome.changed:
            await ack(response_action="errors",
                      errors={first: already_text(outcome.proposal, plain=True)})
            return
        await ack()

    @bolt_app.view(ids.TAKEDOWN_VIEW)
    async def on_reason(ack: AsyncAck, body: Body, view: Body) -> None:
        values = (view.get("state") or {}).get("values") or {}
        try:
            outcome = await core.run(core.workflow.take_down,
                                     proposal_number(read_metadata(view).get("proposal_id")),
                                     actor_from(body), _value(values, ids.TAKEDOWN_BLOCK))
        except WorkflowError as exc:
            await ack(response_action="errors", errors={ids.TAKEDOWN_BLOCK: exc.message})
            return
        if not outcome.changed:
            await ack(response_action="errors",
                      errors={ids.TAKEDOWN_BLOCK: already_text(outcome.proposal, plain=True)})
            return
        await ack()


def _first_input(view: Body) -> str:
    """The block id of the modal's first input (the link for the first platform)."""
    return next((str(block["block_id"]) for block in view.get("blocks") or []
                 if block.get("type") == "input" and block.get("block_id")), "")


def _value(values: Body, block: str) -> str:
    """What was typed in an input block (its action id is the block's id); "" for none."""
    value = ((values.get(block) or {}).get(block) or {}).get("value")
    return value if isinstance(value, str) else ""
