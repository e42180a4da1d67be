"""How fast /api/messages answers Teams message activities, 50 at a time.

Fires `N` Teams-shaped personal-chat messages, `CONCURRENCY` at a time, over loopback and
measures the time to the HTTP answer. Every target is a child process and replies through the
tests' fake Bot Framework connector (in the bench process) before it answers, so each request
makes one outgoing call too:

- Opslag: `python -m opslag serve` (a fresh SQLite file, Teams in local mode, Slack off) answering
  `hjælp`; its baseline is an Agents SDK agent that only echoes, hosted the way the Teams edge
  hosts ours (`bench._apps teams-echo`), so the ratio is what our edge adds;
- that echo agent, against a bare aiohttp handler that posts the echo itself
  (`bench._apps teams-bare`): what the SDK costs, for context.

The three servers are measured in alternating rounds; the median round is reported.
Run alone: `python -m bench --only teams`.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
from typing import Any

from bench._support import Served, clean_env, fire, percentiles, row, serving, session
from tests.fakes.connector import FakeConnector

CONCURRENCY = 50
N = 200
ROUNDS = 3
WARMUP = 20
USERS = 20
DEADLINE = 60.0
_ids = itertools.count(1)


def run() -> list[dict[str, Any]]:
    return asyncio.run(_run())


async def _run() -> list[dict[str, Any]]:
    ours = Served("opslag-teams", ["-m", "opslag", "serve"], clean_env(
        OPSLAG_DB="bench.db", HOST="127.0.0.1", OPSLAG_DIGEST_CRON="0 8 1 1 *"))
    echo = Served("teams-echo", ["-m", "bench._apps", "teams-echo"], clean_env())
    bare = Served("teams-bare", ["-m", "bench._apps", "teams-bare"], clean_env())
    connector = await FakeConnector().start()
    rounds: dict[str, list[tuple[float, float, float]]] = {"ours": [], "echo": [], "bare": []}
    try:
        with serving(ours, echo, bare):
            for _ in range(ROUNDS):
                for name, server in (("ours", ours), ("echo", echo), ("bare", bare)):
                    rounds[name].append(await _round(server, connector))
    finally:
        await connector.close()
    (o50, o99, o_cpu), (e50, e99, e_cpu), (b50, b99, b_cpu) = (
        _median(rounds[name]) for name in ("ours", "echo", "bare"))
    setting = f"{CONCURRENCY} concurrent"
    notes = {"n": f"{N} x {ROUNDS} rounds (median round)"}
    sdk, raw = "Agents SDK agent that only echoes", "bare aiohttp echo, no SDK"
    cpu = f"{o_cpu:.2f} (baseline {e_cpu:.2f})"
    return [
        row("teams", f"Opslag 'hjælp' -> HTTP answer p50 (ms), {setting}", o50, e50, sdk,
            **notes, server_cpu_ms_per_message=cpu, target="p99 < 100 ms"),
        row("teams", f"Opslag 'hjælp' -> HTTP answer p99 (ms), {setting}", o99, e99, sdk,
            **notes, server_cpu_ms_per_message=cpu, target="p99 < 100 ms"),
        row("teams", f"SDK echo agent -> HTTP answer p50 (ms), {setting}", e50, b50, raw,
            **notes, server_cpu_ms_per_message=f"{e_cpu:.2f} (baseline {b_cpu:.2f})"),
        row("teams", f"SDK echo agent -> HTTP answer p99 (ms), {setting}", e99, b99, raw,
            **notes, server_cpu_ms_per_message=f"{e_cpu:.2f} (baseline {b_cpu:.2f})"),
    ]


async def _round(server: Served, connector: FakeConnector) -> tuple[float, float, float]:
    """p50 and p99 of one round, and the server's CPU milliseconds per message."""
    url = f"{server.base}/api/messages"
    async with session(CONCURRENCY) as client:
        warm = [_message(i % USERS, connector.service_url) for i in range(WARMUP)]
        await fire(client, url, warm, CONCURRENCY, deadline=DEADLINE, expect=(200, 201, 202))
        requests = [_message(i % USERS, connector.service_url) for i in range(N)]
        cpu = server.cpu_seconds()
        load = await fire(client, url, requests, CONCURRENCY, deadline=DEADLINE,
                          expect=(200, 201, 202))
        cpu_ms = (server.cpu_seconds() - cpu) * 1000 / N
    if load.timed_out or len(load.timings) < N:
        raise RuntimeError(f"{server.name}: {len(load.timings)}/{N} answers in {DEADLINE:.0f} s")
    replies = len(connector.calls)
    connector.clear()
    if replies < N + WARMUP:
        raise RuntimeError(f"{server.name}: {replies} replies reached the connector, "
                           f"{N + WARMUP} expected")
    return (*percentiles(load.timings), cpu_ms)


def _message(user: int, service_url: str) -> tuple[bytes, dict[str, str]]:
    """A personal-chat message as Teams posts it, as a request body."""
    import json

    activity = {
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
    return json.dumps(activity).encode(), {"Content-Type": "application/json"}


def _median(rounds: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    p50, p99, cpu = (statistics.median(r[i] for r in rounds) for i in (0, 1, 2))
    return p50, p99, cpu


if __name__ == "__main__":
    from bench.__main__ import main

    raise SystemExit(main(["--only", "teams"]))
