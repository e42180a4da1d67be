"""Write policy/strategy.schema.json, the JSON Schema of the strategy format, from the data
models (policy/schema.py). Run it after a change to policy/data.py:

    .venv/bin/python tools/strategy_schema.py

tests/test_strategy_revision.py fails while the shipped file is out of date."""

from __future__ import annotations

import sys
from pathlib import Path

from policy.schema import SCHEMA_FILE, schema_text

TARGET = Path(__file__).resolve().parents[1] / "policy" / SCHEMA_FILE


def main() -> int:
    TARGET.write_text(schema_text(), encoding="utf-8")
    print(f"skrev {TARGET}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
