"""Two `python -m opslag serve` processes on one SQLite file, as during a rolling restart: both
take proposals and both run the outbox and the schedule while the weekly digest is due. No
proposal message and no digest is delivered twice, and none is lost."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from microsoft_agents.activity import Activity

from bot.store import Store
from handlers.teams import TEAMS_REVIEW_REF
from tests.conftest import FakeClock
from tests.fakes.connector import FakeConnector
from tests.fakes.slack_api import FakeSlackApi
from tests.resilience.conftest import MakeClient, Serve
from tests.resilience.harness import (
    Answer,
    Client,
    digests,
    expected_deliveries,
    open_intake_modal,
    poll,
    proposal_sources,
    read_db,
    tally,
)
from tests.teams import activities as A

USERS = 20  # per platform
PROPOSALS_PER_USER = 3  # 120 proposals, half to each server
EVERY_MINUTE = "* * * * *"  # the digest of the coming week is due now
ROLLING = 40  # proposals to the old server, then as many to the new one
# Two processes writing one file: a write that waited the busy timeout in vain is refused with
# a clear "nothing was saved", and the person sends the same modal or card again. A refused
# send must have stored nothing (the resend would then be a second proposal); only an
# acknowledged one counts, and it must be delivered once.
SAVED_NOTHING = "intet er gemt"
RESENDS = 3


async def propose_until_saved(
    client: Client, platform: str, view: dict[str, Any], number: int, tag: str,
    refused: list[str],
) -> tuple[Answer, int | None]:
    """Submit, and send the same form again while the answer is "nothing was saved"."""
    for _ in range(RESENDS):
        answer, pid = await client.propose(platform, view, number, tag)
        if pid is not None or SAVED_NOTHING not in answer.body:
            return answer, pid
        refused.append(f"{platform} {tag}")
    return await client.propose(platform, view, number, tag)


def remember_review_channel(db_path: Path, service_url: str, clock: FakeClock) -> None:
    """The Teams review channel as the Teams edge stores it once a central member chose it."""
    from handlers.teams import refs

    activity = Activity.model_validate(
        A.message("godkendelseskanal", A.CENTRAL, service_url, where="channel"))
    store = Store(db_path)
    store.put_ref(TEAMS_REVIEW_REF, refs.reference(activity, top_level=True), clock())
    store.close()


async def test_two_servers_on_one_database_deliver_each_message_and_digest_once(
    serve: Serve, make_client: MakeClient, slack_api: FakeSlackApi, connector: FakeConnector,
    clock: FakeClock, db_path: Path,
) -> None:
    remember_review_channel(db_path, connector.service_url, clock)
    servers = await asyncio.gather(
        serve("one", opslag_digest_cron=EVERY_MINUTE),
        serve("two", opslag_digest_cron=EVERY_MINUTE),
    )
    clients: list[Client] = [await make_client(server.url) for server in servers]
    view = await open_intake_modal(clients[0], slack_api)

    acked: dict[int, str] = {}

    refused: list[str] = []

    async def person(platform: str, number: int) -> None:
        for turn in range(PROPOSALS_PER_USER):
            client = clients[(number + turn) % 2]  # each user is sent back and forth
            answer, pid = await propose_until_saved(
                client, platform, view, number, f"{number}-{turn}", refused)
            assert pid is not None, answer.body
            acked[pid] = platform

    await asyncio.wait_for(asyncio.gather(
        *(person("slack", n) for n in range(USERS)),
        *(person("teams", n) for n in range(USERS)),
    ), timeout=30)

    def all_sent() -> bool:
        rows = read_db(db_path, "SELECT COUNT(*) AS n FROM outbox WHERE status != 'sent'")
        return rows[0]["n"] == 0 and digests_sent() > 0

    def digests_sent() -> int:
        return len(read_db(db_path, "SELECT id FROM outbox WHERE kind = 'digest'"))

    await poll(all_sent, timeout=20, step=0.05)

    sources = proposal_sources(db_path)
    assert sources == acked
    counts = tally(slack_api, connector)
    assert counts.duplicates() == {}
    assert counts.counts == expected_deliveries(sources, ["slack", "teams"])
    assert digests_sent() == 2
    assert digests(slack_api, connector) == {"slack": 1, "teams": 1}
    workers = read_db(db_path, "SELECT claimed_by, COUNT(*) AS n FROM outbox GROUP BY claimed_by")
    pids = {row["claimed_by"].split("-")[0] for row in workers}
    assert len(pids) == 2  # both servers delivered
    for server in servers:
        assert "Traceback" not in server.log(), server.log()
    print(f"\ntwo servers: {len(acked)} proposals ({len(refused)} sent again), "
          f"deliveries per worker "
          f"{sorted(row['n'] for row in workers)}, digests {dict(digests(slack_api, connector))}")


async def test_a_rolling_restart_hands_over_without_losing_or_repeating_a_message(
    serve: Serve, make_client: MakeClient, slack_api: FakeSlackApi, connector: FakeConnector,
    clock: FakeClock, db_path: Path,
) -> None:
    """The old server is stopped (SIGTERM) while it delivers and the new one takes over: the
    old one finishes and marks what it is sending instead of leaving it claimed, so the new
    one neither waits out a lease nor sends anything again."""
    remember_review_channel(db_path, connector.service_url, clock)
    slack_api.latency = connector.latency = 0.05  # deliveries are in flight at the stop
    old, new = await asyncio.gather(serve("old"), serve("new"))
    to_old, to_new = await make_client(old.url), await make_client(new.url)
    view = await open_intake_modal(to_old, slack_api)

    refused: list[str] = []

    async def propose(client: Client, number: int) -> int | None:
        platform = "slack" if number % 2 else "teams"
        return (await propose_until_saved(client, platform, view, number, str(number),
                                          refused))[1]

    first = await asyncio.gather(*(propose(to_old, n) for n in range(ROLLING)))
    await poll(lambda: len(connector.calls) + len(slack_api.calls) > ROLLING, timeout=10)
    old_pid = old.pid
    await old.stop()  # SIGTERM, as a deploy does
    # Only the old server's claims count: the new one is delivering the backlog meanwhile.
    left_claimed = read_db(db_path, "SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'"
                           " AND claimed_until IS NOT NULL AND claimed_by LIKE ?",
                           [f"{old_pid}-%"])[0]["n"]
    second = await asyncio.gather(*(propose(to_new, n) for n in range(ROLLING, 2 * ROLLING)))
    assert None not in first + second
    await poll(lambda: read_db(db_path, "SELECT COUNT(*) AS n FROM outbox"
                                        " WHERE status != 'sent'")[0]["n"] == 0, timeout=15)

    assert left_claimed == 0
    workers = read_db(db_path, "SELECT DISTINCT claimed_by FROM outbox")
    assert len({row["claimed_by"].split("-")[0] for row in workers}) == 2  # both delivered
    sources = proposal_sources(db_path)
    counts = tally(slack_api, connector)
    assert counts.duplicates() == {}
    assert counts.counts == expected_deliveries(sources, ["slack", "teams"])
    assert "Traceback" not in old.log() + new.log()
