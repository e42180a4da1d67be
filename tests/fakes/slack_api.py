"""A local fake of the Slack Web API: an aiohttp app on a free loopback port.

It records every call (method, arguments, token), answers like Slack does for the methods the
bot uses, checks the limits Slack enforces on blocks, and can be told to fail: an HTTP status
(500), a Slack error (`channel_not_found`), or a 429 with Retry-After, for the next N calls of a
method. `response_url` posts land on /response/<id> and are recorded as method "response_url".
`flaky()` makes every third call fail in turn with a 500, a timeout or a 429 until `steady()`;
`hang()` holds every call until the returned event is set. `throttle()` answers every call with
a 429 (a workspace over its limits) until `heal()`; `pace_channels()` holds chat.postMessage to
Slack's per-channel rate with a token bucket per channel and answers a 429 with Retry-After
(whole seconds, as Slack sends it) when a channel is over it.

Like Slack it keeps what was posted: `conversations.history` answers with a channel's top-level
messages (thread replies only when broadcast), newest first, between `oldest` and `latest`
(exclusive unless `inclusive`), `limit` at a time with a cursor, and with each message's
`metadata` only when `include_all_metadata` is true. A message's ts is the time of `now` (the
real clock unless a test sets its own) and a counter, so `oldest` means what it means in Slack.
Files go up as slack_sdk's `files_upload_v2` sends them: files.getUploadURLExternal answers
with an upload URL on the fake itself, the bytes are posted there (recorded as method "upload",
and made to fail with `fail("upload", status=500)`), and files.completeUploadExternal shares
the uploaded files into `channel_id` as one message (its `blocks` or `initial_comment`, and
`files` with each file's id, name and title), kept in the history like a post. `uploads` holds
the bytes by file id.
A scripted `delay` alone is a slow answer to work already done: a post is kept before the wait,
so a server killed while it waits has lost the answer, not the message.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from tests.fakes.loopback import Loopback, serve

BLOCKS_MAX_CHARS = 12_000
SECTION_MAX_CHARS = 3_000
BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T0NORDDJURS"
HISTORY_LIMIT_DEFAULT = 100
HISTORY_LIMIT_MAX = 999
SHUTDOWN_SECONDS = 0.1


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    ok: bool = True
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when the fake received it


@dataclass
class Failure:
    """How one scripted call goes wrong; `delay` alone means a slow but good answer."""

    status: int = 200
    error: str | None = None
    retry_after: float | None = None
    delay: float = 0.0
    match: dict[str, Any] = field(default_factory=dict)

    @property
    def fails(self) -> bool:
        return self.status != 200 or self.error is not None or self.retry_after is not None

    def applies(self, args: dict[str, Any]) -> bool:
        return all(args.get(key) == value for key, value in self.match.items())


@dataclass
class FakeSlackApi:
    usergroup_users: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    _failures: dict[str, list[Failure]] = field(default_factory=dict)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _server: Loopback | None = None
    _flaky: Flaky | None = None
    _hang: asyncio.Event | None = None
    # Every call waits this long before it is answered (a platform that is far away).
    latency: float = 0.0
    _throttle: float | None = None
    _buckets: ChannelBuckets | None = None
    # Seconds since the epoch for the ts of a new message (a test may pass its FakeClock's).
    now: Callable[[], float] = time.time
    # What was posted, per channel, oldest first, as conversations.history returns messages.
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Files by id: what getUploadURLExternal announced, and the bytes once uploaded.
    announced: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)

    # -- lifecycle -----------------------------------------------------------------------

    def routes(self, app: web.Application) -> web.Application:
        """Add the fake's endpoints to `app` (the bench serves them in a process of its own)."""
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        return app

    async def start(self) -> FakeSlackApi:
        # Stopping does not wait out answers a test told the fake to hold (`delay`).
        self._server = await serve(self.routes(web.Application()), access_log=None,
                                   shutdown_timeout=SHUTDOWN_SECONDS)
        return self

    async def stop(self) -> None:
        if self._hang is not None:
            self._hang.set()
        if self._server is not None:
            await self._server.close()

    @property
    def base(self) -> str:
        assert self._server is not None, "start() the fake first"
        return self._server.url

    @property
    def url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, key: str = "r1") -> str:
        return f"{self.base}/response/{key}"

    # -- scripting and inspection --------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: float | None = None,
        delay: float = 0.0,
        times: int = 1,
        **match: Any,
    ) -> None:
        """The next `times` calls of `method` (with these arguments, if given) fail like this;
        with only `delay`, they answer normally but slowly."""
        failure = Failure(
            status=status, error=error, retry_after=retry_after, delay=delay, match=match
        )
        self._failures.setdefault(method, []).extend([failure] * times)

    def heal(self) -> None:
        self._failures.clear()
        self._throttle = None

    def throttle(self, retry_after: float = 1.0) -> None:
        """Answer every call with a 429 and this Retry-After until `heal()`."""
        self._throttle = retry_after

    def pace_channels(self, rate: float = 1.0, burst: int = 10) -> None:
        """Allow chat.postMessage `rate` times a second per channel (bursts of `burst`); over
        that, a 429 with Retry-After until the channel's next token."""
        self._buckets = ChannelBuckets(rate=rate, burst=burst)

    def rate_limited(self, method: str | None = None) -> list[Call]:
        """The calls (of `method`, if given) that were answered with a 429."""
        return [call for call in self.calls if call.response.get("error") == "ratelimited"
                and (method is None or call.method == method)]

    def flaky(
        self,
        *,
        every: int = 3,
        retry_after: float = 7,
        stall: float = 0.5,
        methods: tuple[str, ...] = ("chat.postMessage", "chat.update", "conversations.open"),
    ) -> None:
        """Fail every `every`th call of these methods, in turn with a 500, a timeout (answer
        nothing for `stall` seconds; the call is recorded as failed: Slack never acted on it)
        and a 429 with `retry_after`, until `steady()`."""
        self._flaky = Flaky(every=every, retry_after=retry_after, stall=stall,
                            methods=frozenset(methods))

    def steady(self) -> None:
        self._flaky = None

    def hang(self) -> asyncio.Event:
        """Hold every call until the returned event is set (a Slack that stopped answering)."""
        self._hang = asyncio.Event()
        return self._hang

    def calls_to(self, method: str, **match: Any) -> list[Call]:
        """Every call of `method` with these arguments, failed ones included."""
        return [
            call for call in self.calls
            if call.method == method
            and all(call.args.get(key) == value for key, value in match.items())
        ]

    def sent(self, method: str, **match: Any) -> list[Call]:
        """The calls of `method` that succeeded: what Slack users actually got."""
        return [call for call in self.calls_to(method, **match) if call.ok]

    async def wait_for(
        self, method: str, count: int = 1, *, timeout: float = 5.0, **match: Any
    ) -> list[Call]:
        """Poll (in small steps) until `count` matching successful calls arrived; fail the test
        if they don't within `timeout`."""
        await wait_until(lambda: len(self.sent(method, **match)) >= count, timeout=timeout)
        return self.sent(method, **match)

    # -- the API -------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or None
        call = Call(method, args, token)
        self.calls.append(call)
        if self._hang is not None:
            await self._hang.wait()
        if self.latency:
            await asyncio.sleep(self.latency)
        limited = self._over_limit(method, args)
        if limited is not None:
            call.ok = False
            call.response = {"ok": False, "error": "ratelimited"}
            return _rate_limited(limited)
        flake = self._flaky.next(method) if self._flaky is not None else None
        if flake is not None:
            call.ok = False
            return await self._flaky.answer(flake)  # type: ignore[union-attr]
        failure = self._scripted(method, args)
        if failure is not None and failure.fails:
            if failure.delay:
                await asyncio.sleep(failure.delay)
            call.ok = False
            return _failure(failure)
        problem = _block_problem(args.get("blocks"))
        if problem:
            call.ok = False
            return web.json_response({"ok": False, "error": problem})
        try:
            call.response = {"ok": True, **self._answer(method, args)}
        except _ApiError as exc:
            call.ok = False
            call.response = {"ok": False, "error": exc.error}
            return web.json_response(call.response)
        if failure is not None and failure.delay:
            await asyncio.sleep(failure.delay)  # done, only the answer is slow
        return web.json_response(call.response)

    def _over_limit(self, method: str, args: dict[str, Any]) -> float | None:
        """Retry-After seconds when this call is over a limit, else None."""
        if self._throttle is not None:
            return self._throttle
        if self._buckets is not None and method == "chat.postMessage":
            return self._buckets.take(str(args.get("channel")))
        return None

    def _scripted(self, method: str, args: dict[str, Any]) -> Failure | None:
        queued = self._failures.get(method, [])
        for index, failure in enumerate(queued):
            if failure.applies(args):
                return queued.pop(index)
        return None

    async def _response_url(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url", await request.json(), None))
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL of files.getUploadURLExternal: takes the file's bytes."""
        file_id = request.match_info["file_id"]
        data = await request.read()
        call = Call("upload", {"file_id": file_id, "size": len(data)}, None)
        self.calls.append(call)
        failure = self._scripted("upload", call.args)
        if failure is not None and failure.fails:
            call.ok = False
            return web.Response(status=failure.status, text="upload failed")
        if file_id not in self.announced:
            call.ok = False
            return web.Response(status=404, text="unknown upload")
        self.uploads[file_id] = data
        return web.Response(text=f"OK - {len(data)}")

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        number = next(self._counter)
        ts = f"{int(self.now())}.{number:06d}"
        answers: dict[str, Callable[[], dict[str, Any]]] = {
            "auth.test": lambda: {
                "url": "https://norddjurs.slack.com/", "team": "Norddjurs", "user": "opslag",
                "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID,
            },
            "chat.postMessage": lambda: self._keep_post(args, ts),
            "conversations.history": lambda: self._history(args),
            "chat.update": lambda: {"channel": args.get("channel"), "ts": args.get("ts")},
            "chat.postEphemeral": lambda: {"message_ts": ts},
            "conversations.open": lambda: {"channel": {"id": f"D{args.get('users')}"}},
            "views.open": lambda: {"view": {"id": f"V{number}", "hash": f"h{number}"}},
            "views.update": lambda: {"view": {"id": args.get("view_id"), "hash": f"h{number}"}},
            "usergroups.users.list": lambda: {"users": list(self.usergroup_users)},
            "files.getUploadURLExternal": lambda: self._announce(args, number),
            "files.completeUploadExternal": lambda: self._share(args, ts),
        }
        answer = answers.get(method)
        return answer() if answer else {}

    def _announce(self, args: dict[str, Any], number: int) -> dict[str, Any]:
        file_id = f"F{number:08d}"
        self.announced[file_id] = {"name": args.get("filename"), "length": args.get("length"),
                                   "alt_txt": args.get("alt_txt")}
        return {"upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _share(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        """Complete the uploads and share them into `channel_id` as one message (Slack does
        the sharing a moment later; the fake at once)."""
        files = args.get("files")
        listed = json.loads(files) if isinstance(files, str) else files or []
        done = [
            {"id": item["id"], "name": self.announced[item["id"]]["name"],
             "title": item.get("title") or self.announced[item["id"]]["name"]}
            for item in listed if item.get("id") in self.uploads
        ]
        if not done or len(done) != len(listed):
            raise _ApiError("file_not_found")
        channel = args.get("channel_id")
        if channel:
            message: dict[str, Any] = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID,
                                       "ts": ts, "text": args.get("initial_comment") or "",
                                       "files": done}
            if args.get("blocks"):
                message["blocks"] = args["blocks"]
            self.history.setdefault(str(channel), []).append(message)
        return {"files": done}

    def _keep_post(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        """Keep a posted message in its channel's history, as Slack does: a thread reply is
        not a message of the channel unless it is broadcast."""
        channel = str(args.get("channel"))
        message: dict[str, Any] = {
            "type": "message", "user": BOT_USER, "bot_id": BOT_ID, "ts": ts,
            "text": args.get("text", ""),
        }
        if args.get("blocks"):
            message["blocks"] = args["blocks"]
        if isinstance(args.get("metadata"), dict):
            message["metadata"] = args["metadata"]
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        if not args.get("thread_ts") or _truthy(args.get("reply_broadcast")):
            self.history.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": ts}

    def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        """A page of a channel's messages, newest first, as conversations.history answers."""
        oldest = _ts(args.get("oldest"), Decimal(0))
        latest = _ts(args.get("latest"), Decimal("Infinity"))
        inclusive = _truthy(args.get("inclusive"))
        limit = min(int(args.get("limit") or HISTORY_LIMIT_DEFAULT), HISTORY_LIMIT_MAX)
        start = _offset(args.get("cursor"))
        newest_first = [
            message for message in reversed(self.history.get(str(args.get("channel")), []))
            if _between(Decimal(message["ts"]), oldest, latest, inclusive=inclusive)
        ]
        page = newest_first[start:start + limit]
        if not _truthy(args.get("include_all_metadata")):
            page = [_without_metadata(message) for message in page]
        more = start + limit < len(newest_first)
        return {
            "messages": page, "has_more": more, "pin_count": 0,
            "response_metadata": {"next_cursor": _cursor(start + limit) if more else ""},
        }


class _ApiError(Exception):
    """A call the fake refuses as Slack would, with `{"ok": false, "error": ...}`."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class ChannelBuckets:
    """A token bucket per channel on the real clock: `burst` tokens, `rate` new ones a second."""

    rate: float
    burst: int
    _tokens: dict[str, tuple[float, float]] = field(default_factory=dict)  # tokens, at

    def take(self, channel: str) -> float | None:
        """None when the channel had a token (now taken), else seconds until it has one."""
        now = time.monotonic()
        tokens, at = self._tokens.get(channel, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens >= 1:
            self._tokens[channel] = (tokens - 1, now)
            return None
        self._tokens[channel] = (tokens, now)
        return (1 - tokens) / self.rate


@dataclass
class Flaky:
    """Every `every`th call of `methods` fails: a 500, then a timeout, then a 429, and again."""

    every: int
    retry_after: float
    stall: float
    methods: frozenset[str]
    seen: int = 0
    failed: int = 0
    KINDS = ("500", "timeout", "429")

    def next(self, method: str) -> str | None:
        if method not in self.methods:
            return None
        self.seen += 1
        if self.seen % self.every:
            return None
        self.failed += 1
        return self.KINDS[(self.failed - 1) % len(self.KINDS)]

    async def answer(self, kind: str) -> web.Response:
        if kind == "timeout":
            await asyncio.sleep(self.stall)
            return web.Response(status=504, text="Gateway Timeout")
        if kind == "429":
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(int(self.retry_after))})
        return web.Response(status=500, text="Internal Server Error")


async def wait_until(condition: Callable[[], bool], *, timeout: float = 5.0) -> None:
    """Bounded polling with small waits; raises AssertionError when time runs out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for a condition")
        await asyncio.sleep(0.005)


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            args.update(await request.json())
        else:
            args.update(dict(await request.post()))
    for key in ("blocks", "view", "metadata"):  # form-encoded calls send these as JSON text
        if isinstance(args.get(key), str):
            args[key] = json.loads(args[key])
    return args


def _truthy(value: Any) -> bool:
    """A boolean argument as Slack reads it: true, "true" or "1"."""
    return value is True or str(value).lower() in ("1", "true")


def _ts(value: Any, default: Decimal) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else default
    except InvalidOperation:
        return default


def _between(ts: Decimal, oldest: Decimal, latest: Decimal, *, inclusive: bool) -> bool:
    if inclusive:
        return oldest <= ts <= latest
    return oldest < ts < latest


def _cursor(offset: int) -> str:
    return base64.b64encode(f"next_offset:{offset}".encode()).decode()


def _offset(cursor: Any) -> int:
    if not cursor:
        return 0
    return int(base64.b64decode(str(cursor)).decode().rpartition(":")[2])


def _without_metadata(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if key != "metadata"}


def _rate_limited(after: float) -> web.Response:
    headers = {"Retry-After": str(max(1, math.ceil(after)))}
    return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)


def _failure(failure: Failure) -> web.Response:
    if failure.retry_after is not None or failure.status == 429:
        headers = {"Retry-After": str(int(failure.retry_after or 1))}
        return web.json_response(
            {"ok": False, "error": "ratelimited"}, status=429, headers=headers
        )
    if failure.status >= 500:
        return web.Response(status=failure.status, text="Internal Server Error")
    return web.json_response({"ok": False, "error": failure.error or "fatal_error"})


def _block_problem(blocks: Any) -> str | None:
    """The limits Slack enforces on a message's blocks."""
    if not blocks:
        return None
    if len(json.dumps(blocks, ensure_ascii=False)) > BLOCKS_MAX_CHARS:
        return "msg_blocks_too_long"
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        if len(text) > SECTION_MAX_CHARS:
            return "invalid_blocks"
    return None


async def _serve_forever() -> None:
    api = FakeSlackApi()
    await api.start()
    print(api.url, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":  # `python -m tests.fakes.slack_api`: serve and print the base URL
    asyncio.run(_serve_forever())
