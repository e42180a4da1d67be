"""GET /readyz: 200 while the database can take a write, 503 with the reason (a code and a
Danish sentence) while it cannot; GET /healthz answers either way.

The read-only cases (a server started on a read-only file, a file that turns read-only) are in
tests/resilience/test_database_faults.py; here a lock held by another process and a full disk.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.core import Core
from bot.proposal import Actor
from bot.store import FAILED_WRITE_MEMORY
from bot.workflow import Unavailable
from opslag.server import CORE_KEY, build_app
from policy import parse_intake
from tests.conftest import FakeClock, intake_data

READY = {"status": "ready"}
LOCKED = {"status": "not_ready", "reason": "database_locked",
          "besked": "Databasen kan ikke skrive: en anden proces holder den låst.",
          "message": "The database cannot write: another process holds its lock."}
FULL = {"status": "not_ready", "reason": "database_full",
        "besked": "Databasen kan ikke skrive: disken er fuld.",
        "message": "The database cannot write: the disk is full."}
ANNA = Actor(platform="console", user_id="anna", display="Anna")
Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(make_settings: Any, clock: FakeClock) -> AsyncIterator[Client]:
    """The real server on a free port (the background outbox and schedule too)."""
    async with TestClient(TestServer(build_app(make_settings(), clock=clock))) as running:
        yield running


@pytest.fixture
async def quiet_client(make_settings: Any, clock: FakeClock) -> AsyncIterator[Client]:
    """The real server without its background outbox and schedule: nothing but the request
    under test touches the database (they would hold its lock now and then)."""
    app = build_app(make_settings(), clock=clock, background=False)
    async with TestClient(TestServer(app)) as running:
        yield running


def core_of(client: Client) -> Core:
    app = client.app
    assert app is not None
    return app[CORE_KEY]


async def readyz(client: Client) -> tuple[int, Any]:
    response = await client.get("/readyz")
    return response.status, await response.json()


@pytest.fixture
def other_process_lock(db_path: Path) -> Iterator[sqlite3.Connection]:
    """Another process's connection holding the write lock (an open BEGIN IMMEDIATE)."""
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


def submit(core: Core) -> None:
    core.workflow.submit(parse_intake(intake_data()), ANNA)


def fill_disk(core: Core) -> None:
    """No room for one more page, as on a full disk; proposals come in until one does not fit
    (the file's last pages still have room for a few)."""
    db = core.store.db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")
    for _ in range(100):
        try:
            submit(core)
        except Unavailable:
            return
    raise AssertionError("the disk never filled up")


def free_disk(core: Core) -> None:
    core.store.db.execute("PRAGMA max_page_count = 1073741823")


async def on_store_thread(core: Core, fn: Callable[[Core], None]) -> None:
    """Store work from the test runs where the server runs its own (its background outbox
    and schedule use the same connection)."""
    await core.run(fn, core)


async def test_a_server_whose_database_can_write_is_ready(client: Client) -> None:
    assert await readyz(client) == (200, READY)
    health = await client.get("/healthz")
    assert health.status == 200 and await health.json() == {"status": "ok"}


async def test_the_probe_leaves_no_lock_or_transaction_behind(
    quiet_client: Client, db_path: Path
) -> None:
    assert await readyz(quiet_client) == (200, READY)
    assert not core_of(quiet_client).store.db.conn.in_transaction
    other = sqlite3.connect(db_path, isolation_level=None, timeout=0)  # no waiting for a lock
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


async def test_a_lock_held_beyond_the_busy_timeout_is_not_ready_until_it_is_released(
    client: Client, other_process_lock: sqlite3.Connection
) -> None:
    started = time.perf_counter()
    assert await readyz(client) == (503, LOCKED)
    waited = time.perf_counter() - started
    busy_timeout = core_of(client).store.busy_timeout
    # It waited the busy timeout for the lock (a writer that finishes in time is no problem),
    # and not much longer: the event loop is not held up.
    assert busy_timeout <= waited < busy_timeout + 1.0, waited
    assert (await client.get("/healthz")).status == 200

    other_process_lock.execute("ROLLBACK")
    assert await readyz(client) == (200, READY)


async def test_a_full_disk_is_not_ready_until_a_write_goes_through(
    client: Client, clock: FakeClock
) -> None:
    """A probe writes nothing and so cannot see a full disk; the write that met it can."""
    core = core_of(client)
    await on_store_thread(core, fill_disk)
    assert await readyz(client) == (503, FULL)
    assert (await client.get("/healthz")).status == 200

    await on_store_thread(core, free_disk)
    clock.advance(seconds=30)
    assert await readyz(client) == (503, FULL)  # nothing has written since
    await on_store_thread(core, submit)
    assert await readyz(client) == (200, READY)


async def test_a_full_disk_nobody_writes_to_is_ready_again_after_a_minute(
    client: Client, clock: FakeClock
) -> None:
    """So a server taken out of rotation for it gets traffic again, and the next write tells."""
    await on_store_thread(core_of(client), fill_disk)
    clock.advance(seconds=FAILED_WRITE_MEMORY.total_seconds() - 1)
    assert await readyz(client) == (503, FULL)
    clock.advance(seconds=1)
    assert await readyz(client) == (200, READY)
