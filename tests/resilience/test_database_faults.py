"""A database that cannot write: locked by another process, read-only, or full.

Both edges tell the user, in Danish, to try again (Slack: the modal stays open with a field
error, a refused click gets an ephemeral answer; Teams: the form comes back with the answers,
a refused click shows it on the card), never a traceback; nothing is half-written; GET /healthz
keeps answering; and once the database can write again the same submission goes through and the
outbox delivers, without a restart. A server started on a read-only file says so on GET /readyz
and takes writes once the file can be written, also without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import stat
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import store as store_module
from bot.config import Settings
from bot.core import build_core
from bot.outbox import LEASE
from bot.store import REOPEN_EVERY, Store, StoreUnavailable
from bot.workflow import Unavailable
from handlers.slack.ids import ADVICE_VIEW, APPROVE
from tests.conftest import FakeClock
from tests.fakes.slack_api import FakeSlackApi
from tests.resilience.conftest import MakeClient, StartServer
from tests.resilience.harness import (
    CHEF,
    Answer,
    open_intake_modal,
    poll,
    read_db,
    slack_ack_id,
    tally,
    teams_ack_id,
    teams_user,
    unsent,
)
from tests.slack.helpers import SlackServer
from tests.teams import activities as A

TRY_AGAIN = Unavailable().message
TABLES = ("proposals", "history", "outbox", "processed_events", "refs")
# How long GET /healthz may take while the database is locked (its own answer needs no
# database; what it can wait for is another request's write, at most the busy timeout).
HEALTHZ_MAX_MS = 600

Fault = Callable[[SlackServer, Path], contextlib.AbstractContextManager[None]]


@contextlib.contextmanager
def locked(server: SlackServer, db_path: Path) -> Iterator[None]:
    """Another process holds the write lock (an open BEGIN IMMEDIATE)."""
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def _chattr(path: Path, flag: str) -> bool:
    """chattr +i or -i; False where there is no chattr or the file system refuses the flag."""
    chattr = shutil.which("chattr")
    if chattr is None:
        return False
    return subprocess.run([chattr, flag, str(path)], capture_output=True).returncode == 0


@contextlib.contextmanager
def read_only_file(db_path: Path) -> Iterator[Callable[[], None]]:
    """The database file cannot be opened for writing (SQLite then opens it read-only without a
    word): chmod 0444, and as root, who ignores file modes, immutable as well (chattr +i, which
    root obeys on ext4, xfs, btrfs and recent tmpfs). Skipped where neither holds. Yields the
    fix: a function that makes the file writable again."""
    mode = stat.S_IMODE(db_path.stat().st_mode)
    immutable = False

    def make_writable() -> None:
        nonlocal immutable
        if immutable:
            immutable = not _chattr(db_path, "-i")
        db_path.chmod(mode)

    db_path.chmod(0o444)
    try:
        if os.access(db_path, os.W_OK):  # root
            immutable = _chattr(db_path, "+i")
        if os.access(db_path, os.W_OK):
            pytest.skip("no way to make a file read-only for this user here (root, no chattr)")
        yield make_writable
    finally:
        make_writable()


@contextlib.contextmanager
def read_only(server: SlackServer, db_path: Path) -> Iterator[None]:
    """The file turns read-only under the running server: it cannot be opened for writing, and
    the server's open connection refuses writes as one that SQLite opened read-only does
    (query_only; an open read-write descriptor would still write). The fix makes the file
    writable and leaves the connection as it is: the server must open a new one by itself."""
    with read_only_file(db_path) as make_writable:
        server.core.store.db.execute("PRAGMA query_only = ON")
        yield
        make_writable()


@contextlib.contextmanager
def disk_full(server: SlackServer, db_path: Path) -> Iterator[None]:
    """No room for one more page, as on a full disk."""
    db = server.core.store.db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")
    try:
        yield
    finally:
        db.execute("PRAGMA max_page_count = 1073741823")


def counts(db_path: Path) -> dict[str, int]:
    return {table: read_db(db_path, f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]
            for table in TABLES}


def input_values(card: Any) -> dict[str, Any]:
    """The values of the inputs on an Adaptive Card, by input id."""
    found: dict[str, Any] = {}
    if isinstance(card, dict):
        if str(card.get("type", "")).startswith("Input.") and "value" in card:
            found[card["id"]] = card["value"]
        for value in card.values():
            found.update(input_values(value))
    elif isinstance(card, list):
        for item in card:
            found.update(input_values(item))
    return found


def no_traceback(answer: Answer) -> None:
    for leak in ("Traceback", "sqlite", "OperationalError", "locked", "readonly", "full"):
        assert leak not in answer.body, answer.body


async def healthz_while(client: Any, rounds: int = 15) -> list[float]:
    times = []
    for _ in range(rounds):
        answer = await client.get("/healthz")
        assert answer.status == 200
        times.append(answer.millis)
        await asyncio.sleep(0.02)
    return times


@pytest.mark.parametrize("fault", [locked, read_only, disk_full],
                         ids=["locked", "read-only", "disk-full"])
async def test_a_database_that_cannot_write_is_a_danish_try_again_and_heals_by_itself(
    fault: Fault, start_server: StartServer, make_client: MakeClient,
    slack_api: FakeSlackApi, db_path: Path,
) -> None:
    server = await start_server()
    client = await make_client(server.url)
    await client.teams_say("godkendelseskanal", A.CENTRAL, where="channel")
    view = await open_intake_modal(client, slack_api)
    anna = teams_user(1)
    await client.teams_say("hjælp", anna)  # her personal chat is known before the fault
    waiting = slack_ack_id(await client.slack_submit(view, "U0002", "V-before"))
    assert waiting is not None
    await asyncio.wait_for(_delivered(server), timeout=5)
    before = counts(db_path)

    with fault(server, db_path):
        slack, teams, health = await asyncio.gather(
            client.slack_submit(view, "U0001", "V-fault", title="Høstmarked"),
            client.teams_submit(anna, "form-under-fault", title="Julemarked"),
            healthz_while(client),
        )
        # With the requests answered, GET /healthz answers at once (the outbox is backing off).
        quiet = await healthz_while(client, rounds=10)

        assert slack.status == 200 and slack.millis < 2000  # well inside Slack's 3 seconds
        reply = slack.json()
        if reply["response_action"] == "errors":  # nothing kept: the questions stay open
            assert reply["errors"] == {"text": TRY_AGAIN}
        else:  # the answers were kept (a small write got through), Send was refused:
            # the advice stays open with why at its top, and Send may be pressed again.
            assert reply["view"]["callback_id"] == ADVICE_VIEW
            assert reply["view"]["blocks"][0]["text"]["text"] == f"⚠️ {TRY_AGAIN}"
        no_traceback(slack)

        assert teams.status == 200
        card = teams.json()["value"]
        assert TRY_AGAIN in str(card)
        # The advice card again, its answers kept in Send's data: Send may be pressed again.
        send = next(a["data"] for a in card["actions"] if a.get("verb") == "send")
        assert send["answers"]["title"] == "Julemarked"
        no_traceback(teams)

        # A decision is refused the same way: an ephemeral answer in Slack, the card in Teams.
        slack_click, teams_click = await asyncio.gather(
            client.slack_click(APPROVE, waiting, CHEF),
            client.teams_click(APPROVE, waiting, A.CENTRAL),
        )
        assert slack_click.status == 200 and slack_click.millis < 2000
        (ephemeral,) = await slack_api.wait_for("chat.postEphemeral", 1, user=CHEF)
        assert ephemeral.args["text"] == TRY_AGAIN
        assert teams_click.status == 200
        assert TRY_AGAIN in str(teams_click.json()["value"])
        no_traceback(teams_click)

        # Nothing half-written, the form id not used up; at most the answers the advice was
        # shown on are kept (a reference, not a proposal: Send stores one).
        after = counts(db_path)
        assert after["refs"] - before["refs"] in (0, 1)
        assert {**after, "refs": before["refs"]} == before
        assert max(quiet) < HEALTHZ_MAX_MS, quiet
        # Meanwhile it waited at most the busy timeout per write in the way (the two
        # submissions and an outbox poll), never a request's whole 2 s as it used to.
        assert max(health) < 1500, health

    # Writable again: the same submissions go through, no restart.
    slack_ok = await client.slack_submit(view, "U0001", "V-fault", title="Høstmarked")
    teams_ok = await client.teams_submit(anna, "form-under-fault", title="Julemarked")
    assert slack_ack_id(slack_ok) is not None, slack_ok.body
    assert teams_ack_id(teams_ok) is not None, teams_ok.body
    assert (await client.slack_click(APPROVE, waiting, CHEF)).status == 200
    store = server.core.store

    def approved() -> bool:
        proposal = store.get_proposal(waiting, with_history=False)
        return proposal is not None and proposal.status == "approved"

    await poll(approved, timeout=5)
    assert sorted(str(p.intake.title) for p in store.list_proposals()) == [
        "Høstmarked", "Julemarked", "Træplantning i Grenaa"]
    await asyncio.wait_for(_delivered(server), timeout=8)
    print(f"\n{fault.__name__}: healthz during the fault max {max(health):.0f} ms "
          f"(with the two writes), then max {max(quiet):.0f} ms; slack ack {slack.millis:.0f} ms,"
          f" teams ack {teams.millis:.0f} ms")


async def _delivered(server: SlackServer) -> None:
    while unsent(server.core.store):
        await asyncio.sleep(0.02)


class CountedConnects:
    """Counts the connections the store opens (a reopen is one)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, read_only: bool = False) -> None:
        self.opened = 0
        self.read_only = read_only
        self._connect = store_module.connect
        monkeypatch.setattr(store_module, "connect", self)

    def __call__(self, path: str | Path, busy_timeout: float) -> Any:
        self.opened += 1
        db = self._connect(path, busy_timeout)
        if self.read_only:  # a file SQLite keeps opening read-only though its mode says writable
            db.execute("PRAGMA query_only = ON")
        return db


async def test_a_server_started_on_a_read_only_file_is_not_ready_and_takes_writes_once_it_can(
    start_server: StartServer, make_client: MakeClient, slack_api: FakeSlackApi,
    db_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 15: a server started while its database file was read-only answered "prøv igen"
    until it was restarted, long after the file's permissions were fixed. Now GET /readyz says
    why it cannot take work, and the first submission after the fix is stored."""
    Store(db_path).close()  # an up-to-date database, as a restore or a copy leaves it
    anna = teams_user(1)
    with read_only_file(db_path) as make_writable:
        server = await start_server()
        connects = CountedConnects(monkeypatch)
        client = await make_client(server.url)
        view = await open_intake_modal(client, slack_api)

        slack = await client.slack_submit(view, "U0001", "V-ro", title="Høstmarked")
        teams = await client.teams_submit(anna, "form-ro", title="Julemarked")
        ready = await client.get("/readyz")
        health = await client.get("/healthz")

        assert slack.status == 200 and slack.json()["errors"] == {"text": TRY_AGAIN}
        no_traceback(slack)
        assert teams.status == 200 and TRY_AGAIN in str(teams.json()["value"])
        no_traceback(teams)
        assert ready.status == 503
        assert ready.json() == {"status": "not_ready", "reason": "database_read_only",
                                "besked": "Databasen kan ikke skrive (skrivebeskyttet).",
                                "message": "The database cannot write (read-only)."}
        assert health.status == 200  # alive, just not ready
        assert counts(db_path) == dict.fromkeys(TABLES, 0)  # nothing half-stored
        assert connects.opened == 0  # a file that stays read-only costs no reconnects

        make_writable()
        slack_ok = await client.slack_submit(view, "U0001", "V-ro", title="Høstmarked")
        teams_ok = await client.teams_submit(anna, "form-ro", title="Julemarked")
        ready = await client.get("/readyz")

    assert slack_ack_id(slack_ok) is not None, slack_ok.body
    assert teams_ack_id(teams_ok) is not None, teams_ok.body
    assert ready.status == 200 and ready.json() == {"status": "ready"}
    assert connects.opened == 1  # one new connection, no restart
    assert sorted(str(p.intake.title) for p in server.core.store.list_proposals()) == [
        "Høstmarked", "Julemarked"]
    await asyncio.wait_for(_delivered(server), timeout=8)


def test_a_connection_that_stays_read_only_is_reopened_at_most_every_ten_seconds(
    db_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The file's mode says writable, but SQLite keeps opening it read-only (a read-only -shm,
    an ACL): each write is "prøv igen" without a reconnect per request; one attempt per
    REOPEN_EVERY. Once a new connection can write, the next write or readiness probe uses it."""
    store = Store(db_path, clock=clock)
    store.db.execute("PRAGMA query_only = ON")
    connects = CountedConnects(monkeypatch, read_only=True)

    def write(key: str) -> None:
        with store.transaction():
            store.claim_run(key, clock())

    for attempt in range(30):
        with pytest.raises(StoreUnavailable, match="readonly"):
            write(f"run-{attempt}")
        clock.advance(seconds=0.2)
    assert connects.opened == 1  # the second write tried a new connection; the rest waited
    assert store.write_problem() == "database_read_only"

    clock.advance(seconds=REOPEN_EVERY.total_seconds())
    with pytest.raises(StoreUnavailable):
        write("run-after-ten-seconds")
    assert connects.opened == 2

    connects.read_only = False  # the file opens read-write again
    clock.advance(seconds=REOPEN_EVERY.total_seconds())
    assert store.write_problem() is None  # the readiness probe reopened it
    write("run-ok")
    assert connects.opened == 3
    assert [row["key"] for row in read_db(db_path, "SELECT key FROM runs")] == ["run-ok"]
    store.close()


async def test_a_lock_while_messages_are_in_flight_does_not_send_them_twice(
    start_server: StartServer, make_client: MakeClient, slack_api: FakeSlackApi,
    clock: FakeClock, db_path: Path,
) -> None:
    """Slack has the messages, but the database is locked when the outbox wants to mark them
    sent: it waits for the lock (serving requests meanwhile) instead of leaving them claimed,
    which would send them again when the lease runs out."""
    server = await start_server(background=False)
    client = await make_client(server.url)
    view = await open_intake_modal(client, slack_api)
    assert slack_ack_id(await client.slack_submit(view, "U0001", "V1")) is not None
    release = slack_api.hang()
    delivering = asyncio.create_task(server.core.outbox.run_once())
    await poll(lambda: len(slack_api.calls_to("chat.postMessage")) == 1, timeout=5)

    with locked(server, db_path):
        release.set()
        health = await healthz_while(client, rounds=10)
        assert not delivering.done()  # Slack answered; the marks wait for the lock
        assert max(health) < HEALTHZ_MAX_MS, health

    assert await asyncio.wait_for(delivering, timeout=5) == 2
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert await server.core.outbox.run_once() == 0
    assert tally(slack_api, None).counts == {("slack_review", 1): 1, ("slack_dm", 1): 1}


def test_requests_wait_the_configured_busy_timeout_and_a_start_waits_longer(
    both_settings: Callable[..., Settings], db_path: Path,
) -> None:
    """OPSLAG_DB_BUSY_TIMEOUT is what a request waits for a lock; a server that starts while
    another process holds the lock (migrating the same file) waits longer instead of failing."""
    core = build_core(both_settings())
    default = Settings.model_fields["opslag_db_busy_timeout"].default
    assert core.store.db.execute("PRAGMA busy_timeout").fetchone()[0] == round(default * 1000)
    core.close()

    blocker = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    threading.Timer(0.3, blocker.rollback).start()
    core = build_core(both_settings(opslag_db_busy_timeout=0.05))
    blocker.close()
    assert core.store.db.execute("PRAGMA busy_timeout").fetchone()[0] == 50
    core.close()
