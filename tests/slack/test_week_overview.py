"""`/foreslå-opslag uge` with many proposals waiting: the answer lists the oldest and says how
many more wait, and the server reads only what it lists (the issue: 10,000 pending took 1.9 s
to load and validate on the event loop)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.digest import MAX_LISTED, more_text
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.helpers import SlackServer
from tests.test_digest_bounded import count_loads, seed_waiting

WAITING = 200


async def test_the_week_lists_the_oldest_waiting_and_reads_no_more(
    server: SlackServer, slack_api: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = server.core
    start = server.clock() - dt.timedelta(days=2)
    oldest = (await core.run(seed_waiting, core, start, WAITING, 0))[:MAX_LISTED]
    loaded = count_loads(monkeypatch)

    reply = (await server.command("uge")).json()

    text = json.dumps(reply["blocks"], ensure_ascii=False)
    assert more_text(WAITING - MAX_LISTED) in text  # "… og 185 mere"
    assert f"nr. {oldest[0]}" in text
    assert sorted(loaded) == oldest  # the listed ones, not all 200
    assert slack_api.calls_to("views.open") == []
