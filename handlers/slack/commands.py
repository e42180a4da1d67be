"""`/foreslå-opslag` (and `/foreslaa-opslag`): opens the guided questions, or answers help or
the week's overview. The command is acknowledged first; the modal opens right after, while
Slack's trigger id (3 seconds, one use) is fresh."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Core
from handlers.slack import ids
from handlers.slack import text as T
from handlers.slack.interaction import after_ack, open_view
from handlers.slack.messages import Message, help_message
from handlers.slack.views import draft_answers, intake_modal
from handlers.slack.week import week_overview


def register(bolt_app: AsyncApp, core: Core) -> None:
    async def on_command(
        ack: AsyncAck,
        command: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:
        words = str(command.get("text") or "").strip()
        answer = await quick_answer(words, core)
        if answer is not None:
            await ack(response_type="ephemeral", **answer.as_kwargs())
            return
        await ack()
        await after_ack()
        answers, notice = draft_answers(words)
        view = intake_modal(answers, notice=notice,
                            departments=core.workflow.department_choices())
        if not await open_view(client, command["trigger_id"], view):
            await respond(text=T.MODAL_FAILED, response_type="ephemeral")

    for name in ids.COMMANDS:
        bolt_app.command(name)(on_command)


async def quick_answer(words: str, core: Core) -> Message | None:
    """Help or the week's overview, answered in the acknowledgement itself; None for a draft."""
    keyword = words.lower()
    if keyword in T.HELP_WORDS:
        return help_message()
    if keyword in T.WEEK_WORDS:
        # Read and built on the store thread, so other requests are answered meanwhile.
        return await core.run(week_overview, core)
    return None
