"""The weekly digest end to end on each platform: the real server on loopback, the scheduler's
own first round at Monday 08:00 (FakeClock), the outbox, the platform's real sender, and the
local fakes of the Slack Web API and the Bot Framework connector (tests/fakes/)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from aiohttp.test_utils import TestClient, TestServer

from handlers.teams import TEAMS_REVIEW_REF
from opslag.server import CORE_KEY, SCHEDULER_KEY, build_app
from tests.conftest import FakeClock
from tests.data_files import schema
from tests.fakes.connector import FakeConnector
from tests.fakes.slack_api import FakeSlackApi, wait_until
from tests.slack.helpers import SECRET, SlackServer
from tests.teams import activities as A
from tests.test_digest_support import MONDAY_0800, seed_week_48


async def test_slack_gets_the_digest_in_the_review_and_extra_channels(
    make_settings: Any, clock: FakeClock
) -> None:
    api = FakeSlackApi()
    await api.start()
    settings = make_settings(
        slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
        slack_review_channel="CREVIEW", slack_api_url=api.url,
        opslag_central_users=["chef"], opslag_digest_channels=["slack:CPLAN"],
    )
    server = SlackServer(settings, clock, api)
    seed_week_48(server.core, clock)  # leaves the clock at Monday 08:00
    try:
        await server.start()  # the scheduler's first round posts; the outbox delivers

        def posts() -> list[Any]:
            return [c for c in api.calls if c.method == "chat.postMessage"
                    and str(c.args.get("text", "")).startswith("Uge 48")]

        await wait_until(lambda: len(posts()) == 2)
        assert sorted(call.args["channel"] for call in posts()) == ["CPLAN", "CREVIEW"]
        for call in posts():
            blocks = call.args["blocks"]
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            assert blocks[0]["text"]["text"] == "Uge 48"
            assert call.args["text"] == "Uge 48 · 23.–29. november 2026"
        await server.stop()
        again = await SlackServer(settings, clock, api).start()  # a restart the same week
        assert again.app[SCHEDULER_KEY].run_due() == []
        await again.stop()
        assert len(posts()) == 2
    finally:
        await server.stop()
        await api.stop()


async def test_teams_gets_the_digest_in_the_review_channel(
    make_settings: Any, clock: FakeClock
) -> None:
    validator = jsonschema.Draft6Validator(schema("adaptive-card"))
    connector = await FakeConnector().start()
    clock.now = MONDAY_0800
    # Delivered below with run_once and the schedule's run_due, deterministically.
    app = build_app(make_settings(teams_central_users=[A.CENTRAL.aad]), clock=clock,
                    background=False)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        core = app[CORE_KEY]
        activity = A.message("godkendelseskanal", A.CENTRAL, connector.service_url,
                             where="channel")
        assert (await client.post("/api/messages", json=activity)).status in (200, 202)
        assert core.store.get_ref(TEAMS_REVIEW_REF) is not None
        await core.outbox.run_once()
        connector.clear()
        assert [t.platform for t in app[SCHEDULER_KEY].run_due()] == ["teams"]
        await core.outbox.run_once()
        (call,) = connector.in_conversation(A.REVIEW_CHANNEL)
        validator.validate(call.card)
        assert call.card["body"][0]["text"] == "Uge 48"
    finally:
        await client.close()
        await connector.close()
