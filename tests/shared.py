"""Where the tests find the files of ../shared: the official schemas and the strategy.

Copies ship in tests/data so that a clone runs anywhere; `test_shared_copies` checks that each
copy is byte for byte the one in shared/ wherever shared/ can be found."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
REPO = Path(__file__).resolve().parents[1]
SHARED_CANDIDATES = [REPO.parent / "shared", Path("/work/shared")]

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


def shared_dir() -> Path | None:
    return next((path for path in SHARED_CANDIDATES if path.is_dir()), None)
