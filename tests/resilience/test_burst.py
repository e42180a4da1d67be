"""A burst against one in-process server with Slack and Teams both on: 300 proposals from 50
users at once. Every acknowledged proposal is stored, and every review post and DM reaches
the fakes exactly once."""

from __future__ import annotations

import asyncio
import statistics
import time

from handlers.teams import TEAMS_REVIEW_REF
from tests.fakes.connector import FakeConnector
from tests.fakes.slack_api import FakeSlackApi
from tests.resilience.conftest import MakeClient, StartServer
from tests.resilience.harness import (
    expected_deliveries,
    open_intake_modal,
    poll,
    tally,
    unsent,
)
from tests.teams import activities as A

USERS_PER_PLATFORM = 25
PROPOSALS_PER_USER = 6  # 50 users x 6 = 300 proposals


async def test_300_proposals_from_50_users_are_stored_and_delivered_exactly_once(
    start_server: StartServer, make_client: MakeClient, slack_api: FakeSlackApi,
    connector: FakeConnector,
) -> None:
    server = await start_server()
    client = await make_client(server.url)
    assert (await client.teams_say("godkendelseskanal", A.CENTRAL, where="channel")).status \
        in (200, 202)
    assert server.core.store.get_ref(TEAMS_REVIEW_REF) is not None
    view = await open_intake_modal(client, slack_api)

    acked: dict[int, str] = {}
    latencies: list[float] = []

    async def person(platform: str, number: int) -> None:
        for turn in range(PROPOSALS_PER_USER):
            answer, pid = await client.propose(platform, view, number, f"{number}-{turn}")
            assert pid is not None, answer.body
            acked[pid] = platform
            latencies.append(answer.millis)

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(
        *(person(platform, n) for platform in ("slack", "teams")
          for n in range(USERS_PER_PLATFORM)),
    ), timeout=30)
    acked_in = time.perf_counter() - started

    store = server.core.store
    assert len(acked) == USERS_PER_PLATFORM * 2 * PROPOSALS_PER_USER
    stored = {p.id: p.source for p in store.list_proposals()}
    assert stored == acked  # every acknowledged proposal, and nothing else

    await poll(lambda: unsent(store) == 0, timeout=20)
    delivered_in = time.perf_counter() - started

    counts = tally(slack_api, connector)
    assert counts.duplicates() == {}
    assert counts.counts == expected_deliveries(stored, ["slack", "teams"])
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    print(
        f"\nburst: {len(acked)} proposals acked in {acked_in:.2f}s "
        f"({len(acked) / acked_in:.0f}/s), all {sum(counts.counts.values())} deliveries in "
        f"{delivered_in:.2f}s; ack p50 {cuts[49]:.0f} ms, p99 {cuts[98]:.0f} ms"
    )
