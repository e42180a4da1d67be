"""Modal submissions: the guided questions (new or edited) and a decision's reason.

Invalid answers go back to the modal as Danish field errors keyed by block id. A valid intake is
stored (proposal, history and outgoing messages in one transaction) before the modal closes, so
an acknowledged proposal is never lost; the outbox then delivers the DM and the review post.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.core import Core
from bot.proposal import Actor, Decision, Proposal
from bot.workflow import Unavailable, WorkflowError
from handlers.slack import ids
from handlers.slack import text as T
from handlers.slack.common import actor_from, already_text, proposal_number
from handlers.slack.form import answers_from_state, applicable, field_errors
from handlers.slack.views import notice_view, read_metadata, thanks_view
from policy import Intake, parse_intake

View = dict[str, Any]


def register(bolt_app: AsyncApp, core: Core) -> None:
    @bolt_app.view(ids.INTAKE_VIEW)
    async def on_intake(ack: AsyncAck, body: dict[str, Any], view: View) -> None:
        values = (view.get("state") or {}).get("values") or {}
        answers = applicable(answers_from_state(values))
        errors = field_errors(answers, _input_blocks(view, values))
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        proposal_id = read_metadata(view).get("proposal_id")
        try:
            # On the store thread: the event loop answers other requests while this waits
            # for the database (another process's lock, up to the busy timeout).
            proposal = await core.run(_store, core, parse_intake(answers), actor_from(body),
                                      proposal_id, view.get("id"))
        except Unavailable as exc:  # nothing stored: the modal stays open with the answers
            await ack(response_action="errors", errors={_retry_block(view, values): exc.message})
            return
        except WorkflowError as exc:
            await ack(response_action="update", view=notice_view(exc.message))
            return
        if proposal is None:  # the same submission again (a replay): stored the first time
            await ack(response_action="update", view=notice_view(T.ALREADY_SUBMITTED))
            return
        await ack(response_action="update", view=thanks_view(proposal.id, edited=bool(proposal_id)))

    @bolt_app.view(ids.REASON_VIEW)
    async def on_reason(ack: AsyncAck, body: dict[str, Any], view: View) -> None:
        meta = read_metadata(view)
        values = (view.get("state") or {}).get("values") or {}
        note = ((values.get(ids.REASON_BLOCK) or {}).get(ids.REASON_BLOCK) or {}).get("value")
        try:
            decision = Decision(str(meta.get("decision")))
        except ValueError:  # not a modal we opened
            await ack(response_action="errors", errors={ids.REASON_BLOCK: T.REASON_LOST})
            return
        try:
            outcome = await core.run(
                core.workflow.decide,
                proposal_number(meta.get("proposal_id")), decision, actor_from(body),
                note if isinstance(note, str) else None,
                revision=ids.read_revision(meta.get("revision")),
            )
        except WorkflowError as exc:
            await ack(response_action="errors", errors={ids.REASON_BLOCK: exc.message})
            return
        if not outcome.changed:
            await ack(response_action="errors",
                      errors={ids.REASON_BLOCK: already_text(outcome.proposal, plain=True)})
            return
        await ack()


def _store(
    core: Core, intake: Intake, actor: Actor, proposal_id: Any, view_id: Any
) -> Proposal | None:
    """Store the intake once per modal: a submission of the same view again (a replayed
    request) stores nothing and returns None."""
    workflow = core.workflow

    def change() -> Proposal:
        if proposal_id:
            return workflow.resubmit(proposal_number(proposal_id), intake, actor)
        return workflow.submit(intake, actor, source="slack")

    return workflow.once(f"slack:view:{view_id}" if view_id else "", change)


def _retry_block(view: View, values: dict[str, Any]) -> str:
    """Where 'try again' is shown: under the draft text, else the first input."""
    blocks = _input_blocks(view, values)
    return "text" if "text" in blocks else min(blocks)


def _input_blocks(view: View, values: dict[str, Any]) -> set[str]:
    """The block ids of the modal's input blocks (where field errors can be shown)."""
    blocks = {
        str(block["block_id"]) for block in view.get("blocks") or []
        if block.get("type") == "input" and block.get("block_id")
    }
    return blocks or set(values)
