"""The event loop never waits on SQLite: while another process holds the database's write lock,
submissions wait for it on the store thread (bot/store_thread.py), and everything else the
server answers — GET /healthz, a slash command answered in its ack, a button click that needs
no write — is answered at once, not after the busy timeout."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from bot.workflow import Unavailable
from tests.fakes.slack_api import FakeSlackApi
from tests.resilience.conftest import MakeClient, StartServer
from tests.resilience.harness import Answer, Client, open_intake_modal, slack_ack_id

# Long enough that a request held up by it cannot pass for a quick one.
BUSY_TIMEOUT = 0.75
# What "at once" allows on a busy 2-core machine (other test runs included); before the store
# thread a probe that met a waiting submission took the busy timeout (750 ms) or more.
QUICK_MS = 300
# They wait in turn, so the last one is answered after SUBMISSIONS x BUSY_TIMEOUT: well within
# the 3 s Slack (and bolt) give an acknowledgement.
SUBMISSIONS = 2


@contextlib.contextmanager
def write_locked(db_path: Path) -> Iterator[None]:
    """Another process holds the write lock (an open BEGIN IMMEDIATE)."""
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


async def probe_while(client: Client, api: FakeSlackApi,
                      busy: asyncio.Future[list[Answer]]) -> list[Answer]:
    """GET /healthz and `/foreslå-opslag hjælp` (answered in the ack) one after another until
    `busy` is done; at least a few of each."""
    answers: list[Answer] = []
    while not busy.done() or len(answers) < 6:
        answers.append(await client.get("/healthz"))
        answers.append(await client.slack_command(api, "hjælp"))
        await asyncio.sleep(0.01)
    return answers


async def test_requests_are_answered_at_once_while_the_database_is_locked(
    start_server: StartServer, make_client: MakeClient, slack_api: FakeSlackApi, db_path: Path
) -> None:
    server = await start_server(opslag_db_busy_timeout=BUSY_TIMEOUT)
    client = await make_client(server.url)
    view = await open_intake_modal(client, slack_api)
    with write_locked(db_path):
        # Each waits the busy timeout for the lock, one after another.
        submissions = asyncio.gather(*(
            client.slack_submit(view, f"U{number:04d}", f"VLOCKED{number}")
            for number in range(SUBMISSIONS)
        ))
        probes = await probe_while(client, slack_api, submissions)
        refused = await submissions
    assert all(answer.status == 200 for answer in probes)
    slowest = max(answer.millis for answer in probes)
    assert slowest < QUICK_MS, f"a request waited {slowest:.0f} ms for the locked database"
    # The submissions themselves waited for the lock and were told to try again.
    for answer in refused:
        assert answer.status == 200
        assert list(answer.json()["errors"].values()) == [Unavailable().message]
    # The lock is gone: the same modal goes through now.
    stored = await client.slack_submit(view, "U0000", "VLOCKED0")
    assert slack_ack_id(stored) is not None
