"""Slack rate limits lose nothing (issue 15).

A 30-second storm of 429s (Retry-After: 1) on every Web API method, across 20 review threads
decided during the storm: when it passes, every message arrives exactly once, each thread in
order (post, then its update, then the reply in its thread; never a reply at the top level),
and no 429 used up an attempt. Time is the test's clock; the outbox runs round by round.

300 proposals to one review channel, all due at once, against a fake that holds
chat.postMessage to Slack's per-channel rate (a token bucket per channel, 429 with Retry-After
when over it): a real `python -m opslag serve` paces its posts to the channel and every one
arrives once, in the order of the proposals, with no 429. Slack allows about one post a
second; here both sides run at RATE a second, so the 300 take seconds, not five minutes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter
from pathlib import Path

from bot.clock import utcnow
from bot.proposal import Actor
from policy import parse_intake
from tests.conftest import FakeClock, intake_data
from tests.fakes.slack_api import Call, FakeSlackApi
from tests.resilience.conftest import MakeClient, Serve, StartServer
from tests.resilience.harness import (
    CHEF,
    REVIEW_CHANNEL,
    expected_deliveries,
    open_intake_modal,
    poll,
    proposal_number,
    read_db,
    slack_ack_id,
    slack_user,
    tally,
    unsent,
)

STORM = dt.timedelta(seconds=30)
RETRY_AFTER = 1
THREADS = 20
ROUND = dt.timedelta(seconds=1)  # how far the clock moves between outbox rounds
MAX_ROUNDS = 200

RATE = 100  # posts a second per channel, for the fake and the bot alike
PROPOSALS = 300
USERS = 50


def _thread_in_order(calls: list[Call], pid: int) -> None:
    """The review post of `pid`, then the update of that post, then one reply in its thread;
    nothing about it at the top level besides the post."""
    def about(call: Call) -> bool:
        return proposal_number(str(call.args.get("text") or "")) == pid

    posted = [(i, c) for i, c in enumerate(calls) if c.ok and c.method == "chat.postMessage"
              and c.args.get("channel") == REVIEW_CHANNEL and about(c)]
    top = [(i, c) for i, c in posted if not c.args.get("thread_ts")]
    assert len(top) == 1, f"forslag {pid}: {len(top)} top-level posts"
    post_at, post = top[0]
    ts = post.response["ts"]
    updates = [i for i, c in enumerate(calls) if c.ok and c.method == "chat.update"
               and c.args.get("ts") == ts]
    replies = [i for i, c in enumerate(calls) if c.ok and c.method == "chat.postMessage"
               and c.args.get("thread_ts") == ts]
    assert len(updates) == 1 and len(replies) == 1, (pid, updates, replies)
    assert post_at < updates[0] < replies[0], pid


async def test_a_30_second_rate_limit_storm_loses_nothing_and_keeps_every_thread_in_order(
    start_server: StartServer, make_client: MakeClient, slack_api: FakeSlackApi,
    clock: FakeClock,
) -> None:
    server = await start_server(background=False)
    client = await make_client(server.url)
    view = await open_intake_modal(client, slack_api)
    store, outbox = server.core.store, server.core.outbox

    slack_api.throttle(retry_after=RETRY_AFTER)
    began = clock()
    answers = await asyncio.gather(*(
        client.slack_submit(view, slack_user(n), f"V{n}", title=f"Storm {n}")
        for n in range(THREADS)))
    ids = [pid for pid in map(slack_ack_id, answers) if pid is not None]
    assert len(ids) == THREADS
    await outbox.run_once()  # the first attempts: all refused
    for pid in ids:  # decided while the review posts are still refused
        assert (await client.slack_click("approve", pid, CHEF)).status == 200
    await poll(lambda: {p.status for p in store.list_proposals()} == {"approved"}, timeout=5)

    started = time.perf_counter()
    for _ in range(MAX_ROUNDS):
        if clock() - began >= STORM:
            slack_api.heal()
        await outbox.run_once()
        if not unsent(store):
            break
        assert store.outbox_rows(status="failed") == []
        clock.advance(seconds=ROUND.total_seconds())
    else:
        raise AssertionError(f"not delivered after {MAX_ROUNDS} rounds")
    assert clock() - began >= STORM

    rows = store.outbox_rows()
    assert {row.status for row in rows} == {"sent"}
    # No 429 used up an attempt: each message took exactly the one that went through.
    assert Counter(row.attempts for row in rows) == {1: len(rows)}
    sources = {p.id: p.source for p in store.list_proposals()}
    expected = expected_deliveries(sources, ["slack"])
    expected.update({("slack_dm", pid): 1 for pid in ids})  # and the decision notice
    assert tally(slack_api, None).counts == expected
    for pid in ids:
        _thread_in_order(slack_api.calls, pid)
    refused = len(slack_api.rate_limited())
    print(f"\nstorm: {refused} calls answered 429 over {STORM.total_seconds():.0f} s on the "
          f"clock; all {len(rows)} messages of {THREADS} threads delivered once, in order, "
          f"in {time.perf_counter() - started:.1f} s")


async def test_300_proposals_to_one_channel_arrive_once_and_in_order_at_slacks_pace(
    start_server: StartServer, serve: Serve, slack_api: FakeSlackApi, clock: FakeClock,
    db_path: Path,
) -> None:
    # 300 proposals stored at once from the terminal (`opslag submit`: no DM, so every message
    # goes to the one channel) by a server that does not deliver; then a real server finds
    # them all due together: the burst that lost 78 of 100 review posts.
    clock.now = utcnow()  # the stored rows are due on the next server's real clock
    storing = await start_server(background=False)
    for number in range(PROPOSALS):
        author = Actor(platform="console", user_id=f"bruger{number % USERS}", name="Bruger")
        storing.core.workflow.submit(parse_intake(intake_data(title=f"Kanal {number}")),
                                     author, source="console")
    await storing.stop()

    def posts() -> list[Call]:
        return [c for c in slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL)
                if not c.args.get("thread_ts")]

    slack_api.pace_channels(rate=RATE, burst=10)
    started = time.perf_counter()
    await serve(slack_channel_rate=RATE, slack_channel_burst=3)
    await poll(lambda: len(posts()) >= PROPOSALS, timeout=30, step=0.05)
    delivered_in = time.perf_counter() - started
    await poll(lambda: not read_db(db_path, "SELECT 1 FROM outbox WHERE status != 'sent'"),
               timeout=10)

    numbers = [proposal_number(str(c.args.get("text") or "")) for c in posts()]
    assert numbers == list(range(1, PROPOSALS + 1))  # each once, in the order stored
    assert slack_api.rate_limited("chat.postMessage") == []  # the bot kept to the pace
    minimum = (PROPOSALS - 10) / RATE
    assert delivered_in >= minimum  # and so it took at least this long
    first, last = posts()[0].at, posts()[-1].at
    print(f"\none channel: {PROPOSALS} review posts found due at the start of a server, all "
          f"in the channel {delivered_in:.2f} s after the start ({last - first:.2f} s from the "
          f"first to the last) at {RATE}/s, where the pace allows {minimum:.2f} s; in order, "
          "no 429")
