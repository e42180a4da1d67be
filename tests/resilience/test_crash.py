"""SIGKILL in the middle of a burst: `python -m opslag serve` is killed while proposals arrive and
the outbox delivers, then a server starts again on the same database.

Every acknowledged proposal survives, and the outbox finishes its deliveries. Exactly once,
except for the inherent at-least-once window of any outbox: a message the platform accepted
right before the kill, whose "sent" mark never reached the database, is sent again after the
restart. Neither Slack's chat.postMessage nor the Bot Framework connector takes an idempotency
key, so the test asserts what holds: nothing is lost, and a message arrives twice only if its
outbox row was claimed (in flight) at the kill, at most once more per such row.

Slack's review posts and weekly digest close that window: each carries message metadata naming
its outbox row, and a row taken over after a dead worker's lease is first looked up in the
channel (conversations.history). So no Slack review post comes twice, and a digest whose answer
Slack was still holding at the kill is posted once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from pathlib import Path

import aiohttp

from bot.outbox import LEASE
from bot.store import Store
from tests.conftest import FakeClock
from tests.fakes.connector import FakeConnector
from tests.fakes.slack_api import FakeSlackApi
from tests.resilience.conftest import MakeClient, Serve, StartServer
from tests.resilience.harness import (
    REVIEW_CHANNEL,
    digests,
    expected_deliveries,
    open_intake_modal,
    poll,
    read_db,
    tally,
    unsent,
)
from tests.teams import activities as A

USERS = 25  # per platform
PROPOSALS_PER_USER = 4  # up to 200 proposals
KILL_AFTER = 100  # acknowledged proposals
PLATFORM_LATENCY = 0.02  # seconds each fake takes to answer: deliveries are in flight

TALLY_KEY = {"review_post": "review", "recommendation": "dm"}
EVERY_MINUTE = "* * * * *"  # the coming week's digest is due as soon as the server starts
DIGEST_HELD = 3.0  # seconds Slack takes to answer the digest's post: the kill comes meanwhile


async def test_sigkill_mid_burst_loses_nothing_and_resends_only_what_was_in_flight(
    serve: Serve, start_server: StartServer, make_client: MakeClient, slack_api: FakeSlackApi,
    connector: FakeConnector, clock: FakeClock, db_path: Path,
) -> None:
    slack_api.latency = connector.latency = PLATFORM_LATENCY
    first = await serve("first")
    client = await make_client(first.url)
    assert (await client.teams_say("godkendelseskanal", A.CENTRAL, where="channel")).status \
        in (200, 202)
    view = await open_intake_modal(client, slack_api)

    acked: dict[int, str] = {}
    cut_off: list[tuple[str, int, int]] = []  # (platform, user, turn) that got no answer
    killed = asyncio.Event()

    async def person(platform: str, number: int) -> None:
        for turn in range(PROPOSALS_PER_USER):
            try:
                answer, pid = await client.propose(platform, view, number, f"{number}-{turn}")
            except aiohttp.ClientError:
                cut_off.append((platform, number, turn))  # the server died under it
                return
            assert pid is not None, answer.body
            acked[pid] = platform

    async def killer() -> None:
        await poll(lambda: len(acked) >= KILL_AFTER, timeout=20, step=0.002)
        await first.kill()
        killed.set()

    await asyncio.wait_for(asyncio.gather(
        killer(),
        *(person("slack", n) for n in range(USERS)),
        *(person("teams", n) for n in range(USERS)),
    ), timeout=40)
    assert killed.is_set()

    # What the dead server left behind, read as the next one will find it.
    in_flight = read_db(db_path, "SELECT id, platform, kind, proposal_id FROM outbox"
                        " WHERE status = 'pending' AND claimed_until IS NOT NULL")
    at_kill = tally(slack_api, connector)

    # Start again on the same database. The rows the dead server had claimed are leased to it
    # for LEASE; the new server's clock is past that.
    clock.now = dt.datetime.now(dt.UTC) + LEASE + dt.timedelta(seconds=1)
    slack_api.latency = connector.latency = 0
    second = await start_server()
    store: Store = second.core.store
    survived = {p.id: p.source for p in store.list_proposals()}
    assert set(acked) <= set(survived)  # every acknowledged proposal survived the kill
    assert all(survived[pid] == platform for pid, platform in acked.items())
    unanswered = Counter(survived[pid] for pid in set(survived) - set(acked))

    # Whoever got no answer sends the same modal or card again: it is stored once, whether or
    # not the dead server had stored it (Slack: same view id; Teams: same form id).
    retry = await make_client(second.url)
    for platform, number, turn in cut_off:
        answer, _ = await retry.propose(platform, view, number, f"{number}-{turn}")
        assert answer.status == 200
        assert "sendt til godkendelse" in answer.body or "allerede sendt" in answer.body, (
            answer.body)
    titles = [p.intake.title for p in store.list_proposals()]
    assert len(titles) == len(set(titles))
    assert len(titles) == len(acked) + len(cut_off)

    await poll(lambda: unsent(store) == 0, timeout=20)
    assert store.outbox_rows(status="failed") == []
    sources = {p.id: p.source for p in store.list_proposals()}
    counts = tally(slack_api, connector).counts
    expected = expected_deliveries(sources, ["slack", "teams"])
    lost = {key for key in expected if counts[key] == 0}
    assert lost == set()  # nothing lost
    assert set(counts) == set(expected)  # nothing sent that should not be
    # Slack review posts are looked up before they are posted again: never twice.
    may_repeat = {(f"{r['platform']}_{TALLY_KEY[r['kind']]}", r["proposal_id"])
                  for r in in_flight} - {key for key in counts if key[0] == "slack_review"}
    repeated = {key: n for key, n in counts.items() if n > 1}
    assert set(repeated) <= may_repeat, (repeated, may_repeat)
    assert all(n == 2 for n in repeated.values())
    assert len(repeated) <= len(in_flight)
    slack_reviews_in_flight = sum(
        r["platform"] == "slack" and r["kind"] == "review_post" for r in in_flight)
    print(
        f"\ncrash: killed after {len(acked)} acks ({len(cut_off)} requests cut off; stored "
        f"without an answer: {dict(unanswered)}); {len(in_flight)} deliveries in flight at the "
        f"kill, {sum(at_kill.counts.values())} delivered before it; {len(repeated)} sent twice "
        f"after the restart ({dict(Counter(where for where, _ in repeated))}; Slack review "
        f"posts in flight: {slack_reviews_in_flight}); {sum(counts.values())} deliveries in all"
    )


async def test_sigkill_while_slack_holds_the_digest_answer_posts_the_digest_once(
    serve: Serve, start_server: StartServer, slack_api: FakeSlackApi, connector: FakeConnector,
    clock: FakeClock, db_path: Path,
) -> None:
    """Slack has taken the digest and is slow to say so; the server is killed meanwhile. The
    next server takes the row over after the dead one's lease, finds the digest in the review
    channel by its metadata and marks it sent with that ts, instead of posting it again."""
    slack_api.fail("chat.postMessage", delay=DIGEST_HELD, channel=REVIEW_CHANNEL)
    first = await serve("first", opslag_digest_cron=EVERY_MINUTE)
    await poll(lambda: digests(slack_api, connector)["slack"] == 1, timeout=15)
    await first.kill()  # within DIGEST_HELD: the answer never reaches it
    (left,) = read_db(db_path, "SELECT status, claimed_until FROM outbox WHERE kind = 'digest'")
    assert left["status"] == "pending" and left["claimed_until"] is not None
    (posted,) = slack_api.history[REVIEW_CHANNEL]

    # Start again on the same database; the new server's clock is past the dead one's lease.
    clock.now = dt.datetime.now(dt.UTC) + LEASE + dt.timedelta(seconds=1)
    second = await start_server()
    store: Store = second.core.store
    await poll(lambda: unsent(store) == 0, timeout=10)

    assert digests(slack_api, connector) == {"slack": 1}
    (row,) = [row for row in store.outbox_rows() if row.kind == "digest"]
    assert (row.status, row.result) == ("sent", {"channel": REVIEW_CHANNEL, "ts": posted["ts"]})
    assert len(slack_api.sent("conversations.history", channel=REVIEW_CHANNEL)) == 1
    assert "Traceback" not in first.log(), first.log()
