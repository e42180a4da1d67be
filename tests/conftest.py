"""The test kit, shared by every folder: a real SQLite file in a temporary folder, a clock the
test controls, settings from explicit values only, the local fakes of the platforms (the Slack
Web API and the Bot Framework connector, each on its own loopback port) and valid answers as
people send them."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings, load_settings
from bot.core import Core, build_core
from tests.fakes.connector import FakeConnector
from tests.fakes.slack_api import FakeSlackApi
from tests.strategies import strategy  # noqa: F401 (the fixture: tests/strategies.py)

# Posts a second per Slack channel in tests: so fast that no test waits for its turn.
TEST_CHANNEL_RATE = 10_000.0
# Where settings come from besides explicit values; a test clears them (`isolate_settings`).
ENV_PREFIXES = ("OPSLAG_", "SLACK_", "TEAMS_", "CONNECTIONS__")


def pytest_configure(config: pytest.Config) -> None:
    # microsoft-teams-api warns about its own bot client on every Teams turn.
    config.addinivalue_line(
        "filterwarnings", "ignore:The bot client is deprecated:DeprecationWarning"
    )
    # The SDK's JWT decorator keeps the claims under a plain string request key.
    config.addinivalue_line("filterwarnings", "ignore::aiohttp.web_exceptions.NotAppKeyWarning")


@pytest.fixture(autouse=True)
def _server_logging_undone() -> Iterator[None]:
    """A test that runs the server's `main` in-process sets up the root logger with a plain
    StreamHandler on that test's stderr (opslag/logs.py), which capsys closes afterwards; a
    later test on the same worker would log into the closed stream. Such handlers go, and
    the root level comes back; pytest's own handlers (subclasses) are left to pytest."""
    root = logging.getLogger()
    before, level = set(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        if type(handler) is logging.StreamHandler and handler not in before:
            root.removeHandler(handler)
    root.setLevel(level)


def isolate_settings(patch: pytest.MonkeyPatch, folder: Path) -> None:
    """No setting from the developer's environment or a .env file: work in `folder`, with every
    OPSLAG_/SLACK_/TEAMS_/CONNECTIONS__ variable removed (until `patch` is undone)."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            patch.delenv(name)
    patch.chdir(folder)


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
    isolate_settings(monkeypatch, db_path.parent)

    def make(**values: Any) -> Settings:
        values.setdefault("opslag_db", db_path)
        # Slack's own pace (about one post a second per channel) would make a test wait for
        # every few posts; the pacing tests (tests/resilience/test_rate_limits.py) set theirs.
        values.setdefault("slack_channel_rate", TEST_CHANNEL_RATE)
        # Reminders (bot/reminders.py) would add messages to every test whose proposals wait
        # past the SLA in working hours; their own tests turn them on.
        values.setdefault("opslag_reminders", False)
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


def card_form(**overrides: Any) -> dict[str, Any]:
    """A valid intake as the Teams card submits it: strings, comma lists, "true"/"false"."""
    form: dict[str, Any] = {}
    for key, value in intake_data(**overrides).items():
        if isinstance(value, bool):
            form[key] = "true" if value else "false"
        elif isinstance(value, list):
            form[key] = ",".join(value)
        elif value is not None:
            form[key] = value
    return form


# -- the platforms' fakes ---------------------------------------------------------------------


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    """The fake Slack Web API on loopback; it records every call and fails when told."""
    api = await FakeSlackApi().start()
    yield api
    await api.stop()


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """The fake Bot Framework connector (a Teams service URL) on loopback."""
    fake = await FakeConnector().start()
    yield fake
    await fake.close()
