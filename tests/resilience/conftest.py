"""Fixtures for the resilience tests: settings with Slack and Teams on (against the fakes of
tests/conftest.py), an in-process server (`build_app` on a loopback port) and clients that
talk to it like the platforms do."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.config import Settings
from tests.conftest import TEST_CHANNEL_RATE, FakeClock
from tests.fakes.connector import FakeConnector
from tests.fakes.slack_api import FakeSlackApi
from tests.resilience.harness import CHEF, REVIEW_CHANNEL, Client, ServeProcess
from tests.slack.helpers import SECRET, SlackServer
from tests.teams import activities as A

StartServer = Callable[..., Awaitable[SlackServer]]
Serve = Callable[..., Awaitable[ServeProcess]]
MakeClient = Callable[[str], Awaitable[Client]]


def platform_values(slack_api: FakeSlackApi) -> dict[str, Any]:
    """Slack (signed, against the fake Web API) and Teams (local mode) both on."""
    return {
        "slack_bot_token": "xoxb-test",
        "slack_signing_secret": SECRET,
        "slack_review_channel": REVIEW_CHANNEL,
        "slack_central_users": [CHEF],
        "slack_api_url": slack_api.url,
        "teams_central_users": [A.CENTRAL.aad],
        # No weekly digest unless a test asks for one.
        "opslag_digest_cron": "0 8 1 1 *",
        # No waiting for Slack's per-channel pace unless a test sets its own.
        "slack_channel_rate": TEST_CHANNEL_RATE,
    }


@pytest.fixture
def both_settings(make_settings: Any, slack_api: FakeSlackApi) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        settings: Settings = make_settings(**{**platform_values(slack_api), **overrides})
        return settings

    return make


@pytest.fixture
async def start_server(
    both_settings: Callable[..., Settings], clock: FakeClock, slack_api: FakeSlackApi
) -> AsyncIterator[StartServer]:
    """An in-process server with both platforms (several, for restarts); all stop at the end."""
    started: list[SlackServer] = []

    async def start(*, background: bool = True, **overrides: Any) -> SlackServer:
        # Without background the test delivers with run_once on its clock; no schedule.
        server = SlackServer(both_settings(**overrides), clock, slack_api, background=background)
        started.append(server)
        return await server.start()

    yield start
    for server in started:
        await server.stop()


@pytest.fixture
async def make_client(connector: FakeConnector) -> AsyncIterator[MakeClient]:
    clients: list[Client] = []

    async def make(url: str) -> Client:
        client = Client(url, connector.service_url)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def serve(
    slack_api: FakeSlackApi, db_path: Any, tmp_path: Any
) -> AsyncIterator[Serve]:
    """Start `python -m opslag serve` processes on the test's database; all end with the test."""
    processes: list[ServeProcess] = []

    async def start(name: str = "server", **overrides: Any) -> ServeProcess:
        values = {**platform_values(slack_api), **overrides}
        process = ServeProcess(values, db_path, tmp_path, name)
        processes.append(process)
        return await process.start()

    yield start
    for process in processes:
        await process.stop()
