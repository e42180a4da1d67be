"""A local fake of the Bot Framework connector (the Teams service URL).

An aiohttp app on a free loopback port that answers /v3/conversations/... the way the real
service does, records every call, and can be told to fail the next calls (a 500, or a 429
with Retry-After) or to hang until released. `flaky()` makes every third call fail in turn
with a 500, a timeout or a 429 until `steady()`.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.loopback import Loopback, serve

ADAPTIVE = "application/vnd.microsoft.card.adaptive"
# Teams service URLs carry a regional path (https://smba.trafficmanager.net/emea/).
BASE_PATH = "/emea/"
KEYS_PATH = "/v1/.well-known/keys"


@dataclass
class Call:
    """One request the bot made. `kind`: send (new message), reply, update or create."""

    kind: str
    conversation_id: str
    activity_id: str | None
    body: dict[str, Any]
    authorization: str | None
    status: int = 200
    new_id: str | None = None  # the activity id the connector answered with

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a["content"] for a in self.body.get("attachments") or []
                if a.get("contentType") == ADAPTIVE]

    @property
    def card(self) -> dict[str, Any]:
        (only,) = self.cards
        return only

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")

    @property
    def thread(self) -> tuple[str, str] | None:
        """(channel, root message id) when the call went into a channel thread."""
        channel, sep, root = self.conversation_id.partition(";messageid=")
        return (channel, root) if sep else None


@dataclass
class Failure:
    status: int
    retry_after: str | None = None
    kind: str | None = None


@dataclass
class FakeConnector:
    calls: list[Call] = field(default_factory=list)
    failed: list[Call] = field(default_factory=list)
    _failures: list[Failure] = field(default_factory=list)
    _hang: asyncio.Event | None = None
    keys: dict[str, Any] = field(default_factory=lambda: {"keys": []})
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _server: Loopback | None = None
    _flaky: Flaky | None = None
    # Every call waits this long before it is answered (a service that is far away).
    latency: float = 0.0

    # -- control ------------------------------------------------------------------------

    def flaky(self, *, every: int = 3, retry_after: str = "7", stall: float = 0.5) -> None:
        """Fail every `every`th call, in turn with a 500, a timeout (nothing for `stall`
        seconds, then a 504; the call is recorded as failed) and a 429 with `retry_after`,
        until `steady()`."""
        self._flaky = Flaky(every=every, retry_after=retry_after, stall=stall)

    def steady(self) -> None:
        self._flaky = None

    def fail_next(self, status: int, *, times: int = 1, retry_after: str | None = None,
                  kind: str | None = None) -> None:
        """Answer the next `times` calls (of `kind`, if given) with `status`."""
        self._failures += [Failure(status, retry_after, kind) for _ in range(times)]

    def hang(self) -> asyncio.Event:
        """Hold every call until the returned event is set (a connector that stopped)."""
        self._hang = asyncio.Event()
        return self._hang

    def publish_keys(self, jwks: dict[str, Any]) -> str:
        """Serve a JWK set, the way login.botframework.com serves the channel's signing keys;
        returns its address."""
        self.keys = jwks
        return str(self._server.make_url(KEYS_PATH)) if self._server else KEYS_PATH

    # -- what happened ------------------------------------------------------------------

    def of(self, kind: str) -> list[Call]:
        return [call for call in self.calls if call.kind == kind]

    def in_conversation(self, conversation_id: str) -> list[Call]:
        return [call for call in self.calls if call.conversation_id == conversation_id]

    def all_cards(self) -> list[dict[str, Any]]:
        return [card for call in self.calls + self.failed for card in call.cards]

    def clear(self) -> None:
        self.calls.clear()
        self.failed.clear()

    # -- server -------------------------------------------------------------------------

    @property
    def service_url(self) -> str:
        assert self._server is not None, "start() the connector first"
        return str(self._server.make_url(BASE_PATH))

    async def start(self) -> FakeConnector:
        app = web.Application()
        conversation = BASE_PATH + "v3/conversations/{conversation_id}/activities"
        app.router.add_post(conversation, self._send)
        app.router.add_post(conversation + "/{activity_id}", self._reply)
        app.router.add_put(conversation + "/{activity_id}", self._update)
        app.router.add_post(BASE_PATH + "v3/conversations", self._create)
        app.router.add_get(KEYS_PATH, self._keys)
        # A call whose client gave up (a timeout) is cancelled, so it is never recorded late.
        self._server = await serve(app, cancel_handlers=True)
        return self

    async def close(self) -> None:
        if self._hang is not None:
            self._hang.set()
        if self._server is not None:
            await self._server.close()

    async def _keys(self, request: web.Request) -> web.Response:
        return web.json_response(self.keys)

    async def _send(self, request: web.Request) -> web.Response:
        return await self._record(request, "send", None)

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._record(request, "reply", request.match_info["activity_id"])

    async def _update(self, request: web.Request) -> web.Response:
        return await self._record(request, "update", request.match_info["activity_id"])

    async def _create(self, request: web.Request) -> web.Response:
        return await self._record(request, "create", None)

    async def _record(self, request: web.Request, kind: str,
                      activity_id: str | None) -> web.Response:
        if self._hang is not None:
            await self._hang.wait()
        if self.latency:
            await asyncio.sleep(self.latency)
        body = await request.json()
        call = Call(kind, request.match_info.get("conversation_id", ""), activity_id, body,
                    request.headers.get("Authorization"))
        failure = self._flaky.next() if self._flaky is not None else None
        if failure is not None and failure.status == 504:
            await asyncio.sleep(self._flaky.stall)  # type: ignore[union-attr]
        failure = failure or self._take_failure(kind)
        if failure is not None:
            call.status = failure.status
            self.failed.append(call)
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return web.json_response({"error": {"code": "Fake", "message": "nej"}},
                                     status=failure.status, headers=headers)
        if kind == "create":
            call.new_id = f"a:created-{next(self._ids)}"
            self.calls.append(call)
            return web.json_response({"id": call.new_id}, status=201)
        call.new_id = activity_id if kind == "update" else f"act-{next(self._ids)}"
        self.calls.append(call)
        return web.json_response({"id": call.new_id})

    def _take_failure(self, kind: str) -> Failure | None:
        for index, failure in enumerate(self._failures):
            if failure.kind in (None, kind):
                return self._failures.pop(index)
        return None


@dataclass
class Flaky:
    """Every `every`th call fails: a 500, then a timeout (504 after a stall), then a 429."""

    every: int
    retry_after: str
    stall: float
    seen: int = 0
    failed: int = 0

    def next(self) -> Failure | None:
        self.seen += 1
        if self.seen % self.every:
            return None
        self.failed += 1
        kind = (self.failed - 1) % 3
        if kind == 0:
            return Failure(500)
        if kind == 1:
            return Failure(504)
        return Failure(429, self.retry_after)


class FakeTokenProvider:
    """Stands in for MSAL when credentials are configured: the outgoing calls carry a token
    the test can recognise, and nothing goes to Entra ID."""

    TOKEN = "fake-token-from-entra"

    def __init__(self, configuration: Any) -> None:
        self._configuration = configuration
        self.requests: list[tuple[str, list[str]]] = []

    @property
    def configuration(self) -> Any:
        return self._configuration

    async def get_access_token(self, resource_url: str, scopes: list[str],
                               force_refresh: bool = False) -> str:
        self.requests.append((resource_url, scopes))
        return self.TOKEN

    def get_token_credential(self) -> Any:
        raise NotImplementedError("not used by the Teams edge")
