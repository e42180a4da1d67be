"""The weekly digest is posted once in Slack, also when the worker that posted it died before it
could mark it sent: the next worker re-claims the row after its lease, finds the post in the
channel by its message metadata (conversations.history) and marks the row sent with that ts
instead of posting again. A lookup that fails is retried later, never replaced by a blind post.

The real server on loopback (its outbox and schedule driven by hand on a FakeClock), the real
Slack sender, and the fake Slack Web API, which keeps what was posted as Slack does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.outbox import LEASE, Outbox
from bot.store import OutboxRow
from handlers.slack import text as T
from handlers.slack.sender import LOOKUP_MARGIN, SlackSender
from opslag.server import SCHEDULER_KEY
from tests.conftest import FakeClock
from tests.fakes.slack_api import Call, FakeSlackApi, wait_until
from tests.slack.helpers import CHEF, REVIEW_CHANNEL, SECRET, SlackServer

EVERY_MINUTE = "* * * * *"  # the coming week's digest is due whenever the schedule asks

StartServer = Callable[[], Awaitable[SlackServer]]


@pytest.fixture
async def slack_api(clock: FakeClock) -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi(now=lambda: clock().timestamp())  # message ts on the test's clock
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def server(
    make_settings: Any, clock: FakeClock, slack_api: FakeSlackApi
) -> AsyncIterator[SlackServer]:
    """A server whose outbox and schedule run only when the test says so."""
    settings = make_settings(
        slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
        slack_review_channel=REVIEW_CHANNEL, slack_central_users=[CHEF],
        slack_api_url=slack_api.url, opslag_digest_cron=EVERY_MINUTE,
    )
    started = SlackServer(settings, clock, slack_api, background=False)
    await started.start()
    yield started
    await started.stop()


def digest_posts(api: FakeSlackApi) -> list[Call]:
    return [call for call in api.sent("chat.postMessage", channel=REVIEW_CHANNEL)
            if str(call.args.get("text", "")).startswith("Uge ")]


def digest_row(server: SlackServer) -> OutboxRow:
    (row,) = [row for row in server.core.store.outbox_rows() if row.kind == "digest"]
    return row


async def posted_by_a_worker_that_dies(server: SlackServer, api: FakeSlackApi) -> Call:
    """The schedule enqueues the digest; another worker claims it and posts it, Slack takes
    the post, and the worker dies (cancelled) before Slack's answer reaches it: the row stays
    claimed by the dead worker, unmarked, until its lease runs out."""
    assert [t.channel for t in server.app[SCHEDULER_KEY].run_due()] == [REVIEW_CHANNEL]
    dead = Outbox(server.core.store, clock=server.clock)
    client = AsyncWebClient(token="xoxb-test", base_url=api.url)
    dead.register("slack", SlackSender(server.core, client))
    api.fail("chat.postMessage", delay=0.5, channel=REVIEW_CHANNEL)  # posted, answer slow
    worker = asyncio.get_running_loop().create_task(dead.run_once())
    await wait_until(lambda: bool(api.history.get(REVIEW_CHANNEL)))
    worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await worker
    (post,) = digest_posts(api)
    row = digest_row(server)
    assert (row.status, row.result) == ("pending", None)
    return post


def lease_runs_out(clock: FakeClock) -> None:
    clock.advance(seconds=LEASE.total_seconds() + 1)


async def test_without_background_the_schedule_and_the_outbox_wait_for_the_test(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    """`build_app(..., background=False)`: the digest is due, but nothing claims or posts it
    until the test runs the schedule and the outbox itself."""
    async with aiohttp.ClientSession() as session:
        for _ in range(3):  # each probe waits its turn on the store thread
            async with session.get(f"{server.url}/readyz") as response:
                assert response.status == 200
    assert server.core.store.outbox_rows() == []
    assert digest_posts(slack_api) == []

    assert [t.channel for t in server.app[SCHEDULER_KEY].run_due()] == [REVIEW_CHANNEL]
    assert await server.core.outbox.run_once() == 1
    assert len(digest_posts(slack_api)) == 1


async def test_a_digest_posted_by_a_worker_that_died_is_found_and_not_posted_again(
    server: SlackServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    post = await posted_by_a_worker_that_dies(server, slack_api)
    row = digest_row(server)
    # Posted with the row's key in its metadata, which is how it is found again.
    assert post.args["metadata"] == {
        "event_type": "opslag_digest", "event_payload": {"key": row.dedupe_key},
    }
    ts = slack_api.history[REVIEW_CHANNEL][-1]["ts"]

    lease_runs_out(clock)
    assert await server.core.outbox.run_once() == 1

    assert digest_posts(slack_api) == [post]  # not posted again
    (lookup,) = slack_api.sent("conversations.history")
    assert lookup.args["channel"] == REVIEW_CHANNEL
    assert lookup.args["include_all_metadata"] in ("1", "true")
    oldest = (row.created_at - LOOKUP_MARGIN).timestamp()  # a little before it was stored
    assert float(lookup.args["oldest"]) == pytest.approx(oldest)
    row = digest_row(server)
    assert (row.status, row.result) == ("sent", {"channel": REVIEW_CHANNEL, "ts": ts})
    assert await server.core.outbox.run_once() == 0
    assert len(digest_posts(slack_api)) == 1


async def test_a_digest_the_dead_worker_never_posted_is_posted_once_after_the_lookup(
    server: SlackServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    server.app[SCHEDULER_KEY].run_due()
    # Claimed by a worker that died before it reached Slack.
    (claimed,) = server.core.store.claim_due(clock(), "dead-worker", LEASE, {"slack"})
    assert claimed.kind == "digest" and not claimed.reclaimed
    lease_runs_out(clock)

    assert await server.core.outbox.run_once() == 1

    assert len(slack_api.sent("conversations.history")) == 1
    (post,) = digest_posts(slack_api)
    row = digest_row(server)
    assert (row.status, row.result) == ("sent", {"channel": REVIEW_CHANNEL,
                                                 "ts": post.response["ts"]})
    assert post.args["metadata"]["event_payload"] == {"key": row.dedupe_key}


async def test_a_first_attempt_posts_without_a_lookup(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    server.app[SCHEDULER_KEY].run_due()
    assert await server.core.outbox.run_once() == 1
    assert len(digest_posts(slack_api)) == 1
    assert slack_api.calls_to("conversations.history") == []


async def test_a_failing_lookup_is_retried_later_and_never_replaced_by_a_second_post(
    server: SlackServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    post = await posted_by_a_worker_that_dies(server, slack_api)
    lease_runs_out(clock)

    # Rate limited: wait as long as Slack says; nothing is posted, and no attempt is used up
    # (the one counted is the dead worker's).
    slack_api.fail("conversations.history", retry_after=30)
    assert await server.core.outbox.run_once() == 0
    row = digest_row(server)
    wait = (row.next_attempt_at - clock()).total_seconds()
    assert (row.status, row.attempts) == ("pending", 1) and 30 <= wait <= 45
    assert digest_posts(slack_api) == [post]

    # Slack fails: back off and ask again.
    clock.advance(seconds=wait)
    slack_api.fail("conversations.history", status=500)
    assert await server.core.outbox.run_once() == 0
    row = digest_row(server)
    assert (row.status, row.attempts) == ("pending", 2) and "500" in (row.last_error or "")
    assert digest_posts(slack_api) == [post]

    # The next lookup works: the post is found, and the row marked with its ts.
    clock.advance(seconds=(row.next_attempt_at - clock()).total_seconds())
    assert await server.core.outbox.run_once() == 1
    assert len(slack_api.calls_to("conversations.history")) == 3
    assert digest_posts(slack_api) == [post]
    row = digest_row(server)
    assert (row.status, row.result) == (
        "sent", {"channel": REVIEW_CHANNEL, "ts": slack_api.history[REVIEW_CHANNEL][0]["ts"]})


async def test_without_the_history_scope_the_digest_is_given_up_with_a_danish_notice(
    server: SlackServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    """An app installed before the history scopes were added cannot look: the central team is
    told why, instead of getting the digest twice."""
    await posted_by_a_worker_that_dies(server, slack_api)
    lease_runs_out(clock)
    slack_api.fail("conversations.history", error="missing_scope")

    await server.core.outbox.run_once()
    await server.core.outbox.run_once()  # the notice

    assert digest_row(server).status == "failed"
    assert len(digest_posts(slack_api)) == 1
    (notice,) = [call for call in slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL)
                 if "kunne ikke leveres" in str(call.args.get("text"))]
    assert "channels:history" in str(notice.args["blocks"])
    assert T.NO_HISTORY.split(",")[0] in str(notice.args["blocks"])


async def test_the_lookup_reads_past_a_page_of_newer_messages(
    server: SlackServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    """The review channel goes on after the digest: the lookup follows Slack's cursor."""
    post = await posted_by_a_worker_that_dies(server, slack_api)
    client = AsyncWebClient(token="xoxb-test", base_url=slack_api.url)
    for number in range(250):  # newer messages than one page (200) holds
        await client.chat_postMessage(channel=REVIEW_CHANNEL, text=f"besked {number}")
    lease_runs_out(clock)

    assert await server.core.outbox.run_once() == 1

    assert digest_posts(slack_api) == [post]
    pages = slack_api.sent("conversations.history")
    assert len(pages) == 2 and pages[1].args["cursor"]
    assert digest_row(server).result == {
        "channel": REVIEW_CHANNEL, "ts": slack_api.history[REVIEW_CHANNEL][0]["ts"]}
