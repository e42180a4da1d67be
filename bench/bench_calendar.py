"""The calendar feed under load: Slack slash-command acks while 10 calendar GETs run at once,
against the same commands without calendar load, measured in the same run.

Two child processes on loopback: `python -m opslag serve` on a SQLite file this bench fills
first with 10,000 proposals (most approved, planned from a year back to two years ahead, so
about half fall in the feed's window), and the tests' fake Slack Web API
(`bench._apps fake-slack`) for the modal each command opens. The bench process sends signed
requests and times them.

Each round, alternating:
- baseline: `/foreslå-opslag` at `COMMAND_RATE` a second on a fixed schedule (each sent on
  time, answered or not), `COMMANDS` in all;
- loaded: the bench process approves one more proposal (through its own connection to the
  file, as another process would, so the server's cached feed is out of date), then sends
  `CALENDAR_GETS` GETs of /kalender.ics at once while the same stream of commands runs until
  the feeds have arrived (at least `COMMANDS`, at most `MAX_COMMANDS`). Every feed must hold
  the proposal just approved;
- cached: the same GETs again with nothing changed.
The median round is reported. Notes give the CPU time of one build in the server's worker
process (from /proc): before the fix the event loop spent it.

Run alone: `python -m bench --only calendar`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import os
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench._apps import BOT_TOKEN, REVIEW_CHANNEL, SIGNING_SECRET
from bench._support import Served, clean_env, percentiles, row, serving, session
from bench.bench_slack import _command
from bot import calendar
from bot.config import load_settings
from bot.core import Core, build_core
from bot.proposal import Actor, Decision, Proposal, Status
from policy import parse_intake, recommend

PROPOSALS = 10_000
CALENDAR_GETS = 10
COMMAND_RATE = 50  # slash commands a second
COMMANDS = 200
MAX_COMMANDS = 2_500  # 50 s at COMMAND_RATE, within DEADLINE
IN_FLIGHT = 100  # client connections: commands queue at the server, not in the client
ROUNDS = 3
DEADLINE = 60.0  # seconds for any one burst
TOKEN = "bench-kalender-token"
CHEF = Actor(platform="console", user_id="chef", name="Chef")
THEMES = ["bosaetning", "erhverv_job", "infrastruktur", "klima_miljoe", "rekruttering",
          "destinationer", "natur_kultur"]
# Most approved; some waiting (the rounds approve these), a few turned down.
STATUSES = [Status.APPROVED] * 85 + [Status.PENDING] * 10 + [Status.REJECTED] * 5


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-calendar-") as folder:
        path = Path(folder) / "calendar.db"
        with _core(path) as core:
            _fill(core, dt.date.today())
            return asyncio.run(_run(core, path))


def _core(path: Path) -> Core:
    return build_core(load_settings(opslag_db=path, opslag_central_users=["chef"]))


# -- the store ----------------------------------------------------------------------------------


def _proposal(rng: random.Random, index: int, today: dt.date) -> Proposal:
    planned = today + dt.timedelta(days=rng.randrange(-365, 2 * 365))
    created = dt.datetime.combine(planned, dt.time(9), tzinfo=dt.UTC) - dt.timedelta(days=14)
    intake = parse_intake({
        "audience": [rng.choice(["borgere", "tilflyttere", "erhverv", "unge_voksne"])],
        "theme": rng.choice(THEMES), "content_type": rng.choice(["nyhed", "god_historie"]),
        "has_media": True, "alt_text": "Billede", "text": "En kort tekst om noget godt.",
        "planned_for": planned.isoformat(), "title": f"Opslag {index}: {rng.randrange(10**6)}",
    })
    rec = recommend(intake)
    person = f"user{index % 300}"
    return Proposal(
        id=0, created_at=created, updated_at=created, source="console",
        proposer=Actor(platform="console", user_id=person, name=person.title()),
        intake=intake, recommendation=rec, policy_version=rec.policy_version,
        status=rng.choice(STATUSES),
    )


def _fill(core: Core, today: dt.date, count: int = PROPOSALS, seed: int = 9) -> None:
    rng = random.Random(seed)
    with core.store.transaction():
        for index in range(count):
            core.store.insert_proposal(_proposal(rng, index, today))


def _approve_one(core: Core) -> str:
    """Approve a pending proposal inside the window; its calendar UID."""
    first, last = calendar.window(dt.date.today())
    pending = (p for p in core.store.pending_oldest_first()
               if p.intake.planned_for and first <= p.intake.planned_for <= last)
    proposal = next(pending)
    core.workflow.decide(proposal.id, Decision.APPROVE, CHEF)
    return calendar.uid(proposal.id)


def _in_window(core: Core) -> int:
    return len(core.store.approved_planned_between(*calendar.window(dt.date.today())))


# -- load ---------------------------------------------------------------------------------------


@dataclass
class Round:
    ack_p50: float
    ack_p99: float
    commands: int
    get_p50: float = 0.0
    get_p99: float = 0.0
    worker_cpu_ms: float = 0.0  # the feed's worker process: the build and nothing else


async def _commands(client: aiohttp.ClientSession, server: Served,
                    until: asyncio.Event | None) -> list[float]:
    """Slash commands at COMMAND_RATE a second on a fixed schedule, each sent on time whether
    or not the earlier ones were answered (Slack's users don't wait for each other): COMMANDS
    in all, or, with `until`, on until it is set (at least COMMANDS, at most MAX_COMMANDS)."""
    url = f"{server.base}/slack/events"
    timings: list[float] = []

    def more(number: int) -> bool:
        if number >= MAX_COMMANDS:
            return False
        return number < COMMANDS or (until is not None and not until.is_set())

    async def one(number: int) -> None:
        body, headers = _command(number)
        started = time.perf_counter()
        async with client.post(url, data=body, headers=headers) as response:
            answer = await response.read()
            if response.status != 200:
                raise RuntimeError(f"slash command answered {response.status}: {answer!r}")
        timings.append((time.perf_counter() - started) * 1000)

    loop = asyncio.get_running_loop()
    start = loop.time()
    async with asyncio.timeout(DEADLINE), asyncio.TaskGroup() as group:
        for number in itertools.count():
            if not more(number):
                break
            await asyncio.sleep(max(0.0, start + number / COMMAND_RATE - loop.time()))
            group.create_task(one(number))
    return timings


async def _feeds(client: aiohttp.ClientSession, server: Served,
                 done: asyncio.Event | None = None) -> tuple[list[float], list[bytes]]:
    """CALENDAR_GETS GETs of the feed at once; their times and bodies."""
    timings: list[float] = []
    bodies: list[bytes] = []

    async def one() -> None:
        started = time.perf_counter()
        async with client.get(f"{server.base}/kalender.ics", params={"token": TOKEN}) as answer:
            body = await answer.read()
            if answer.status != 200:
                raise RuntimeError(f"/kalender.ics answered {answer.status}: {body[:200]!r}")
        timings.append((time.perf_counter() - started) * 1000)
        bodies.append(body)

    try:
        async with asyncio.timeout(DEADLINE), asyncio.TaskGroup() as group:
            for _ in range(CALENDAR_GETS):
                group.create_task(one())
    finally:
        if done is not None:
            done.set()
    return timings, bodies


def _check(bodies: list[bytes], uid: str) -> None:
    if len(bodies) != CALENDAR_GETS or any(uid.encode() not in body for body in bodies):
        raise RuntimeError(f"not every feed holds the proposal just approved ({uid})")


async def _baseline_round(server: Served) -> Round:
    async with session(IN_FLIGHT) as client:
        timings = await _commands(client, server, None)
    return Round(*percentiles(timings), len(timings))


async def _loaded_round(core: Core, server: Served) -> Round:
    uid = _approve_one(core)
    done = asyncio.Event()
    worker = _children_cpu_seconds(server)
    async with session(IN_FLIGHT) as commands, session(CALENDAR_GETS) as gets:
        acks, (feeds, bodies) = await asyncio.gather(
            _commands(commands, server, done), _feeds(gets, server, done))
    worker_ms = (_children_cpu_seconds(server) - worker) * 1000
    _check(bodies, uid)
    return Round(*percentiles(acks), len(acks), *percentiles(feeds), worker_ms)


async def _cached_round(server: Served) -> tuple[float, float]:
    async with session(CALENDAR_GETS) as client:
        timings, _ = await _feeds(client, server)
    return percentiles(timings)


def _children(server: Served) -> list[str]:
    """The server's living child processes: the feed's worker (and multiprocessing's tracker)."""
    return Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()


def _children_cpu_seconds(server: Served) -> float:
    """User + system CPU time of the server's child processes."""
    total = 0.0
    for child in _children(server):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _children_peak_mb(server: Served) -> float:
    """The largest peak resident set (VmHWM) among the server's child processes, in MB."""
    peaks = [0]
    for child in _children(server):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]))
    return max(peaks) / 1024


# -- the run ------------------------------------------------------------------------------------


def _servers(path: Path) -> tuple[Served, Served]:
    fake = Served("fake-slack", ["-m", "bench._apps", "fake-slack"], clean_env())
    ours = Served("opslag", ["-m", "opslag", "serve"], clean_env(
        OPSLAG_DB=str(path), HOST="127.0.0.1", SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_REVIEW_CHANNEL=REVIEW_CHANNEL,
        SLACK_API_URL=f"{fake.base}/api/", OPSLAG_CALENDAR_TOKEN=TOKEN,
        OPSLAG_DIGEST_CRON="0 8 1 1 *",  # no weekly digest during the run
    ))
    return fake, ours


async def _run(core: Core, path: Path) -> list[dict[str, Any]]:
    fake, ours = _servers(path)
    with serving(fake, ours):
        # Warm-up: connections, the worker's start and its first build.
        await _baseline_round(ours)
        await _cached_round(ours)
        baselines, loaded, cached = [], [], []
        for _ in range(ROUNDS):
            baselines.append(await _baseline_round(ours))
            loaded.append(await _loaded_round(core, ours))
            cached.append(await _cached_round(ours))
        worker_mb = _children_peak_mb(ours)
    return _rows(baselines, loaded, cached, _in_window(core), worker_mb)


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def _rows(baselines: list[Round], loaded: list[Round], cached: list[tuple[float, float]],
          events: int, worker_mb: float) -> list[dict[str, Any]]:
    b50, b99 = _median([r.ack_p50 for r in baselines]), _median([r.ack_p99 for r in baselines])
    l50, l99 = _median([r.ack_p50 for r in loaded]), _median([r.ack_p99 for r in loaded])
    g50, g99 = _median([r.get_p50 for r in loaded]), _median([r.get_p99 for r in loaded])
    c50, c99 = _median([c[0] for c in cached]), _median([c[1] for c in cached])
    during = f"{COMMAND_RATE}/s, {CALENDAR_GETS} calendar GETs at once"
    ack_notes = {
        "n": f"{_median([r.commands for r in loaded]):.0f} (baseline {COMMANDS}) x {ROUNDS} "
             "rounds (median round)",
        "target": "p99 < 100 ms",
    }
    base = "same commands, no calendar load"
    feed_notes = {"n": f"{CALENDAR_GETS} x {ROUNDS} rounds (median round)",
                  "events": events, "proposals": PROPOSALS,
                  "worker_cpu_ms_per_build": f"{_median([r.worker_cpu_ms for r in loaded]):.0f}",
                  "worker_peak_rss_mb": f"{worker_mb:.0f}"}
    cache = "same GETs, nothing changed (cached)"
    return [
        row("calendar", f"/foreslå-opslag -> HTTP ack p50 (ms), {during}", l50, b50, base,
            **ack_notes),
        row("calendar", f"/foreslå-opslag -> HTTP ack p99 (ms), {during}", l99, b99, base,
            **ack_notes),
        row("calendar", "GET /kalender.ics p50 (ms), data changed: one shared build", g50, c50,
            cache, **feed_notes),
        row("calendar", "GET /kalender.ics p99 (ms), data changed: one shared build", g99, c99,
            cache, **feed_notes),
    ]


if __name__ == "__main__":
    from bench.__main__ import main

    raise SystemExit(main(["--only", "calendar"]))
