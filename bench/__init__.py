"""Benchmarks, run with `python -m bench` (or `make bench`); never part of the test suite.

Each `bench/bench_*.py` module has a `run(...)` returning a list of rows, one figure each (or a
dict holding them under "rows" next to its raw figures):
`{"what": str, "value": float, "baseline": float, "ratio": float | None, ...}` where the
baseline is measured in the same run (so the ratio means something on any machine) and any
further keys are shown as notes. `python -m bench` runs every such module and prints one table.
"""
