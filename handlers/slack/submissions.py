"""Modal submissions: the guided questions (new or edited) and a decision's reason.

The modal's answers are read the one way (bot/submission.py): invalid answers come back to the
modal as Danish field errors keyed by block id; valid ones are answered with the advice, and
nothing is stored until the person presses Send there (handlers/slack/sending.py).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.core import Core
from bot.proposal import Decision, proposal_number
from bot.submission import check
from bot.workflow import WorkflowError
from handlers.slack import ids
from handlers.slack import text as T
from handlers.slack.form import block_errors, raw_answers
from handlers.slack.interaction import actor_from, already_text
from handlers.slack.sending import show_advice
from handlers.slack.views import read_metadata

View = dict[str, Any]


def register(bolt_app: AsyncApp, core: Core) -> None:
    @bolt_app.view(ids.INTAKE_VIEW)
    async def on_intake(ack: AsyncAck, body: dict[str, Any], view: View) -> None:
        values = (view.get("state") or {}).get("values") or {}
        checked = check(raw_answers(values))
        if checked.intake is None:  # answered at once, without waiting for the store
            await ack(response_action="errors",
                      errors=block_errors(checked.errors, _input_blocks(view, values)))
            return
        meta_id = read_metadata(view).get("proposal_id")
        proposal_id = proposal_number(meta_id) if meta_id else None
        problem = await show_advice(core, ack, body, view, checked.intake, proposal_id)
        if problem is not None:  # nothing kept: the questions stay open, answers and all
            await ack(response_action="errors", errors={_retry_block(view, values): problem})

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
                # Only the Approve button's modal asks to approve: while something is missing.
                override=decision is Decision.APPROVE,
            )
        except WorkflowError as exc:
            await ack(response_action="errors", errors={ids.REASON_BLOCK: exc.message})
            return
        if not outcome.changed:
            await ack(response_action="errors",
                      errors={ids.REASON_BLOCK: already_text(outcome.proposal, plain=True)})
            return
        await ack()


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
