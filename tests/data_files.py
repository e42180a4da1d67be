"""The project's own copies of the official schemas and the strategy, in tests/data.

They ship with the repository so that a clone runs its tests anywhere. `make check-shared`
(outside `make test`) compares them with the originals where those can be found."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
STRATEGY_TEXT = DATA / "sociale-medier-2023.txt"

SCHEMA_FILES = {
    "adaptive-card": "adaptive-card.1.5.0.json",
    "slack-manifest": "slack-manifest.schema.1.0.0.json",
    "teams-manifest": "MicrosoftTeams.v1.30.schema.json",
}


def schema_path(name: str) -> Path:
    return DATA / "schemas" / SCHEMA_FILES[name]


def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_path(name).read_text(encoding="utf-8"))
    return loaded
