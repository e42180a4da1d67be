"""Events: a mention of the bot answers with help and a button; every event is handled once.

Slack retries an event it thinks we missed (up to three times); the event id is recorded in the
store, so a retry is acknowledged and dropped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Core
from handlers.slack.messages import help_message


def register(bolt_app: AsyncApp, core: Core) -> None:
    @bolt_app.middleware
    async def once_per_event(
        body: dict[str, Any], next_: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not core.store.first_time(str(event_id), core.clock()):
            return BoltResponse(status=200, body="")
        return await next_()

    @bolt_app.event("app_mention")
    async def on_mention(event: dict[str, Any], client: AsyncWebClient) -> None:
        thread = event.get("thread_ts") or event.get("ts")
        await client.chat_postMessage(
            channel=event["channel"], thread_ts=thread, **help_message().as_kwargs()
        )
