"""The soak: 10,000 proposals against the real server process at a steady rate, then a burst
as fast as 50 users can go, then the week's overview with all of them pending. Does the server
keep up, and does it stay small?

Two child processes on loopback: `python -m opslag serve` (a fresh SQLite file, review channel
CREVIEW, outbox and scheduler running as in production) and the tests' fake Slack Web API
(`bench._apps fake-slack`), which records when each message arrives. The bench process sends
signed view_submission requests, each a new proposal (a review post and a DM to deliver), from
`CONCURRENCY` users, and times them.

- steady: `PROPOSALS` at `RATE` a second on a fixed schedule (at most `CONCURRENCY` unanswered);
  an ack's time runs from when its request was due, so a server that falls behind shows as
  slow acks, not as a slower stream. `RATE` is what this 2-core machine can carry end to end
  (acks and both deliveries) with room to spare; the issue's soak sent as fast as it could,
  which the burst below does.
- burst: `BURST` more, each user sending its next one as soon as the last is answered: the
  server's own pace, past what it can carry end to end. Before the fix the outbox fell behind
  here, and its backlog made every round of it slower. No target: at full load the acks (which
  Slack drops after 3 s) go first and the review channel, posted to one message at a time and
  in order, may fall behind until the burst ends; the row shows by how much.

Rows, each beside a baseline from the same run:
- ack p50/p99 of the last `WINDOW` steady proposals against the first `WINDOW` (target p99 <
  300 ms at the end: the server must not slow down as the store grows);
- delivery delay p99: from a proposal's ack until its review post (and, separately, its DM)
  arrived at the fake, all against the first `WINDOW` (target < 10 s); and the same for the
  burst against the steady soak. Messages are matched to acks in order: the k-th review post
  to arrive belongs to the k-th ack (the outbox delivers in the order rows were stored);
- `/foreslå-opslag uge` with everything pending against the same command at start, and GET
  /healthz while those commands run against GET /healthz when idle;
- peak RSS (VmHWM) of the server at the end against the same process idle after start
  (target < 150 MB).

The fake Slack has no rate limit, so SLACK_CHANNEL_RATE is set far above Slack's real one
(about 1 post a second per channel): at Slack's rate 10,000 review posts in one channel take
close to three hours whatever the server does, and the delay measured would be Slack's, not
ours. The pacer still runs (the same code path), only its rate is out of the way.

    python -m bench --only soak             # the table rows (about 5 minutes)
    python -m bench.bench_soak --trace      # the server under tracemalloc: where memory grows

Bounded: a fixed number of requests, each phase capped at its deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench._apps import BOT_TOKEN, REVIEW_CHANNEL, SIGNING_SECRET
from bench._support import Request, Served, clean_env, percentiles, row, serving, signed

PROPOSALS = 10_000
RATE = 50.0  # proposals a second, on a fixed schedule (see the module doc)
BURST = 2_000  # proposals as fast as the users go
CONCURRENCY = 50
WINDOW = 500  # the first and the last this many acks are compared
DEADLINE = 300.0  # seconds for one phase of submissions
DRAIN_DEADLINE = 120.0  # seconds after the last ack for the outbox to deliver the rest
TRACE_RATE = 6.0
WEEK_COMMANDS = 20
HEALTH_PROBES = 50
FORM = "application/x-www-form-urlencoded"
MB = 1024.0
# Far above Slack's ~1/s per channel: the fake has no limit (see the module doc).
CHANNEL_RATE = "100000"
CHANNEL_BURST = "1000"
# Placeholders in the form-encoded template (letters only, so urlencode leaves them alone).
NUMBER, USER = "SOAKNUMBERX", "SOAKUSERX"


def run() -> list[dict[str, Any]]:
    return asyncio.run(_run())


def _servers(argv: tuple[str, ...] = ("-m", "opslag", "serve"),
             **extra_env: str) -> tuple[Served, Served]:
    fake = Served("fake-slack", ["-m", "bench._apps", "fake-slack"], clean_env())
    ours = Served("opslag", list(argv), clean_env(
        OPSLAG_DB="bench.db", HOST="127.0.0.1", SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_REVIEW_CHANNEL=REVIEW_CHANNEL,
        SLACK_CENTRAL_USERS="UCHEF", SLACK_API_URL=f"{fake.base}/api/",
        SLACK_CHANNEL_RATE=CHANNEL_RATE, SLACK_CHANNEL_BURST=CHANNEL_BURST,
        OPSLAG_DIGEST_CRON="0 8 1 1 *",  # no weekly digest during the run
        **extra_env,
    ))
    return fake, ours


# -- requests -----------------------------------------------------------------------------------


class Submissions:
    """Signed view_submission bodies from one form-encoded template: building each payload
    afresh costs ~25 ms of the bench's CPU, which would compete with the server."""

    def __init__(self) -> None:
        from bench.bench_slack import _intake_view
        from tests.conftest import intake_data
        from tests.slack.helpers import view_submission

        view = {**_intake_view(), "id": f"VSOAK{NUMBER}"}
        payload = view_submission(view, intake_data(title=f"Soak {NUMBER}"), USER)
        self.template = urllib.parse.urlencode({"payload": json.dumps(payload)})
        assert NUMBER in self.template and USER in self.template

    def request(self, number: int) -> Request:
        body = self.template.replace(NUMBER, str(number)).replace(
            USER, f"USOAK{number % CONCURRENCY:03d}")
        return signed(body, SIGNING_SECRET, FORM)


def _week_command(number: int) -> Request:
    body = urllib.parse.urlencode({
        "token": "x", "team_id": "T0BENCH", "team_domain": "bench", "channel_id": "CGENERAL",
        "channel_name": "general", "user_id": "UCHEF", "user_name": "chef",
        "command": "/foreslå-opslag", "text": "uge", "api_app_id": "A1",
        "response_url": "http://127.0.0.1:9/unused", "trigger_id": f"trigger-uge-{number}",
    })
    return signed(body, SIGNING_SECRET, FORM)


# -- the soak -----------------------------------------------------------------------------------


@dataclass
class Soak:
    acked_at: list[float] = field(default_factory=list)  # monotonic, in order of answer
    millis: list[float] = field(default_factory=list)  # the same acks' latencies
    late: list[float] = field(default_factory=list)  # ms each request went out after its time
    wall: float = 0.0


async def _soak(client: aiohttp.ClientSession, ours: Served, count: int,
                rate: float | None = RATE, first: int = 0) -> Soak:
    """Send `count` submissions (numbered from `first`) from `CONCURRENCY` users: at `rate` a
    second on a fixed schedule (at most `CONCURRENCY` unanswered), or with `rate` None each
    user's next as soon as its last is answered. With a schedule an ack's time runs from when
    its request was due, not from when a free user sent it: a server that falls behind shows
    as slow acks instead of as a slower stream of requests."""
    url = f"{ours.base}/slack/events"
    submissions = Submissions()
    numbers = itertools.count()
    soak = Soak()
    started = time.monotonic()

    async def user() -> None:
        while (index := next(numbers)) < count:
            due = time.monotonic() if rate is None else started + index / rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            body, headers = submissions.request(first + index)
            soak.late.append(max(0.0, time.monotonic() - due) * 1000)
            async with client.post(url, data=body, headers=headers) as response:
                answer = await response.read()
            if response.status != 200 or b'"update"' not in answer:
                raise RuntimeError(f"submission {first + index}: {response.status} "
                                   f"{answer[:200]!r}")
            done = time.monotonic()
            soak.acked_at.append(done)
            soak.millis.append((done - due) * 1000)

    async with asyncio.timeout(DEADLINE), asyncio.TaskGroup() as group:
        for _ in range(CONCURRENCY):
            group.create_task(user())
    soak.wall = time.monotonic() - started
    return soak


async def _arrivals(client: aiohttp.ClientSession, fake: Served, count: int,
                    timeout: float) -> dict[str, list[float]]:
    """When the fake received each review post and each DM (monotonic, sorted), once `count`
    review posts are in or `timeout` has passed."""
    async with client.get(f"{fake.base}/bench/wait",
                          params={"count": str(count), "timeout": f"{timeout:.1f}"}) as answer:
        await answer.read()
    async with client.get(f"{fake.base}/bench/arrivals") as answer:
        found: dict[str, list[float]] = await answer.json()
    return found


def _delays(acked_at: list[float], arrived: list[float]) -> list[float]:
    """Milliseconds from the k-th ack to the k-th arrival; a message that never came counts as
    arriving now (so a backlog shows, instead of vanishing from the figure)."""
    now = time.monotonic()
    acks = sorted(acked_at)
    arrivals = sorted(arrived)
    return [max(0.0, (arrivals[k] if k < len(arrivals) else now) - acked) * 1000
            for k, acked in enumerate(acks)]


async def _timed_get(client: aiohttp.ClientSession, url: str) -> float:
    started = time.perf_counter()
    async with client.get(url) as answer:
        await answer.read()
        assert answer.status == 200, answer.status
    return (time.perf_counter() - started) * 1000


async def _week(client: aiohttp.ClientSession, ours: Served) -> tuple[list[float], list[float]]:
    """`/foreslå-opslag uge` `WEEK_COMMANDS` times, one after another, while GET /healthz is
    probed every 10 ms: the commands' ack times and the probes' times."""
    url = f"{ours.base}/slack/events"
    commands: list[float] = []
    probes: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        while not done.is_set() and len(probes) < HEALTH_PROBES * 10:
            probes.append(await _timed_get(client, f"{ours.base}/healthz"))
            await asyncio.sleep(0.01)

    prober = asyncio.create_task(probe())
    try:
        for number in range(WEEK_COMMANDS):
            body, headers = _week_command(number)
            started = time.perf_counter()
            async with client.post(url, data=body, headers=headers) as response:
                answer = await response.read()
                if response.status != 200 or b"blocks" not in answer:
                    raise RuntimeError(f"uge: {response.status} {answer[:200]!r}")
            commands.append((time.perf_counter() - started) * 1000)
    finally:
        done.set()
        await prober
    return commands, probes


async def _idle_health(client: aiohttp.ClientSession, ours: Served) -> list[float]:
    probes = []
    for _ in range(HEALTH_PROBES):
        probes.append(await _timed_get(client, f"{ours.base}/healthz"))
        await asyncio.sleep(0.01)
    return probes


@dataclass
class Phase:
    """One phase's acks and when its review posts and DMs arrived."""

    soak: Soak
    arrived: dict[str, list[float]]
    cpu_ms: float  # server CPU per proposal, until its messages were delivered
    drained: float  # seconds from the last ack until the last message arrived

    def delays(self, kind: str) -> list[float]:
        return _delays(self.soak.acked_at, self.arrived[kind])


async def _phase(client: aiohttp.ClientSession, fake: Served, ours: Served, count: int,
                 rate: float | None, first: int) -> Phase:
    cpu = ours.cpu_seconds()
    soak = await _soak(client, ours, count, rate, first)
    everything = await _arrivals(client, fake, first + count, DRAIN_DEADLINE)
    arrived = {kind: sorted(times)[first:] for kind, times in everything.items()}
    cpu_ms = (ours.cpu_seconds() - cpu) * 1000 / count
    last_ack = max(soak.acked_at)
    drained = max([*arrived["review"], *arrived["dm"], last_ack]) - last_ack
    return Phase(soak, arrived, cpu_ms, drained)


async def _run(count: int = PROPOSALS, burst: int = BURST) -> list[dict[str, Any]]:
    fake, ours = _servers()
    connector = aiohttp.TCPConnector(limit=CONCURRENCY + 5)
    with serving(fake, ours):
        async with aiohttp.ClientSession(connector=connector) as client:
            await asyncio.sleep(1.0)  # let start-up settle before reading the idle figures
            idle_kb = ours.status_kb("VmHWM")
            idle_health = await _idle_health(client, ours)
            week_before, _ = await _week(client, ours)
            steady = await _phase(client, fake, ours, count, RATE, 0)
            fast = await _phase(client, fake, ours, burst, None, count)
            week_after, busy_health = await _week(client, ours)
            peak_kb = ours.status_kb("VmHWM")
            end_kb = ours.status_kb("VmRSS")
    rows = _steady_rows(steady)
    rows += _burst_rows(fast, steady)
    rows += _week_rows(count + burst, (week_before, week_after), (idle_health, busy_health))
    rows.append(row("memory", f"server peak RSS (VmHWM, MB) after the soak of {count + burst:,}",
                    peak_kb / MB, idle_kb / MB, "same process, idle after start",
                    rss_at_end_mb=f"{end_kb / MB:.0f}", target="< 150 MB"))
    return rows


def _steady_rows(phase: Phase) -> list[dict[str, Any]]:
    soak = phase.soak
    count = len(soak.millis)
    (f50, f99), (l50, l99) = percentiles(soak.millis[:WINDOW]), percentiles(soak.millis[-WINDOW:])
    setting = f"{count:,} proposals at {RATE:.0f}/s"
    notes = {"n": count, "users": CONCURRENCY, "sent_in_s": f"{soak.wall:.1f}",
             "latest_send_ms": f"{max(soak.late):.0f}",
             "server_cpu_ms_per_proposal": f"{phase.cpu_ms:.1f}"}
    base_acks = f"first {WINDOW} acks, same run"
    rows = [
        row("soak", f"ack p50 (ms), last {WINDOW}, {setting}", l50, f50, base_acks, **notes),
        row("soak", f"ack p99 (ms), last {WINDOW}, {setting}", l99, f99, base_acks, **notes,
            target="< 300 ms"),
    ]
    for kind, what in (("review", "review post"), ("dm", "DM to proposer")):
        delays = phase.delays(kind)
        rows.append(row(
            "soak", f"delivery delay p99 (ms), ack -> {what}, {setting}",
            percentiles(delays)[1], percentiles(delays[:WINDOW])[1],
            f"first {WINDOW} proposals, same run", delivered=f"{len(phase.arrived[kind])}",
            drained_s_after_last_ack=f"{phase.drained:.1f}", channel_rate=CHANNEL_RATE,
            target="< 10 s",
        ))
    return rows


def _burst_rows(phase: Phase, steady: Phase) -> list[dict[str, Any]]:
    soak = phase.soak
    count = len(soak.millis)
    a50, a99 = percentiles(soak.millis)
    notes = {"n": count, "users": CONCURRENCY, "proposals_per_s": f"{count / soak.wall:.0f}",
             "ack_p50_p99_ms": f"{a50:.0f}/{a99:.0f}",
             "delivered": f"{len(phase.arrived['review'])}+{len(phase.arrived['dm'])}",
             "drained_s_after_last_ack": f"{phase.drained:.1f}",
             "server_cpu_ms_per_proposal": f"{phase.cpu_ms:.1f}"}
    return [row(
        "soak", f"delivery delay p99 (ms), ack -> review post, burst of {count:,} as fast as "
        f"{CONCURRENCY} users go", percentiles(phase.delays("review"))[1],
        percentiles(steady.delays("review"))[1], f"steady soak at {RATE:.0f}/s, same run",
        **notes,
    )]


def _week_rows(pending: int, week: tuple[list[float], list[float]],
               health: tuple[list[float], list[float]]) -> list[dict[str, Any]]:
    (w_before, w_after), (h_idle, h_busy) = week, health
    return [
        row("soak", f"/foreslå-opslag uge -> ack p50 (ms), {pending:,} pending",
            statistics.median(w_after), statistics.median(w_before),
            "same command at start (nothing pending)", n=WEEK_COMMANDS),
        row("soak", f"GET /healthz p99 (ms) while uge runs, {pending:,} pending",
            percentiles(h_busy)[1], percentiles(h_idle)[1], "GET /healthz idle at start",
            n=len(h_busy)),
    ]


# -- where memory goes: the server under tracemalloc ---------------------------------------------


async def _trace(count: int, top: int, rate: float) -> None:
    """Run the soak against the server wrapped in `bench._traced` (tracemalloc on), with
    snapshots after start, at half-way and at the end; print what grew most."""
    fake, ours = _servers(("-m", "bench._traced"), OPSLAG_TRACE_TOP=str(top))
    connector = aiohttp.TCPConnector(limit=CONCURRENCY + 5)
    with serving(fake, ours):
        async with aiohttp.ClientSession(connector=connector) as client:
            await _snapshot(client, ours, "start")
            await _soak(client, ours, count // 2, rate)
            await _snapshot(client, ours, "half")
            await _soak(client, ours, count - count // 2, rate)
            await _arrivals(client, fake, count, DRAIN_DEADLINE)
            await _snapshot(client, ours, "end")
            print(f"VmHWM {ours.status_kb('VmHWM') / MB:.0f} MB, "
                  f"VmRSS {ours.status_kb('VmRSS') / MB:.0f} MB")
            async with client.get(f"{ours.base}/bench/trace") as answer:
                print(await answer.text())


async def _snapshot(client: aiohttp.ClientSession, ours: Served, name: str) -> None:
    async with client.post(f"{ours.base}/bench/snapshot", params={"name": name}) as answer:
        await answer.read()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_soak", description=__doc__)
    parser.add_argument("-n", type=int, default=PROPOSALS, help="proposals at the steady rate")
    parser.add_argument("--burst", type=int, default=BURST, help="proposals in the burst")
    parser.add_argument("--trace", action="store_true",
                        help="run the server under tracemalloc and print what grew")
    parser.add_argument("--top", type=int, default=25, help="lines of the trace to print")
    parser.add_argument("--rate", type=float, default=TRACE_RATE,
                        help="proposals a second under --trace (tracemalloc slows the server)")
    args = parser.parse_args(argv)
    if args.trace:
        asyncio.run(_trace(args.n, args.top, args.rate))
        return 0
    for line in asyncio.run(_run(args.n, args.burst)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
