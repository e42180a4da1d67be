"""The monthly summary in Slack: one message of Block Kit with the chart uploaded as a PNG
(files.getUploadURLExternal, the upload, files.completeUploadExternal: scope files:write),
every text escaped, a link to the full page, and posted once per month and channel, also
across a restart and when the worker that uploaded it died before it could mark it sent.

The real server on loopback (its outbox and schedule driven by hand on a FakeClock), the real
Slack sender, and the fake Slack Web API, which keeps what was posted as Slack does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_sdk.web.async_client import AsyncWebClient

from bot.monthly import Summary
from bot.outbox import LEASE, Outbox
from bot.store import OutboxRow
from handlers.slack.report_post import file_name, summary_blocks
from handlers.slack.sender import SlackSender
from opslag.server import SCHEDULER_KEY
from policy import load_policy, use_policy
from tests.conftest import FakeClock
from tests.fakes.slack_api import Call, FakeSlackApi, wait_until
from tests.slack.conftest import StartServer
from tests.slack.helpers import REVIEW_CHANNEL, SlackServer
from tests.test_digest_support import propose, utc

ROOT = Path(__file__).resolve().parents[2]
# Tuesday 1 December 2026, 08:00 in Copenhagen: November's summary is due.
DECEMBER_1_0800 = utc(2026, 12, 1, 7, 0)
TOKEN = "hemmelig&token|1"
PUBLIC = "https://opslag.norddjurs.dk"
PNG = b"\x89PNG\r\n\x1a\n"
HOSTILE = "Klima & <!channel> *miljø*"


@pytest.fixture
async def slack_api(clock: FakeClock) -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi(now=lambda: clock().timestamp())  # message ts on the test's clock
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def start(start_server: StartServer, clock: FakeClock) -> StartServer:
    """A server on 1 December whose outbox and schedule run only when the test says so."""
    clock.now = DECEMBER_1_0800

    async def started(**overrides: Any) -> SlackServer:
        values = {"opslag_report_token": TOKEN, "opslag_public_url": PUBLIC, **overrides}
        return await start_server(background=False, **values)

    return started


def uploads(api: FakeSlackApi) -> list[Call]:
    return api.sent("files.completeUploadExternal", channel_id=REVIEW_CHANNEL)


def summary_row(server: SlackServer) -> OutboxRow:
    (row,) = [row for row in server.core.store.outbox_rows() if row.kind == "monthly_report"]
    return row


def hostile_strategy(folder: Path) -> Path:
    """The shipped strategy with a focus area named in mrkdwn and a mention."""
    raw = yaml.safe_load((ROOT / "policy" / "strategy.yaml").read_bytes())
    for group in raw["coverage_groups"]:
        if group["key"] == "klima_miljoe":
            group["label"] = HOSTILE
    path = folder / "strategi.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


async def test_the_summary_goes_up_with_its_chart_once(
    start: StartServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    server = await start()
    propose(server.core, clock, utc(2026, 11, 10, 9))
    propose(server.core, clock, utc(2026, 11, 11, 9), theme="rekruttering")
    clock.now = DECEMBER_1_0800
    assert await server.core.outbox.run_once() == 2  # their review posts
    before = len(slack_api.calls)
    server.app[SCHEDULER_KEY].run_due()
    assert await server.core.outbox.run_once() == 1

    # The three steps of files_upload_v2, in order, and nothing posted besides.
    assert [call.method for call in slack_api.calls[before:]] == [
        "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    (announce,) = slack_api.sent("files.getUploadURLExternal")
    row = summary_row(server)
    assert announce.args["filename"] == file_name(row.dedupe_key)
    assert announce.args["alt_txt"].startswith("Linjediagram")
    (file_id,) = slack_api.uploads
    image = slack_api.uploads[file_id]
    assert image.startswith(PNG) and int(announce.args["length"]) == len(image)
    (shared,) = uploads(slack_api)
    blocks = str(shared.args["blocks"])
    assert "Strategien i tal: november 2026" in blocks
    assert "*Forslag*\\n2\\n_oktober: 0_" in blocks
    assert "*Udgivne opslag*\\n0" in blocks
    # The link to the full page, with the token as the URL carries it, escaped for mrkdwn.
    assert (f"<{PUBLIC}/rapport/2026-11?token=hemmelig%26token%7C1|Se hele rapporten for "
            "november 2026>") in blocks
    assert (row.status, row.result) == ("sent", {"channel": REVIEW_CHANNEL,
                                                 "file_id": file_id})

    # The next rounds of the schedule, and the 2nd of December: nothing more.
    server.app[SCHEDULER_KEY].run_due()
    clock.now = utc(2026, 12, 2, 7, 0)
    server.app[SCHEDULER_KEY].run_due()
    assert await server.core.outbox.run_once() == 0
    assert len(uploads(slack_api)) == 1


async def test_a_restart_on_the_same_database_does_not_upload_it_again(
    start: StartServer, slack_api: FakeSlackApi
) -> None:
    first = await start()
    first.app[SCHEDULER_KEY].run_due()
    assert await first.core.outbox.run_once() == 1
    await first.stop()

    again = await start()  # a new server on the same SQLite file
    again.app[SCHEDULER_KEY].run_due()
    assert await again.core.outbox.run_once() == 0
    assert len(uploads(slack_api)) == 1
    assert len(slack_api.sent("files.getUploadURLExternal")) == 1


async def test_two_servers_on_one_database_upload_it_once(
    start: StartServer, slack_api: FakeSlackApi
) -> None:
    servers = [await start(), await start()]
    for server in servers:
        server.app[SCHEDULER_KEY].run_due()
    for server in servers:
        await server.core.outbox.run_once()
    assert len(uploads(slack_api)) == 1


async def test_an_upload_that_died_before_its_mark_is_found_and_not_shared_again(
    start: StartServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    """Slack took the upload and shared it, and the worker died before Slack's answer
    reached it: the next worker, after the lease, finds the file in the channel by its name."""
    server = await start()
    server.app[SCHEDULER_KEY].run_due()
    dead = Outbox(server.core.store, clock=server.clock)
    client = AsyncWebClient(token="xoxb-test", base_url=slack_api.url)
    dead.register("slack", SlackSender(server.core, client))
    slack_api.fail("files.completeUploadExternal", delay=0.5)  # shared, the answer slow
    worker = asyncio.get_running_loop().create_task(dead.run_once())
    await wait_until(lambda: bool(slack_api.history.get(REVIEW_CHANNEL)))
    worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await worker
    assert summary_row(server).status == "pending"

    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert await server.core.outbox.run_once() == 1

    assert len(uploads(slack_api)) == 1  # not again
    assert len(slack_api.sent("files.getUploadURLExternal")) == 1
    (lookup,) = slack_api.sent("conversations.history")
    assert lookup.args["channel"] == REVIEW_CHANNEL
    (message,) = slack_api.history[REVIEW_CHANNEL]
    assert summary_row(server).result == {"channel": REVIEW_CHANNEL, "ts": message["ts"]}


async def test_a_failed_upload_is_tried_again_and_shared_once(
    start: StartServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    server = await start()
    server.app[SCHEDULER_KEY].run_due()
    slack_api.fail("upload", status=500)
    assert await server.core.outbox.run_once() == 0
    row = summary_row(server)
    assert (row.status, row.attempts) == ("pending", 1)
    assert uploads(slack_api) == []

    clock.advance(seconds=(row.next_attempt_at - clock()).total_seconds())
    assert await server.core.outbox.run_once() == 1
    assert len(slack_api.sent("conversations.history")) == 1  # looked first: not there
    assert len(uploads(slack_api)) == 1
    assert len(slack_api.history[REVIEW_CHANNEL]) == 1


async def test_without_files_write_it_is_given_up_with_a_notice(
    start: StartServer, slack_api: FakeSlackApi
) -> None:
    """An app installed before the scope was added: Slack refuses, for good."""
    server = await start()
    server.app[SCHEDULER_KEY].run_due()
    slack_api.fail("files.getUploadURLExternal", error="missing_scope")
    await server.core.outbox.run_once()
    await server.core.outbox.run_once()  # the notice to the central team
    assert summary_row(server).status == "failed"
    assert uploads(slack_api) == []
    assert any("kunne ikke leveres" in str(call.args.get("text"))
               for call in slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL))


async def test_every_text_is_escaped(
    start: StartServer, slack_api: FakeSlackApi, clock: FakeClock, tmp_path: Path
) -> None:
    try:
        server = await start(opslag_strategy=hostile_strategy(tmp_path))
        propose(server.core, clock, utc(2026, 11, 10, 9))
        clock.now = DECEMBER_1_0800
        server.app[SCHEDULER_KEY].run_due()
        assert await server.core.outbox.run_once() == 2  # the review post and the summary
    finally:
        use_policy(load_policy(None))
    blocks = str(uploads(slack_api)[0].args["blocks"])
    assert "Klima &amp; &lt;!channel&gt; *miljø*: 1 forslag" in blocks
    assert "<!channel>" not in blocks


def test_without_a_page_the_post_says_how_to_make_the_report() -> None:
    summary = Summary.model_validate({
        "month": "2026-11", "title": "Strategien i tal: november 2026", "intro": "x",
        "figures": [], "reading": "r", "empty": False, "months": [], "lines": [],
        "chart_title": "c", "axis": "a", "alt": "a", "first": "2026-11-01",
        "last": "2026-11-30"})
    text = str(summary_blocks(summary, None))
    assert "opslag rapport --fra 2026-11-01 --til 2026-11-30" in text
    assert "http" not in text


def test_the_link_cannot_break_out_of_its_mrkdwn() -> None:
    summary = Summary.model_validate({
        "month": "2026-11", "title": "t", "intro": "x", "figures": [], "reading": "r",
        "empty": False, "months": [], "lines": [], "chart_title": "c", "axis": "a",
        "alt": "a", "first": "2026-11-01", "last": "2026-11-30"})
    text = str(summary_blocks(summary, "https://o.dk/a|<!channel>&b"))
    assert "<https://o.dk/a%7C&lt;!channel&gt;&amp;b|Se hele rapporten for november 2026>" in text
