"""Slack over HTTP against the real server process: slash-command acks, proposals end to end,
and the server's peak memory, each beside a baseline measured in the same run.

Three child processes on loopback: `python -m opslag serve` (a fresh SQLite file, the review
channel CREVIEW, the outbox and scheduler running as in production, the weekly digest moved
out of the way), a slack-bolt app that only acks (`bench._apps bolt`), and the tests' fake
Slack Web API (`bench._apps fake-slack`), which both servers call. The bench process only
sends signed requests and times them.

- slash command: `/foreslå-opslag` at `CONCURRENCY` at a time; time to the HTTP ack. Ours also
  opens the modal (views.open) right after each ack, so that work competes too. Both servers
  are measured in alternating rounds; the median round is reported.
- proposals: view_submission requests of the intake modal as Slack sends them, from 1 user one
  after another and from 50 users at once; the time runs from the first request until the fake
  Slack API has received every review post (so: acked, stored, delivered by the outbox). The
  baseline is the same requests answered by the ack-only bolt app.
- memory: VmHWM (peak resident set) of the server process after all of the above, against the
  same process idle after start, and against a bare aiohttp app given the same burst.

Notes give the server's CPU milliseconds per request (from /proc/<pid>/stat, ours and the
baseline's): on a shared 2-core machine they explain a latency or a rate better than the clock.

Run alone: `python -m bench --only slack`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import time
import urllib.parse
from typing import Any

import aiohttp

from bench._apps import BOT_TOKEN, REVIEW_CHANNEL, SIGNING_SECRET
from bench._support import (
    Load,
    Request,
    Served,
    clean_env,
    fire,
    percentiles,
    row,
    serving,
    session,
    signed,
)

COMMAND = "/foreslå-opslag"
CONCURRENCY = 50
ACK_N = 200
ACK_ROUNDS = 5
WARMUP = 20
PROPOSALS_ONE = 60  # one user, one after another
PROPOSALS_MANY = 500  # 50 users at once
PROPOSAL_ROUNDS = 3
DEADLINE = 60.0  # seconds for any one burst
FORM = "application/x-www-form-urlencoded"
MB = 1024.0
_views = itertools.count(1)


def run() -> list[dict[str, Any]]:
    return asyncio.run(_run())


def _servers() -> tuple[Served, Served, Served]:
    fake = Served("fake-slack", ["-m", "bench._apps", "fake-slack"], clean_env())
    api = f"{fake.base}/api/"
    ours = Served("opslag", ["-m", "opslag", "serve"], clean_env(
        OPSLAG_DB="bench.db", HOST="127.0.0.1", SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_REVIEW_CHANNEL=REVIEW_CHANNEL,
        SLACK_CENTRAL_USERS="UCHEF", SLACK_API_URL=api,
        OPSLAG_DIGEST_CRON="0 8 1 1 *",  # no weekly digest during the run
        # The fake has no rate limit and this measures our own throughput: paced at Slack's
        # 1 post/s per channel, 500 review posts to one channel would take 8 minutes.
        SLACK_CHANNEL_RATE="100000", SLACK_CHANNEL_BURST="1000",
    ))
    bare = Served("bolt", ["-m", "bench._apps", "bolt"], clean_env(SLACK_API_URL=api))
    return fake, ours, bare


async def _run() -> list[dict[str, Any]]:
    fake, ours, bare = _servers()
    with serving(fake, ours, bare):
        await asyncio.sleep(1.0)  # let start-up settle before reading the idle figures
        idle_kb = ours.status_kb("VmHWM")
        rows = await _acks(ours, bare)
        rows += await _proposals(fake, ours, bare)
        peak_kb = ours.status_kb("VmHWM")
        bare_peak_kb = bare.status_kb("VmHWM")
    aiohttp_peak_kb = await _bare_aiohttp_peak()
    rows += _memory_rows(peak_kb, idle_kb, bare_peak_kb, aiohttp_peak_kb)
    return rows


# -- slash command acks -------------------------------------------------------------------------


def _command(number: int) -> Request:
    body = urllib.parse.urlencode({
        "token": "x", "team_id": "T0BENCH", "team_domain": "bench", "channel_id": "CGENERAL",
        "channel_name": "general", "user_id": f"U{number % CONCURRENCY:05d}",
        "user_name": f"u{number}", "command": COMMAND, "text": "Vi planter træer på lørdag",
        "api_app_id": "A1", "response_url": "http://127.0.0.1:9/unused",
        "trigger_id": f"trigger-{number}",
    })
    return signed(body, SIGNING_SECRET, FORM)


async def _ack_round(server: Served) -> tuple[float, float, float]:
    """p50 and p99 of one round, and the server's CPU milliseconds per command (work done
    after the ack included, once the fake has answered the last views.open)."""
    url = f"{server.base}/slack/events"
    async with session(CONCURRENCY) as client:
        await fire(client, url, [_command(i) for i in range(WARMUP)], CONCURRENCY,
                   deadline=DEADLINE)
        requests = [_command(i) for i in range(ACK_N)]
        cpu = server.cpu_seconds()
        load = await fire(client, url, requests, CONCURRENCY, deadline=DEADLINE)
        await asyncio.sleep(0.2)  # the modals opened after the last acks
        cpu_ms = (server.cpu_seconds() - cpu) * 1000 / ACK_N
    _complete(load, ACK_N, server.name)
    return (*percentiles(load.timings), cpu_ms)


async def _acks(ours: Served, bare: Served) -> list[dict[str, Any]]:
    ours_rounds, bare_rounds = [], []
    for _ in range(ACK_ROUNDS):
        ours_rounds.append(await _ack_round(ours))
        bare_rounds.append(await _ack_round(bare))
    p50, p99, cpu = (statistics.median(r[i] for r in ours_rounds) for i in (0, 1, 2))
    b50, b99, bare_cpu = (statistics.median(r[i] for r in bare_rounds) for i in (0, 1, 2))
    setting = f"{CONCURRENCY} concurrent"
    notes = {"n": f"{ACK_N} x {ACK_ROUNDS} rounds (median round)",
             "server_cpu_ms_per_command": f"{cpu:.2f} (baseline {bare_cpu:.2f})",
             "target": "p99 < 100 ms"}
    base = "bolt app that only acks"
    return [
        row("slack", f"/foreslå-opslag -> HTTP ack p50 (ms), {setting}", p50, b50, base, **notes),
        row("slack", f"/foreslå-opslag -> HTTP ack p99 (ms), {setting}", p99, b99, base, **notes),
    ]


# -- proposals end to end -----------------------------------------------------------------------


def _intake_view() -> dict[str, Any]:
    """The modal the server opens for an empty `/foreslå-opslag`, as views.open receives it."""
    from handlers.slack.views import draft_answers, intake_modal

    answers, notice = draft_answers("")
    return intake_modal(answers, notice=notice)


def _submissions(count: int, users: int) -> list[Request]:
    from tests.conftest import intake_data
    from tests.slack.helpers import view_submission

    view = _intake_view()
    requests = []
    for number in range(count):
        answers = intake_data(title=f"Bench-opslag {number}")
        # Each modal Slack opens has its own view id; the server stores one proposal per view.
        opened = {**view, "id": f"VBENCH{next(_views)}"}
        payload = view_submission(opened, answers, f"UBENCH{number % users:03d}")
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        requests.append(signed(body, SIGNING_SECRET, FORM))
    return requests


async def _delivered(client: aiohttp.ClientSession, fake: Served, count: int,
                     timeout: float) -> int:
    async with client.get(f"{fake.base}/bench/wait",
                          params={"count": str(count), "timeout": f"{timeout:.1f}"}) as answer:
        return int((await answer.json())["count"])


async def _end_to_end(fake: Served, ours: Served, requests: list[Request],
                      concurrency: int) -> tuple[float, Load, int, float]:
    """Proposals per second until every review post arrived; also the burst itself, how many
    posts arrived and the server's CPU milliseconds per proposal."""
    url = f"{ours.base}/slack/events"
    async with session(concurrency) as client:
        async with client.post(f"{fake.base}/bench/reset") as answer:
            await answer.read()
        cpu = ours.cpu_seconds()
        started = time.perf_counter()
        load = await fire(client, url, requests, concurrency, deadline=DEADLINE,
                          keep_bodies=True)
        left = max(1.0, DEADLINE - (time.perf_counter() - started))
        posts = await _delivered(client, fake, len(requests), left)
        elapsed = time.perf_counter() - started
        cpu_ms = (ours.cpu_seconds() - cpu) * 1000 / max(1, len(requests))
    _complete(load, len(requests), ours.name)
    refused = [body for body in load.bodies if b'"update"' not in body]
    if refused or posts < len(requests):
        raise RuntimeError(f"proposals not all stored and delivered: {posts}/{len(requests)} "
                           f"review posts; first refusal: {refused[:1]!r}")
    return len(requests) / elapsed, load, posts, cpu_ms


async def _ack_only(bare: Served, requests: list[Request], concurrency: int) -> float:
    async with session(concurrency) as client:
        load = await fire(client, f"{bare.base}/slack/events", requests, concurrency,
                          deadline=DEADLINE)
    _complete(load, len(requests), bare.name)
    return len(requests) / load.wall


async def _proposals(fake: Served, ours: Served, bare: Served) -> list[dict[str, Any]]:
    warm = _submissions(WARMUP, CONCURRENCY)
    await _end_to_end(fake, ours, warm, CONCURRENCY)
    await _ack_only(bare, warm, CONCURRENCY)
    rows = []
    for users, count, rounds in ((1, PROPOSALS_ONE, 1),
                                 (CONCURRENCY, PROPOSALS_MANY, PROPOSAL_ROUNDS)):
        measured: list[tuple[float, float, float, float, float]] = []
        for _ in range(rounds):  # alternating, the median round reported
            requests = _submissions(count, users)
            rate, load, _, cpu_ms = await _end_to_end(fake, ours, requests, users)
            bare_rate = await _ack_only(bare, requests, users)
            measured.append((rate, bare_rate, *percentiles(load.timings), cpu_ms))
        rate, bare_rate, p50, p99, cpu_ms = (
            statistics.median(m[i] for m in measured) for i in range(5))
        rounds_note = f" x {rounds} rounds (median round)" if rounds > 1 else ""
        rows.append(row(
            "slack", f"proposals/s end to end (stored + review post), {users} user(s)", rate,
            bare_rate, "same view_submissions, bolt app that only acks",
            n=f"{count}{rounds_note}", ack_p50_p99_ms=f"{p50:.0f}/{p99:.0f}",
            server_cpu_ms_per_proposal=f"{cpu_ms:.1f}",
            target=">= 200/s" if users > 1 else "-",
        ))
    return rows


# -- memory -------------------------------------------------------------------------------------


async def _bare_aiohttp_peak() -> int:
    """VmHWM of a bare aiohttp app after the same 50-user burst of submissions."""
    bare = Served("aiohttp", ["-m", "bench._apps", "aiohttp"], clean_env())
    with serving(bare):
        requests = _submissions(PROPOSALS_MANY, CONCURRENCY)
        async with session(CONCURRENCY) as client:
            await fire(client, f"{bare.base}/slack/events", requests, CONCURRENCY,
                       deadline=DEADLINE)
        return bare.status_kb("VmHWM")


def _memory_rows(peak_kb: int, idle_kb: int, bare_bolt_kb: int,
                 aiohttp_kb: int) -> list[dict[str, Any]]:
    what = "server peak RSS (VmHWM, MB) after all Slack bursts"
    notes = {"target": "< 150 MB"}
    return [
        row("memory", what, peak_kb / MB, idle_kb / MB, "same process, idle after start",
            **notes),
        row("memory", what, peak_kb / MB, bare_bolt_kb / MB,
            "bolt app that only acks, same bursts", **notes),
        row("memory", what, peak_kb / MB, aiohttp_kb / MB,
            "bare aiohttp app, the 50-user burst", **notes),
    ]


def _complete(load: Load, wanted: int, name: str) -> None:
    if load.timed_out or len(load.timings) < wanted:
        raise RuntimeError(f"{name}: {len(load.timings)}/{wanted} answers within {DEADLINE:.0f} s")


if __name__ == "__main__":
    from bench.__main__ import main

    raise SystemExit(main(["--only", "slack"]))
