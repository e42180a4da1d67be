"""The Slack edge assembled: one Web API client, the bolt app with its listeners, the outbox
sender, the user-group roster and (with SLACK_APP_TOKEN) Socket Mode; started and stopped with
the aiohttp server."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Core
from handlers.slack import actions, commands, events, shortcuts, socket_mode, submissions
from handlers.slack.roster import UsergroupRoster
from handlers.slack.sender import SlackSender

log = logging.getLogger(__name__)

API_TIMEOUT_SECONDS = 10
EVENTS_PATH = "/slack/events"


def build_bolt_app(core: Core, client: AsyncWebClient) -> AsyncApp:
    """The bolt app with every listener. Signatures are verified (bolt's default); listeners
    acknowledge first and work after (process_before_response stays False)."""
    secret = core.settings.slack_signing_secret
    bolt_app = AsyncApp(
        client=client,
        signing_secret=secret.get_secret_value() if secret else "",
        process_before_response=False,
        name="opslag",
    )
    for module in (events, commands, shortcuts, actions, submissions):
        module.register(bolt_app, core)
    return bolt_app


def web_client(core: Core) -> AsyncWebClient:
    token = core.settings.slack_bot_token
    return AsyncWebClient(
        token=token.get_secret_value() if token else None,
        base_url=core.settings.slack_api_url,
        timeout=API_TIMEOUT_SECONDS,
    )


@dataclass
class SlackEdge:
    core: Core
    client: AsyncWebClient
    bolt_app: AsyncApp
    roster: UsergroupRoster | None = None
    _socket: Any = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def build(cls, core: Core) -> SlackEdge:
        client = web_client(core)
        edge = cls(core=core, client=client, bolt_app=build_bolt_app(core, client))
        core.outbox.register("slack", SlackSender(core, client))
        group = core.settings.slack_central_usergroup
        if group:
            edge.roster = UsergroupRoster(client, group)
            core.workflow.roster.sources["slack"] = edge.roster.ids
        return edge

    async def handle(self, request: web.Request) -> web.Response:
        """POST /slack/events: commands, interactivity and events, all through bolt."""
        response = await self.bolt_app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def start(self) -> None:
        # One connection pool for the listeners' calls and the outbox's.
        self.client.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=API_TIMEOUT_SECONDS)
        )
        if self.roster is not None:
            self.roster.ids()  # first fill, in the background
        app_token = self.core.settings.slack_app_token
        if app_token:
            self._socket = await socket_mode.start(
                self.bolt_app, app_token.get_secret_value(), self.client
            )

    async def stop(self) -> None:
        # The outbox may be sending through our session: stop it first (stopping is idempotent).
        await self.core.outbox.stop()
        if self._socket is not None:
            await socket_mode.stop(self._socket)
        if self.roster is not None:
            await self.roster.close()
        session = self.client.session
        if session is not None and not session.closed:
            await session.close()
