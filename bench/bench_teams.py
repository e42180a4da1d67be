"""How fast /api/messages answers Teams message activities, 50 at a time.

Fires `n` Teams-shaped message activities, `concurrency` at a time, over HTTP on loopback and
measures the time to the HTTP answer. Every target replies through the fake Bot Framework
connector from the tests before it answers, so each request makes one outgoing call too.

- value: an Agents SDK agent that only echoes, hosted the way the Teams edge hosts ours
  (CloudAdapter + AgentApplication, the route-level guard, no typing indicator);
- baseline: a bare aiohttp handler that parses the activity and posts the echo with one
  shared client session: the Bot Framework protocol without the SDK;
- last rows: the Opslag server itself (`bot.server.build_app`, a temporary SQLite file)
  answering `hjælp`, with the SDK echo agent as its baseline, so the ratio is what our edge adds.

All in one process and one event loop. Run alone: `python -m bench.bench_teams`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from microsoft_agents.activity import ActivityTypes
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentApplication,
    ApplicationOptions,
    MemoryStorage,
    TurnContext,
    TurnState,
)

from bot.config import load_settings
from bot.server import CORE_KEY, SCHEDULER_KEY, build_app
from handlers.teams.hosting import guard, load_auth
from tests.fakes.connector import FakeConnector

WARMUP = 20
USERS = 20
_ids = itertools.count(1)


def run(concurrency: int = 50, n: int = 200) -> list[dict[str, Any]]:
    logging.getLogger("handlers.teams.hosting").setLevel(logging.ERROR)  # local-mode notice
    return asyncio.run(_run(concurrency, n))


async def _run(concurrency: int, n: int) -> list[dict[str, Any]]:
    connector = await FakeConnector().start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            targets = [_echo_agent(), _bare_echo(), _opslag(Path(folder))]
            served = [await _serve(app) for app in targets]
            try:
                echo, bare, ours = [await _measure(url, connector, concurrency, n)
                                    for _, url in served]
            finally:
                for runner, _ in served:
                    await runner.cleanup()
    finally:
        await connector.close()
    return _rows(echo, bare, ours, concurrency, n)


def _echo_agent() -> web.Application:
    auth = load_auth({})  # local mode: loopback callers, no tokens
    adapter = CloudAdapter(connection_manager=auth.connections)
    agent = AgentApplication[TurnState](
        ApplicationOptions(storage=MemoryStorage(), start_typing_timer=False),
        connection_manager=auth.connections,
    )

    async def echo(context: TurnContext, state: TurnState) -> None:
        await context.send_activity(context.activity.text or "")

    agent.activity(ActivityTypes.message)(echo)

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, agent) or web.Response(status=202)

    app = web.Application()
    app.router.add_post("/api/messages", guard(app, auth, messages))
    return app


def _bare_echo() -> web.Application:
    sessions: dict[str, aiohttp.ClientSession] = {}

    async def messages(request: web.Request) -> web.Response:
        activity = await request.json()
        base = activity["serviceUrl"]
        session = sessions.get(base) or sessions.setdefault(
            base, aiohttp.ClientSession(base_url=base))
        conversation = activity["conversation"]["id"]
        reply = {"type": "message", "text": activity.get("text", ""),
                 "from": activity["recipient"], "recipient": activity["from"],
                 "conversation": activity["conversation"], "replyToId": activity["id"]}
        url = f"v3/conversations/{conversation}/activities/{activity['id']}"
        async with session.post(url, json=reply) as response:
            await response.read()
        return web.Response(status=202)

    async def close(app: web.Application) -> None:
        for session in sessions.values():
            await session.close()

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.on_cleanup.append(close)
    return app


def _opslag(folder: Path) -> web.Application:
    settings = load_settings(opslag_db=folder / "bench.db", opslag_digest_cron="0 8 1 1 *")
    app = build_app(settings)
    app[CORE_KEY].outbox.start = lambda: None  # type: ignore[method-assign]
    app[SCHEDULER_KEY].start = lambda: None  # type: ignore[method-assign]
    return app


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/api/messages"


async def _measure(url: str, connector: FakeConnector, concurrency: int,
                   n: int) -> list[float]:
    """Milliseconds to the HTTP answer for each of `n` activities, after a warm-up."""
    limit = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=limit) as session:
        await _fire(session, url, connector.service_url, concurrency, WARMUP)
        timings = await _fire(session, url, connector.service_url, concurrency, n)
    connector.clear()
    return timings


async def _fire(session: aiohttp.ClientSession, url: str, service_url: str,
                concurrency: int, n: int) -> list[float]:
    gate = asyncio.Semaphore(concurrency)

    async def one(number: int) -> float:
        async with gate:
            activity = _message(number % USERS, service_url)
            started = time.perf_counter()
            async with session.post(url, json=activity) as response:
                await response.read()
                assert response.status in (200, 202), response.status
            return (time.perf_counter() - started) * 1000

    return list(await asyncio.gather(*(one(i) for i in range(n))))


def _message(user: int, service_url: str) -> dict[str, Any]:
    """A personal-chat message as Teams posts it."""
    return {
        "type": "message", "id": str(next(_ids)), "channelId": "msteams",
        "serviceUrl": service_url, "timestamp": "2026-11-23T09:00:00.000Z",
        "from": {"id": f"29:user-{user}", "name": f"Bruger {user}",
                 "aadObjectId": f"aad-bench-{user}"},
        "conversation": {"conversationType": "personal", "id": f"a:bench-{user}",
                         "tenantId": "tenant-bench"},
        "recipient": {"id": "28:bench-bot", "name": "Opslag"},
        "text": "hjælp", "textFormat": "plain", "locale": "da-DK",
        "channelData": {"tenant": {"id": "tenant-bench"}},
    }


def _percentiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[98]


def _rows(echo: list[float], bare: list[float], ours: list[float], concurrency: int,
          n: int) -> list[dict[str, Any]]:
    (echo50, echo99), (bare50, bare99), (ours50, ours99) = map(_percentiles,
                                                               (echo, bare, ours))
    setting = f"{concurrency} concurrent, n={n}"
    sdk, raw = "Agents SDK echo agent", "bare aiohttp echo"
    return [
        _row(f"Teams message -> HTTP answer p50 (ms), {sdk}, {setting}", echo50, bare50, raw),
        _row(f"Teams message -> HTTP answer p99 (ms), {sdk}, {setting}", echo99, bare99, raw),
        _row(f"Opslag 'hjælp' -> HTTP answer p50 (ms), {setting}", ours50, echo50, sdk),
        _row(f"Opslag 'hjælp' -> HTTP answer p99 (ms), {setting}", ours99, echo99, sdk),
    ]


def _row(what: str, value: float, baseline: float, against: str) -> dict[str, Any]:
    return {"what": what, "value": round(value, 1), "baseline": round(baseline, 1),
            "ratio": round(value / baseline, 2) if baseline else None, "baseline is": against}


if __name__ == "__main__":
    for row in run():
        print(row)
