"""`python -m bench [-n N] [--only NAME]`: run every bench/bench_*.py, print one table.

`-n` is passed to the modules whose `run` takes it (the number of timed calls).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import pkgutil
import platform
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CORE_KEYS = ("what", "value", "baseline", "ratio")


def modules() -> list[str]:
    here = [str(Path(__file__).resolve().parent)]
    return sorted(m.name for m in pkgutil.iter_modules(here) if m.name.startswith("bench_"))


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("-n", type=int, default=None, help="timed calls, where a bench takes it")
    parser.add_argument("--only", default=None, help="run only bench_<ONLY>")
    args = parser.parse_args(argv)

    rows: list[dict[str, Any]] = []
    failed: list[str] = []
    for name in modules():
        if args.only and name != f"bench_{args.only}":
            continue
        try:
            rows.extend(run_module(name, args.n))
        except Exception:  # one broken bench must not hide the others' figures
            failed.append(name)
            traceback.print_exc()

    print(
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"os.cpu_count() = {os.cpu_count()}"
    )
    header = f"{'bench':<8} {'what':<44} {'value':>12} {'baseline':>12} {'ratio':>8}  notes"
    print(header)
    print("-" * len(header))
    for row in rows:
        notes = ", ".join(f"{k}={v}" for k, v in row.items() if k not in (*CORE_KEYS, "bench"))
        print(
            f"{row['bench']:<8} {row.get('what', '?'):<44} {_figure(row.get('value')):>12} "
            f"{_figure(row.get('baseline')):>12} {_figure(row.get('ratio')):>8}  {notes}"
        )
    for name in failed:
        print(f"{name}: failed (traceback above)")
    return 1 if failed or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
