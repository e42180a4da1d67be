"""The JSON Schema of the strategy format, made from the data models (policy/data.py).

It ships as policy/strategy.schema.json, so that an editor can check a municipality's own file
while it is written (docs/strategy-format.md); `python tools/strategy_schema.py` writes it again
after a change to the models, and tests/test_strategy_revision.py fails while it is out of
date. The schema checks the shape of each key; the checks across keys (a rule's platform is one
of the file's, the questions cover the intake) are the loader's, with `opslag strategi tjek`.
"""

from __future__ import annotations

import json
from typing import Any

from policy.data import Strategy

SCHEMA_FILE = "strategy.schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def strategy_schema() -> dict[str, Any]:
    schema = Strategy.model_json_schema()
    return {
        "$schema": DIALECT,
        "title": "Opslag: strategifil",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def schema_text() -> str:
    """The schema as the shipped file holds it."""
    return json.dumps(strategy_schema(), ensure_ascii=False, indent=2) + "\n"
