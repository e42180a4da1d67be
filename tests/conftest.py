"""Shared fixtures: a real SQLite file in a temporary folder and a clock the test controls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings, load_settings
from bot.core import Core, build_core

# Posts a second per Slack channel in tests: so fast that no test waits for its turn.
TEST_CHANNEL_RATE = 10_000.0


class FakeClock:
    """A clock that only moves when the test moves it."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "opslag.db"


@pytest.fixture
def make_settings(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Settings from explicit values only: the developer's own environment never leaks in."""
    import os

    for name in list(os.environ):
        if name.startswith(("OPSLAG_", "SLACK_", "TEAMS_", "CONNECTIONS__")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(db_path.parent)

    def make(**values: Any) -> Settings:
        values.setdefault("opslag_db", db_path)
        # Slack's own pace (about one post a second per channel) would make a test wait for
        # every few posts; the pacing tests (tests/resilience/test_rate_limits.py) set theirs.
        values.setdefault("slack_channel_rate", TEST_CHANNEL_RATE)
        return load_settings(**values)

    return make


@pytest.fixture
def core(make_settings: Any, clock: FakeClock) -> Iterator[Core]:
    built = build_core(make_settings(opslag_central_users=["chef"]), clock=clock)
    yield built
    built.close()


def intake_data(**overrides: Any) -> dict[str, Any]:
    """A valid intake as a user would send it; tests change only what they are about."""
    data: dict[str, Any] = {
        "audience": ["borgere"],
        "theme": "klima_miljoe",
        "content_type": "nyhed",
        "crisis": False,
        "has_media": True,
        "alt_text": "Vindmøller ved Grenaa i solnedgang",
        "text": "Vi planter 5.000 træer ved Grenaa. Kom og hjælp os på lørdag.",
        "planned_for": "2026-11-30",
        "title": "Træplantning i Grenaa",
        "department": "Teknik og Miljø",
    }
    data.update(overrides)
    return data
