"""The message shortcut "Foreslå som opslag": the same modal, with that message as the draft."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Core
from handlers.slack import ids
from handlers.slack import text as T
from handlers.slack.interaction import after_ack, open_view
from handlers.slack.mrkdwn import plain
from handlers.slack.views import draft_answers, intake_modal


def register(bolt_app: AsyncApp, core: Core) -> None:
    @bolt_app.shortcut(ids.SHORTCUT)
    async def on_message_shortcut(
        ack: AsyncAck,
        shortcut: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:
        await ack()
        await after_ack()
        message = shortcut.get("message") or {}
        answers, notice = draft_answers(plain(str(message.get("text") or "")))
        view = intake_modal(answers, notice=notice,
                            departments=core.workflow.department_choices())
        if not await open_view(client, shortcut["trigger_id"], view):
            await respond(text=T.MODAL_FAILED, response_type="ephemeral", replace_original=False)
