"""The outbox's Slack sender against a failing Web API: 5xx, 429 with Retry-After, permanent
errors (and the central team's Danish notice about them), a thread that waits for its post, a
restart with messages pending, a review channel configured later, escalations, the weekly
digest and the pace of posts to one channel. Time only moves when the test moves the clock."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.proposal import Actor, Decision
from bot.store import NewMessage
from policy import parse_intake
from tests.conftest import FakeClock, intake_data
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
ANNA_SLACK = Actor(platform="slack", user_id=ANNA, name="anna")


def rows(server: SlackServer) -> dict[str, Any]:
    return {row.kind: row for row in server.core.store.outbox_rows()}


async def settle(server: SlackServer) -> None:
    """Deliver what may go now (`delivered` would wait for a lane held behind a given-up
    message): nothing in flight, one round of our own, nothing in flight."""
    store = server.core.store

    def idle() -> bool:
        return not store.db.execute(
            "SELECT COUNT(*) FROM outbox WHERE claimed_until IS NOT NULL").fetchone()[0]

    await wait_until(idle)
    await server.core.outbox.run_once()
    await wait_until(idle)


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
    # Retry-After and a random part of up to half of it more; being asked to wait is no attempt.
    wait = (row.next_attempt_at - clock()).total_seconds()
    assert 30 <= wait <= 45 and row.attempts == 0
    clock.advance(seconds=wait - 1)
    assert await server.core.outbox.run_once() == 0
    assert review_posts(slack_api) == []
    clock.advance(seconds=1)
    await delivered(server)
    assert len(review_posts(slack_api)) == 1
    assert len(slack_api.calls_to("chat.postMessage", channel=REVIEW_CHANNEL)) == 2
    assert rows(server)["review_post"].attempts == 1


async def test_a_permanent_error_is_given_up_at_once_and_the_central_team_is_told_in_danish(
    server: SlackServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    slack_api.fail("chat.postMessage", error="invalid_blocks", channel=REVIEW_CHANNEL)
    pid = await propose(server, title="Træer <i> Grenaa")
    row = rows(server)["review_post"]
    assert row.status == "failed" and "invalid_blocks" in (row.last_error or "")
    clock.advance(hours=1)
    await delivered(server)
    (failed_post, notice) = slack_api.calls_to("chat.postMessage", channel=REVIEW_CHANNEL)
    assert not failed_post.ok and notice.ok and "thread_ts" not in notice.args
    shown = texts(notice.args)
    assert "En besked fra Opslag kunne ikke leveres" in shown
    assert (f"Forslaget i godkendelseskanalen for forslag nr. {pid} «Træer &lt;i&gt; Grenaa» "
            "kunne ikke leveres i Slack.") in shown
    assert "Årsag: Slack kunne ikke vise beskeden (den er for lang eller ugyldig)." in shown
    assert f"besked nr. {row.id} i udbakken" in shown
    assert rows(server)["recommendation"].status == "sent"


async def test_a_notice_that_cannot_be_delivered_either_is_given_up_without_another(
    server: SlackServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    slack_api.fail("chat.postMessage", error="channel_not_found", channel=REVIEW_CHANNEL,
                   times=10)
    await propose(server)
    clock.advance(days=2)
    await delivered(server)
    assert [(r.kind, r.status) for r in server.core.store.outbox_rows()
            if r.status != "sent"] == [("review_post", "failed"), ("undelivered", "failed")]
    assert len(slack_api.calls_to("chat.postMessage", channel=REVIEW_CHANNEL)) == 2


async def test_a_thread_waits_for_its_post_and_its_reply_never_goes_to_the_top_level(
    server: SlackServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    slack_api.fail("chat.postMessage", error="not_in_channel", channel=REVIEW_CHANNEL)
    slack_api.fail("chat.postMessage", error="not_in_channel", channel=REVIEW_CHANNEL)
    pid = await propose(server)
    server.core.workflow.decide(pid, Decision.APPROVE, SLACK_CHEF)
    clock.advance(hours=30)
    await settle(server)
    assert slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL) == []
    assert slack_api.calls_to("chat.update") == []
    waiting = [(r.kind, r.status, r.attempts) for r in server.core.store.outbox_rows()
               if r.lane == "review"]
    assert waiting == [("review_post", "failed", 1), ("review_update", "pending", 0),
                       ("thread_reply", "pending", 0)]
    assert rows(server)["decision_notice"].status == "sent"  # the proposer's lane goes on

    # Invited into the channel, an operator sends the post again: the thread follows it.
    assert server.core.outbox.retry_failed(rows(server)["review_post"].id)
    await settle(server)
    (post,) = review_posts(slack_api)
    (update,) = slack_api.sent("chat.update")
    assert update.args["ts"] == post.response["ts"]
    (reply,) = slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL,
                              thread_ts=post.response["ts"])
    assert "har godkendt" in texts(reply.args)
    assert {r.status for r in server.core.store.outbox_rows() if r.kind != "undelivered"} == {
        "sent"}


async def test_a_post_let_go_is_replaced_by_the_update_and_the_reply_goes_under_that(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    slack_api.fail("chat.postMessage", error="msg_too_long", channel=REVIEW_CHANNEL)
    pid = await propose(server)
    server.core.workflow.decide(pid, Decision.APPROVE, SLACK_CHEF)
    await settle(server)
    assert server.core.outbox.release_failed(rows(server)["review_post"].id)
    await delivered(server)
    top_level = slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL, thread_ts=None)
    assert "kunne ikke leveres" in texts(top_level[0].args)  # the notice
    fresh = top_level[1]
    assert "Godkendt" in texts(fresh.args)
    (reply,) = slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL,
                              thread_ts=fresh.response["ts"])
    assert "har godkendt" in texts(reply.args)
    assert len(top_level) == 2


async def test_a_thread_reply_without_a_review_message_waits_instead_of_going_top_level(
    server: SlackServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    pid = await propose(server)
    proposal = server.core.workflow.get(pid)
    store = server.core.store
    store.db.execute("UPDATE outbox SET status = 'released' WHERE kind = 'review_post'")
    store.enqueue(NewMessage(
        platform="slack", kind="thread_reply", proposal_id=pid, lane="review",
        dedupe_key="orphan-reply",
        payload={"event": "approved",
                 "proposal": proposal.model_dump(mode="json", exclude={"history"})},
    ), clock())
    before = len(slack_api.calls_to("chat.postMessage", channel=REVIEW_CHANNEL))
    await delivered(server)
    assert len(slack_api.calls_to("chat.postMessage", channel=REVIEW_CHANNEL)) == before
    row = rows(server)["thread_reply"]
    assert row.status == "pending" and "tråd" in (row.last_error or "")


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


async def test_posts_to_one_channel_keep_to_its_pace_in_order(
    start_server: Any, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    slack_api.pace_channels(rate=20, burst=5)  # Slack's per-channel limit, 20 times faster
    server = await start_server(slack_channel_rate=20, slack_channel_burst=2)
    for _ in range(12):
        server.core.workflow.submit(parse_intake(intake_data()), ANNA_SLACK)
    server.core.outbox.notify()
    await slack_api.wait_for("chat.postMessage", 12, channel=REVIEW_CHANNEL)
    posts = slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL)
    assert slack_api.rate_limited() == []
    numbers = [int(re.findall(r"[Ff]orslag nr\. (\d+)", texts(call.args))[0])
               for call in posts]
    assert numbers == sorted(numbers) == list(range(1, 13))
