"""Exactly once per week and channel when several runners share one database: threads with
a Store each, and separate processes."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from pathlib import Path
from typing import Any

from bot.config import load_settings
from bot.core import Core, build_core
from bot.schedule import Scheduler, Target
from bot.store import OutboxRow
from handlers import platforms
from handlers.teams import TEAMS_REVIEW_REF
from tests.conftest import FakeClock
from tests.test_digest_support import MONDAY_0800, PLATFORMS, at_once, platform_core

# Kept light to import: each spawned process imports this module.
RUNNERS = 6
REVIEW_TARGETS = [Target("slack", "C_REVIEW"), Target("teams", TEAMS_REVIEW_REF)]


def digests(core: Core) -> list[OutboxRow]:
    return [row for row in core.store.outbox_rows() if row.kind == "digest"]


def test_concurrent_runners_in_threads_post_once(make_settings: Any, clock: FakeClock) -> None:
    clock.now = MONDAY_0800
    cores = [platform_core(make_settings, clock) for _ in range(RUNNERS)]
    schedulers = [Scheduler(core) for core in cores]
    results, errors = at_once(Scheduler.run_due, schedulers)
    try:
        assert errors == []
        assert sorted(target for posted in results for target in posted) == REVIEW_TARGETS
        assert [row.platform for row in digests(cores[0])] == ["slack", "teams"]
    finally:
        for core in cores:
            core.close()


def _run_in_process(db: str, now: str, barrier: Any, results: Any) -> None:
    moment = dt.datetime.fromisoformat(now)
    settings = load_settings(opslag_db=db, **PLATFORMS)
    core = build_core(settings, clock=lambda: moment, platforms=platforms(settings))
    try:
        scheduler = Scheduler(core)
        barrier.wait()
        results.put([(t.platform, t.channel) for t in scheduler.run_due()])
    finally:
        core.close()


def test_concurrent_runners_in_processes_post_once(
    make_settings: Any, clock: FakeClock, db_path: Path
) -> None:
    platform_core(make_settings, clock).close()  # the database with its Teams reference
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(3), context.Queue()
    processes = [
        context.Process(
            target=_run_in_process,
            args=(str(db_path), MONDAY_0800.isoformat(), barrier, results),
        )
        for _ in range(3)
    ]
    for process in processes:
        process.start()
    posted = [tuple(target) for _ in processes for target in results.get(timeout=60)]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    assert sorted(posted) == [(t.platform, t.channel) for t in REVIEW_TARGETS]
    core = platform_core(make_settings, clock)
    try:
        assert len(digests(core)) == 2
    finally:
        core.close()
