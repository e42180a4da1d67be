"""The outbox's Slack sender against a failing Web API: 5xx, 429 with Retry-After, permanent
errors, a restart with messages pending, a review channel configured later, escalations and the
weekly digest. Time only moves when the test moves the clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.proposal import Actor, Decision
from tests.conftest import FakeClock
from tests.fakes.slack_api import FakeSlackApi, wait_until
from tests.slack.helpers import (
    ANNA,
    CHEF,
    REVIEW_CHANNEL,
    SlackServer,
    delivered,
    propose,
    review_posts,
    texts,
)

SLACK_CHEF = Actor(platform="slack", user_id=CHEF, name="chef")


def rows(server: SlackServer) -> dict[str, Any]:
    return {row.kind: row for row in server.core.store.outbox_rows()}


async def test_a_server_error_is_retried_after_the_backoff_and_delivered_once(
    server: SlackServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    slack_api.fail("chat.postMessage", status=500, channel=REVIEW_CHANNEL)
    await propose(server)
    row = rows(server)["review_post"]
    assert (row.status, row.attempts) == ("pending", 1) and "500" in (row.last_error or "")
    assert review_posts(slack_api) == []
    clock.advance(seconds=(row.next_attempt_at - clock()).total_seconds())
    await delivered(server)
    assert len(review_posts(slack_api)) == 1
    assert len(slack_api.sent("chat.postMessage", channel=f"D{ANNA}")) == 1
    assert {r.status for r in server.core.store.outbox_rows()} == {"sent"}


async def test_a_rate_limit_waits_for_retry_after_on_the_clock(
    server: SlackServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    slack_api.fail("chat.postMessage", retry_after=30, channel=REVIEW_CHANNEL)
    await propose(server)
    row = rows(server)["review_post"]
    assert row.next_attempt_at == clock() + dt.timedelta(seconds=30)
    clock.advance(seconds=29)
    assert await server.core.outbox.run_once() == 0
    assert review_posts(slack_api) == []
    clock.advance(seconds=2)
    await delivered(server)
    assert len(review_posts(slack_api)) == 1
    assert len(slack_api.calls_to("chat.postMessage", channel=REVIEW_CHANNEL)) == 2


async def test_a_permanent_error_is_given_up_not_retried(
    server: SlackServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    slack_api.fail("chat.postMessage", error="channel_not_found", channel=REVIEW_CHANNEL)
    await propose(server)
    row = rows(server)["review_post"]
    assert row.status == "failed" and "channel_not_found" in (row.last_error or "")
    clock.advance(hours=1)
    await delivered(server)
    assert len(slack_api.calls_to("chat.postMessage", channel=REVIEW_CHANNEL)) == 1
    assert rows(server)["recommendation"].status == "sent"


async def test_messages_pending_at_a_restart_arrive_once_from_the_next_server(
    start_server: Any, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    first = await start_server()
    slack_api.fail("chat.postMessage", status=503, times=100)
    await propose(first)
    pending = [r for r in first.core.store.outbox_rows() if r.status == "pending"]
    assert {r.kind for r in pending} == {"recommendation", "review_post"}
    await first.stop()

    slack_api.heal()
    second = await start_server()
    clock.advance(minutes=10)
    await delivered(second)
    assert len(review_posts(slack_api)) == 1
    assert len(slack_api.sent("chat.postMessage", channel=f"D{ANNA}")) == 1
    await second.core.outbox.run_once()
    assert len(slack_api.sent("chat.postMessage")) == 2
    assert {r.status for r in second.core.store.outbox_rows()} == {"sent"}


async def test_a_review_channel_configured_later_gets_a_fresh_post_and_its_thread(
    start_server: Any, slack_api: FakeSlackApi
) -> None:
    first = await start_server(slack_review_channel=None)
    pid = await propose(first)
    assert review_posts(slack_api) == []
    await first.stop()

    second = await start_server()
    second.core.workflow.decide(pid, Decision.APPROVE, SLACK_CHEF)
    await delivered(second)
    (fresh,) = slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL, thread_ts=None)
    assert "Godkendt" in texts(fresh.args)
    (reply,) = slack_api.sent(
        "chat.postMessage", channel=REVIEW_CHANNEL, thread_ts=fresh.response["ts"]
    )
    assert "har godkendt" in texts(reply.args)
    assert slack_api.sent("chat.update") == []


async def test_an_overdue_crisis_alerts_the_channel_and_each_central_member(
    start_server: Any, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    server = await start_server(slack_central_usergroup="S0CENTRAL")
    await slack_api.wait_for("usergroups.users.list")
    await propose(server, crisis=True)
    ts = review_posts(slack_api)[0].response["ts"]
    clock.advance(minutes=16)
    assert server.core.workflow.escalate_overdue_crises(dt.timedelta(minutes=15))
    await delivered(server)
    (alert,) = slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL, thread_ts=ts)
    assert alert.args["reply_broadcast"] is True
    assert "<!subteam^S0CENTRAL>" in alert.args["text"]
    (dm,) = slack_api.sent("chat.postMessage", channel=f"D{CHEF}")
    assert f"<#{REVIEW_CHANNEL}>" in texts(dm.args)


async def test_the_weekly_digest_is_posted_in_the_review_channel(
    start_server: Any, slack_api: FakeSlackApi
) -> None:
    server = await start_server(opslag_digest_cron="0 8 * * 1")
    await wait_until(lambda: any(r.kind == "digest" for r in server.core.store.outbox_rows()))
    await delivered(server)
    assert rows(server)["digest"].status == "sent"
    (digest,) = slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL)
    assert digest.args["blocks"][0]["type"] == "header"
