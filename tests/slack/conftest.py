"""Fixtures for the Slack surface: settings pointing at the fake Web API (`slack_api`, from
tests/conftest.py) and a running server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.config import Settings
from tests.conftest import FakeClock
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.helpers import CHEF, REVIEW_CHANNEL, SECRET, SlackServer

StartServer = Callable[..., Awaitable[SlackServer]]


@pytest.fixture
def slack_settings(make_settings: Any, slack_api: FakeSlackApi) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "slack_bot_token": "xoxb-test",
            "slack_signing_secret": SECRET,
            "slack_review_channel": REVIEW_CHANNEL,
            "slack_central_users": [CHEF],
            "slack_api_url": slack_api.url,
            # The weekly digest would be due at the test clock's Monday morning; keep it quiet
            # here (its own test turns it back on).
            "opslag_digest_cron": "0 8 1 1 *",
        }
        values.update(overrides)
        return make_settings(**values)  # type: ignore[no-any-return]

    return make


@pytest.fixture
async def start_server(
    slack_settings: Callable[..., Settings], clock: FakeClock, slack_api: FakeSlackApi
) -> AsyncIterator[StartServer]:
    """Start a server (several, one after another, for restart tests); all stop at the end."""
    started: list[SlackServer] = []

    async def start(*, background: bool = True, **overrides: Any) -> SlackServer:
        server = SlackServer(slack_settings(**overrides), clock, slack_api, background=background)
        await server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.stop()


@pytest.fixture
async def server(start_server: StartServer) -> SlackServer:
    return await start_server()
