"""How long the weekly digest takes for a store of 10,000 proposals.

    python -m bench.bench_digest

The build (`bot.digest.build`, pure) must stay under 200 ms even when handed every row. The
baseline, measured in the same run, is what loading all rows from SQLite costs. Figures are
the median of several runs, in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot import schedule
from bot.config import load_settings
from bot.core import Core, build_core
from bot.digest import build
from bot.proposal import Actor, Proposal, Status
from handlers.slack.digest_render import digest_blocks
from handlers.teams.digest_render import digest_card
from policy import parse_intake, recommend

PROPOSALS = 10_000
RUNS = 7
LIMIT_MS = 200.0
NOW = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)
WEEK = (2026, 48)
THEMES = ["bosaetning", "erhverv_job", "infrastruktur", "klima_miljoe", "rekruttering",
          "destinationer", "natur_kultur"]
# Roughly a municipality's mix: most decided long ago, a few waiting, some without a date.
STATUSES = [Status.APPROVED] * 70 + [Status.REJECTED] * 8 + [Status.WITHDRAWN] * 4 + [
    Status.CHANGES_REQUESTED] * 3 + [Status.PENDING] * 10 + ["tray"] * 5


def _intake(rng: random.Random, planned: dt.date | None) -> dict[str, Any]:
    return {
        "audience": [rng.choice(["borgere", "tilflyttere", "erhverv", "unge_voksne"])],
        "theme": rng.choice(THEMES), "content_type": rng.choice(["nyhed", "god_historie"]),
        "has_media": True, "alt_text": "Billede", "text": "En kort tekst om noget godt.",
        "planned_for": planned.isoformat() if planned else None,
        "title": f"Opslag {rng.randrange(1_000_000)}",
    }


def _proposal(rng: random.Random, index: int) -> Proposal:
    status = rng.choice(STATUSES)
    created = NOW - dt.timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
    planned = None if status == "tray" else created.date() + dt.timedelta(days=rng.randrange(30))
    intake = parse_intake(_intake(rng, planned))
    rec = recommend(intake)
    person = f"user{index % 300}"
    return Proposal(
        id=0, created_at=created, updated_at=created, source="slack",
        proposer=Actor(platform="slack", user_id=person, name=person.title()),
        intake=intake, recommendation=rec, policy_version=rec.policy_version,
        status=Status.APPROVED if status == "tray" else Status(status),
    )


def fill(core: Core, count: int = PROPOSALS, seed: int = 48) -> None:
    rng = random.Random(seed)
    with core.store.transaction():
        for index in range(count):
            core.store.insert_proposal(_proposal(rng, index))


def median_ms(work: Callable[[], object]) -> float:
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        timings.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(timings), 2)


def _row(what: str, value: float, baseline: float, **extra: Any) -> dict[str, Any]:
    return {"what": what, "value": value, "baseline": baseline,
            "ratio": round(value / baseline, 3) if baseline else None, **extra}


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        core = build_core(load_settings(opslag_db=Path(folder) / "bench.db"), clock=lambda: NOW)
        try:
            fill(core)
            return measure(core)
        finally:
            core.close()


def measure(core: Core) -> list[dict[str, Any]]:
    rows = core.store.list_proposals()
    load_all = median_ms(core.store.list_proposals)
    build_all = median_ms(lambda: build(rows, WEEK, NOW, 48))
    end_to_end = median_ms(lambda: schedule.load_digest(core, WEEK))
    payload = schedule.load_digest(core, WEEK).payload("C1")
    baseline = f"load all {len(rows)} rows from SQLite"
    return [
        _row(f"build from all {len(rows)} rows (ms)", build_all, load_all, baseline_is=baseline,
             limit=LIMIT_MS, within_limit=build_all < LIMIT_MS),
        _row("load the week's rows + build (ms)", end_to_end, load_all, baseline_is=baseline),
        _row("render Slack blocks (ms)", median_ms(lambda: digest_blocks(payload)), load_all,
             baseline_is=baseline),
        _row("render Teams card (ms)", median_ms(lambda: digest_card(payload)), load_all,
             baseline_is=baseline),
    ]


def main() -> None:
    for row in run():
        print(row)


if __name__ == "__main__":
    main()
