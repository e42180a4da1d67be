"""The Slack edge assembled: one Web API client, the bolt app with its listeners, the outbox
sender, the user-group roster and (with SLACK_APP_TOKEN) Socket Mode; started and stopped with
the aiohttp server."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Core
from handlers.slack import (
    actions,
    commands,
    events,
    payload,
    publication,
    sending,
    shortcuts,
    socket_mode,
    submissions,
)
from handlers.slack import text as T
from handlers.slack.identity import BotIdentity
from handlers.slack.roster import UsergroupRoster
from handlers.slack.sender import SlackSender
from handlers.slack.settings import SlackSettings

log = logging.getLogger(__name__)

API_TIMEOUT_SECONDS = 10
EVENTS_PATH = "/slack/events"


def build_bolt_app(core: Core, settings: SlackSettings, identity: BotIdentity) -> AsyncApp:
    """The bolt app with every listener. Signatures are verified; listeners acknowledge first
    and work after (process_before_response stays False).

    `authorize` answers from what the start-up task learnt from auth.test, so no request waits
    for auth.test or fails with it (see handlers/slack/identity.py). bolt's own client has no
    token: each request's client gets the bot token from `authorize` (given a token as well,
    bolt would warn that it ignores it). Should bolt find no way to act after all, it answers
    in Danish, not with its English "reinstall this app"."""
    secret = settings.signing_secret
    bolt_app = AsyncApp(
        client=_api_client(settings, token=None),
        signing_secret=secret.get_secret_value() if secret else "",
        request_verification_enabled=True,
        authorize=identity.authorizer(),
        user_facing_authorize_error_message=T.NOT_READY,
        process_before_response=False,
        name="opslag",
    )
    for module in (events, commands, shortcuts, actions, submissions, sending, publication):
        module.register(bolt_app, core)
    return bolt_app


def web_client(settings: SlackSettings) -> AsyncWebClient:
    """The bot's client, with its token: for the outbox, the roster and auth.test."""
    token = settings.bot_token
    return _api_client(settings, token=token.get_secret_value() if token else None)


def _api_client(settings: SlackSettings, *, token: str | None) -> AsyncWebClient:
    return AsyncWebClient(
        token=token,
        base_url=settings.api_url,
        timeout=API_TIMEOUT_SECONDS,
        logger=_client_logger(),
    )


def _client_logger() -> logging.Logger:
    """slack_sdk formats a debug line for every call unless its logger's own level is above
    DEBUG (it checks `logger.level`, not the effective level); that showed in the benchmark.
    To see those lines, set this logger's level to DEBUG before the server starts."""
    client_log = logging.getLogger("handlers.slack.web_api")
    if client_log.level == logging.NOTSET:
        client_log.setLevel(logging.INFO)
    return client_log


def _refused(status: int, reason: str) -> web.Response:
    log.warning("Slack: afviste en forespørgsel (%s): %s", status, reason)
    return web.json_response({"error": reason}, status=status)


_startup_heap_frozen = False


def _freeze_startup_heap() -> None:
    """Move what start-up allocated (policy data, pydantic schemas, the libraries) out of the
    garbage collector's way, once per process. Without it a full collection walks all of it
    every few hundred requests: 50 concurrent slash commands then saw ~70 ms stalls (p99)."""
    global _startup_heap_frozen
    if not _startup_heap_frozen:
        _startup_heap_frozen = True
        gc.collect()
        gc.freeze()


@dataclass
class SlackEdge:
    core: Core
    settings: SlackSettings
    client: AsyncWebClient
    identity: BotIdentity
    bolt_app: AsyncApp
    sender: SlackSender
    roster: UsergroupRoster | None = None
    _socket: Any = None

    @classmethod
    def build(cls, core: Core, settings: SlackSettings) -> SlackEdge:
        """The edge's objects; `handlers.slack.register` hands the sender and the roster to
        the core."""
        client = web_client(settings)
        identity = BotIdentity(client)
        edge = cls(core=core, settings=settings, client=client, identity=identity,
                   bolt_app=build_bolt_app(core, settings, identity),
                   sender=SlackSender(core, client))
        if settings.central_usergroup:
            edge.roster = UsergroupRoster(client, settings.central_usergroup)
        return edge

    async def handle(self, request: web.Request) -> web.Response:
        """POST /slack/events: commands, interactivity and events, all through bolt.

        The body is read whole first (over the server's limit: 413), checked to be UTF-8 and
        signed by Slack (bolt checks again), and only then parsed and its shape checked
        (`payload.problem`): a malformed body is a 400, never an exception inside bolt."""
        raw = await request.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _refused(400, "body is not UTF-8")
        if not self._signed(text, request):
            return _refused(401, "invalid signature")
        try:
            bolt_request = AsyncBoltRequest(
                body=text, query=request.query_string, headers=dict(request.headers)
            )
        # RecursionError: JSON nested deeper than the parser goes (json.loads gives up).
        except (ValueError, TypeError, AttributeError, KeyError, RecursionError):
            return _refused(400, "malformed body")
        problem = payload.problem(bolt_request.body)
        if problem is not None:
            return _refused(400, problem)
        response = await self.bolt_app.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    def _signed(self, body: str, request: web.Request) -> bool:
        secret = self.settings.signing_secret
        if secret is None:
            return False
        try:
            return SignatureVerifier(secret.get_secret_value()).is_valid_request(
                body, request.headers
            )
        # A timestamp that is no number or too big a one for a float (309 digits), a
        # non-ASCII signature.
        except (ValueError, TypeError, OverflowError):
            return False

    async def start(self) -> None:
        _freeze_startup_heap()
        # One connection pool for the listeners' calls and the outbox's (each request's client
        # is a copy of bolt's).
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=API_TIMEOUT_SECONDS))
        self.client.session = session
        self.bolt_app.client.session = session
        self.identity.start()
        if self.roster is not None:
            self.roster.ids()  # first fill, in the background
        app_token = self.settings.app_token
        if app_token:
            self._socket = await socket_mode.start(
                self.bolt_app, app_token.get_secret_value(), self.client
            )

    async def stop(self) -> None:
        # The outbox may be sending through our session: stop it first (stopping is idempotent).
        await self.core.outbox.stop()
        await self.identity.stop()
        if self._socket is not None:
            await socket_mode.stop(self._socket)
        if self.roster is not None:
            await self.roster.close()
        session = self.client.session
        if session is not None and not session.closed:
            await session.close()
