"""`python -m bench [--only NAME] [-n N]`: run every bench/bench_*.py, print one table.

Each row is one figure beside the same figure for a baseline measured in the same run (ratio =
value / baseline): on a shared, noisy machine the ratio means more than the absolute figure.
`-n` is passed to the modules whose `run` takes it (the policy bench's number of calls).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import pkgutil
import platform
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# The order of the table; a bench module may also report rows under another label (memory).
ORDER = ("policy", "slack", "teams", "digest", "reminders", "calendar", "report", "soak",
         "memory")
BASELINE_KEYS = ("baseline is", "baseline_is")
CORE_KEYS = ("bench", "what", "value", "baseline", "ratio", *BASELINE_KEYS)


def modules() -> list[str]:
    here = [str(Path(__file__).resolve().parent)]
    found = [m.name for m in pkgutil.iter_modules(here) if m.name.startswith("bench_")]
    return sorted(found, key=_position)


def _position(name: str) -> tuple[int, str]:
    label = name.removeprefix("bench_")
    return (ORDER.index(label) if label in ORDER else len(ORDER), label)


def run_module(name: str, n: int | None) -> list[dict[str, Any]]:
    module = importlib.import_module(f"bench.{name}")
    takes_n = "n" in inspect.signature(module.run).parameters
    result = module.run(n) if n is not None and takes_n else module.run()
    rows = result["rows"] if isinstance(result, dict) else result
    return [{"bench": name.removeprefix("bench_"), **row} for row in rows]


def _figure(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)


def _baseline_is(row: dict[str, Any]) -> str:
    return next((str(row[key]) for key in BASELINE_KEYS if row.get(key)), "")


def table(rows: list[dict[str, Any]]) -> list[str]:
    """The rows as text columns: bench, what, value, baseline, ratio, baseline is, notes."""
    cells = [
        [str(row["bench"]), str(row.get("what", "?")), _figure(row.get("value")),
         _figure(row.get("baseline")), _figure(row.get("ratio")), _baseline_is(row),
         ", ".join(f"{k}={v}" for k, v in row.items() if k not in CORE_KEYS)]
        for row in rows
    ]
    head = ["bench", "what", "value", "baseline", "ratio", "baseline is", "notes"]
    widths = [max(len(line[i]) for line in [head, *cells]) for i in range(len(head) - 1)]
    right = {2, 3, 4}

    def line(values: list[str]) -> str:
        parts = [v.rjust(w) if i in right else v.ljust(w)
                 for i, (v, w) in enumerate(zip(values, widths, strict=False))]
        return "  ".join([*parts, values[-1]]).rstrip()

    rule = "-" * len(line(head))
    return [line(head), rule, *(line(c) for c in cells)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("-n", type=int, default=None, help="timed calls, where a bench takes it")
    parser.add_argument("--only", default=None, help="run only bench_<ONLY>")
    args = parser.parse_args(argv)

    load = os.getloadavg()[0]
    started = time.monotonic()
    rows: list[dict[str, Any]] = []
    failed: list[str] = []
    for name in modules():
        if args.only and name != f"bench_{args.only}":
            continue
        print(f"... {name}", file=sys.stderr, flush=True)
        try:
            rows.extend(run_module(name, args.n))
        except Exception:  # one broken bench must not hide the others' figures
            failed.append(name)
            traceback.print_exc()
    rows.sort(key=lambda row: _position(str(row["bench"])))

    print(
        f"Opslag benchmarks: Python {platform.python_version()} on {platform.system()} "
        f"{platform.machine()}, os.cpu_count() = {os.cpu_count()}, load average {load:.2f} at "
        f"start, {time.monotonic() - started:.0f} s in all"
    )
    print("\n".join(table(rows)))
    for name in failed:
        print(f"{name}: failed (traceback above)")
    return 1 if failed or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
