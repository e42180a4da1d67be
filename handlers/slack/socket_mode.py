"""Socket Mode (SLACK_APP_TOKEN): the same bolt app over Slack's websocket instead of HTTP.

Kept tiny on purpose: it needs a live connection to Slack, so the tests can't cover it; the
listeners it dispatches to are the same ones the HTTP tests drive.
"""

from __future__ import annotations

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


async def start(
    bolt_app: AsyncApp, app_token: str, client: AsyncWebClient
) -> AsyncSocketModeHandler:
    handler = AsyncSocketModeHandler(bolt_app, app_token=app_token, web_client=client)
    await handler.connect_async()
    return handler


async def stop(handler: AsyncSocketModeHandler) -> None:
    await handler.close_async()
