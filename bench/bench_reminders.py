"""How long a round of reminders holds the store thread, for a store of 10,000 proposals with
about a thousand waiting past the SLA.

    python -m bench --only reminders

A round (`bot.reminders.Reminders.run_due`) runs on the store thread, where Slack's and Teams'
requests wait behind it: it sends at most `PER_ROUND` reminders of each sort and remembers
what it has asked today. Measured: the first round of a working day (the most it sends), and
a round once all waiting proposals were reminded that day (nothing left to send). The
baseline, in the same run and on the same store, is the weekly digest's read and build
(`schedule.load_digest`), which also runs there.
Figures in milliseconds, the median of several runs (each on a fresh copy of the store for the
first round).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_digest import NOW, WEEK, fill, median_ms
from bot import schedule
from bot.config import load_settings
from bot.core import Core, build_core
from bot.reminders import PER_ROUND, Reminders

RUNS = 5


def _core(path: Path) -> Core:
    return build_core(load_settings(opslag_db=path, opslag_reminders=True), clock=lambda: NOW)


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        seeded = Path(folder) / "seeded.db"
        core = _core(seeded)
        try:
            fill(core)
            waiting = len(core.store.pending_waiting_since(NOW))
            baseline = median_ms(lambda: schedule.load_digest(core, WEEK))
        finally:
            core.close()
        first, later = [], []
        for run_number in range(RUNS):
            copy = Path(folder) / f"run{run_number}.db"
            shutil.copy(seeded, copy)
            core = _core(copy)
            try:
                reminders = Reminders(core)
                first.append(_timed(reminders.run_due))
                while reminders.run_due():  # the rest of the backlog, a round at a time
                    pass
                later.append(_timed(reminders.run_due))
            finally:
                core.close()
    what = "load the week's rows + build the digest"
    return [
        _row(f"first round of the day: {PER_ROUND} reminders sent (ms)",
             statistics.median(first), baseline, what, waiting=waiting),
        _row("a round once all were reminded today (ms)", statistics.median(later),
             baseline, what),
    ]


def _timed(work: Any) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


def _row(what: str, value: float, baseline: float, baseline_is: str,
         **extra: Any) -> dict[str, Any]:
    return {"what": what, "value": round(value, 2), "baseline": baseline,
            "ratio": round(value / baseline, 3) if baseline else None,
            "baseline_is": baseline_is, **extra}


if __name__ == "__main__":
    for row in run():
        print(row)
