"""Events: a mention of the bot answers with help and a button; every event is handled once.

Slack retries an event it thinks we missed (up to three times); the event id is recorded in the
store, so a retry is acknowledged and dropped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Core
from handlers.slack.interaction import after_ack
from handlers.slack.messages import help_message


class OncePerEvent(AsyncMiddleware):
    """Acknowledges and drops an event whose id was seen before (a Slack retry). A middleware
    class rather than a function: it runs on every request, and bolt injects no arguments."""

    def __init__(self, core: Core) -> None:
        self.core = core

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # bolt passes it by this name
    ) -> BoltResponse | None:
        body = req.body
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        core = self.core
        if event_id and not await core.run(core.store.first_time, str(event_id), core.clock()):
            return BoltResponse(status=200, body="")
        return await next()


def register(bolt_app: AsyncApp, core: Core) -> None:
    bolt_app.use(OncePerEvent(core))

    @bolt_app.event("app_mention")
    async def on_mention(event: dict[str, Any], client: AsyncWebClient) -> None:
        await after_ack()
        thread = event.get("thread_ts") or event.get("ts")
        await client.chat_postMessage(
            channel=event["channel"], thread_ts=thread, **help_message().as_kwargs()
        )
