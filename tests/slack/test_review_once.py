"""A review message is posted once, also when the worker that posted it died before it could
mark it sent: the next worker finds it in the review channel by its message metadata, so the
central team's decision, its thread reply and the update all land on that one message."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.outbox import LEASE, Outbox
from bot.store import OutboxRow
from handlers.slack.sender import SlackSender
from tests.conftest import FakeClock, intake_data
from tests.fakes.slack_api import FakeSlackApi, wait_until
from tests.slack.conftest import StartServer
from tests.slack.helpers import (
    REVIEW_CHANNEL,
    SlackServer,
    delivered,
    open_modal,
    review_posts,
)


def review_row(server: SlackServer) -> OutboxRow:
    (row,) = [row for row in server.core.store.outbox_rows() if row.kind == "review_post"]
    return row


async def test_a_review_post_whose_worker_died_is_found_and_decided_in_one_thread(
    start_server: StartServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    slack_api.now = lambda: clock().timestamp()  # message ts on the test's clock
    server = await start_server(background=False)  # delivers only when the test says so
    view = await open_modal(server)
    reply = await server.send(view, intake_data())
    assert reply.status == 200
    pid = server.core.store.list_proposals()[-1].id

    # Another worker posts the review message; Slack takes it, the worker dies before the
    # answer arrives, and the row stays claimed by it, unmarked.
    dead = Outbox(server.core.store, clock=clock)
    client = AsyncWebClient(token="xoxb-test", base_url=slack_api.url)
    dead.register("slack", SlackSender(server.core, client))
    slack_api.fail("chat.postMessage", delay=0.5, channel=REVIEW_CHANNEL)
    worker = asyncio.get_running_loop().create_task(dead.run_once())
    await wait_until(lambda: len(review_posts(slack_api)) == 1)
    worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await worker
    (post,) = review_posts(slack_api)
    ts = slack_api.history[REVIEW_CHANNEL][-1]["ts"]
    assert post.args["metadata"] == {
        "event_type": "opslag_review", "event_payload": {"key": review_row(server).dedupe_key},
    }
    assert review_row(server).status == "pending"

    # After the lease the server's own outbox takes the row over: it looks, finds, marks.
    clock.advance(seconds=LEASE.total_seconds() + 1)
    await server.core.outbox.run_once()
    assert review_posts(slack_api) == [post]
    assert review_row(server).result == {"channel": REVIEW_CHANNEL, "ts": ts}

    # The decision goes to that message and its thread.
    approve = next(
        element["value"] for block in post.args["blocks"] if block["type"] == "actions"
        for element in block["elements"] if element["action_id"] == "approve"
    )
    server.core.outbox.start()
    await server.click("approve", approve)
    await delivered(server)
    (update,) = slack_api.sent("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (REVIEW_CHANNEL, ts)
    replies = slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL, thread_ts=ts)
    assert len(replies) == 1
    assert review_posts(slack_api) == [post]
    assert server.core.workflow.get(pid).status == "approved"
