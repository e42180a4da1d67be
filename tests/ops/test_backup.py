"""`opslag backup` and `opslag restore` as operations staff use them, beside a real server.

The record must survive: a copy taken while proposals pour in holds every proposal that was
acknowledged before it began, each with its whole history, and a server started on the restored
file finds them all. A restore never runs under a live server, and never throws the old file away.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot import backup
from bot.clock import iso, utcnow
from bot.proposal import Actor, Decision, HistoryEvent
from bot.store import OPSLAG_TABLES, SERVER_LEASE_PREFIX
from opslag.cli import main
from tests.fakes.slack_api import FakeSlackApi
from tests.resilience.conftest import MakeClient, StartServer
from tests.resilience.harness import CHEF, open_intake_modal, read_db

USERS_PER_PLATFORM = 10
PROPOSALS_PER_USER = 6  # 2 x 10 x 6 = 120 proposals, every third one sent back at once
DECIDER = Actor(platform="slack", user_id=CHEF, name="Chef")

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """`opslag ...` on the database at `db` (OPSLAG_DB), as typed in a shell."""

    def run(*argv: str, db: Path) -> tuple[int, str, str]:
        monkeypatch.setenv("OPSLAG_DB", str(db))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def history_of(db: Path) -> dict[int, list[tuple[int, str, str]]]:
    """Each proposal's history rows (id, event, at) in the file, read as another process."""
    found: dict[int, list[tuple[int, str, str]]] = {}
    for row in read_db(db, "SELECT id, proposal_id, event, at FROM history ORDER BY id"):
        found.setdefault(row["proposal_id"], []).append((row["id"], row["event"], row["at"]))
    return found


def rows(events: list[HistoryEvent]) -> list[tuple[str, dt.datetime]]:
    return [(event.event, event.at) for event in events]


async def test_a_backup_during_a_burst_restores_every_acknowledged_proposal_with_its_history(
    start_server: StartServer, make_client: MakeClient, slack_api: FakeSlackApi,
    db_path: Path, tmp_path: Path, cli: Cli,
) -> None:
    server = await start_server()
    client = await make_client(server.url)
    view = await open_intake_modal(client, slack_api)
    core = server.core
    # What users were told, in the order they were told it (a proposal stored, a decision
    # made), and where in that order the copy began.
    told: list[tuple[str, int]] = []
    BACKUP = ("backup", 0)

    async def person(platform: str, number: int) -> None:
        for turn in range(PROPOSALS_PER_USER):
            answer, pid = await client.propose(platform, view, number, f"{number}-{turn}")
            assert pid is not None, answer.body
            told.append(("submitted", pid))
            if pid % 3 == 0:
                outcome = await core.run(core.workflow.decide, pid, Decision.REQUEST_CHANGES,
                                         DECIDER, "Gør teksten kortere")
                assert outcome.changed
                told.append(("changes_requested", pid))

    copy = tmp_path / "kopi.db"

    async def take_backup() -> tuple[int, str, str]:
        # Once a third of the burst is acknowledged, from another thread, as a shell would.
        while len(told) < USERS_PER_PLATFORM * 2 * PROPOSALS_PER_USER // 3:
            await asyncio.sleep(0.005)
        told.append(BACKUP)
        return await asyncio.to_thread(cli, "backup", "--out", str(copy), db=db_path)

    # A task group: one person's failure stops the others (and the backup waiting for them).
    async with asyncio.timeout(60), asyncio.TaskGroup() as group:
        for platform in ("slack", "teams"):
            for number in range(USERS_PER_PLATFORM):
                group.create_task(person(platform, number))
        backed_up = group.create_task(take_backup())
    code, out, err = backed_up.result()

    assert code == 0, err
    started = told.index(BACKUP)
    before: dict[int, list[str]] = {}  # what each user had been told before the copy began
    for event, pid in told[:started]:
        before.setdefault(pid, []).append(event)
    assert before and told[started + 1:], "the burst went on while the copy was made"
    copied = history_of(copy)
    assert f"{len(copied)} forslag og {sum(map(len, copied.values()))} historikrækker" in out
    assert "Integritetstjek: ok" in out
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600  # the record holds personal data
    # One consistent moment: every proposal in the copy has its history, and no history row
    # lacks its proposal (the copy is no mix of before and after a transaction).
    copied_ids = {row["id"] for row in read_db(copy, "SELECT id FROM proposals")}
    assert copied_ids == set(copied)

    # Restored under a new name, and a new server started on it.
    restored_db = tmp_path / "ny" / "opslag.db"
    restored_db.parent.mkdir()
    code, out, err = cli("restore", str(copy), db=restored_db)
    assert code == 0, err
    assert "Integritetstjek: ok" in out
    second = await start_server(opslag_db=restored_db)
    restored = second.core
    for pid, events in sorted(before.items()):
        proposal = await restored.run(restored.workflow.get, pid)
        original = await core.run(core.workflow.get, pid)
        # All it had when its user was told, and nothing but what the live record has.
        assert [event.event for event in proposal.history][:len(events)] == events
        assert rows(proposal.history) == rows(original.history)[:len(proposal.history)]
        assert proposal.intake == original.intake


async def test_restore_refuses_while_a_server_runs_and_keeps_the_old_file_beside_the_new(
    start_server: StartServer, make_client: MakeClient, slack_api: FakeSlackApi,
    db_path: Path, tmp_path: Path, cli: Cli,
) -> None:
    server = await start_server()
    client = await make_client(server.url)
    view = await open_intake_modal(client, slack_api)
    for number in range(3):
        await client.propose("slack", view, number, f"old-{number}")
    copy = tmp_path / "kopi.db"
    assert cli("backup", "--out", str(copy), db=db_path)[0] == 0
    await client.propose("slack", view, 9, "after-the-copy")  # only in the live file
    before = db_path.read_bytes()

    code, out, err = cli("restore", str(copy), db=db_path)
    assert code == 2 and out == ""
    assert err.startswith("opslag: en server kører på databasen")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert db_path.read_bytes() == before
    assert not list(tmp_path.glob("opslag.db.gammel-*"))

    await server.stop()  # a server that stops gives its lease up: no waiting
    code, out, err = cli("restore", str(copy), db=db_path)
    assert code == 0, err
    (kept,) = tmp_path.glob("opslag.db.gammel-*[0-9]Z")
    assert f"Den gamle database ligger i {kept}." in out
    assert read_db(kept, "SELECT count(*) AS n FROM proposals")[0]["n"] == 4
    assert read_db(db_path, "SELECT count(*) AS n FROM proposals")[0]["n"] == 3
    assert not any(key.startswith(SERVER_LEASE_PREFIX) for key in leases(db_path))


def leases(db: Path) -> list[str]:
    return [row["key"] for row in read_db(db, "SELECT key FROM refs")]


def put_lease(db: Path, age: dt.timedelta) -> None:
    """A lease as a server left it `age` ago (the wall clock, as servers write it)."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("INSERT INTO refs (key, data, updated_at) VALUES (?, '{}', ?)",
                     [f"{SERVER_LEASE_PREFIX}other-host:4711:abcd", iso(utcnow() - age)])
    conn.close()


@pytest.mark.parametrize("age, refused", [(dt.timedelta(seconds=30), True),
                                          (backup.LEASE_TTL + dt.timedelta(seconds=5), False)])
async def test_a_server_on_another_machine_blocks_a_restore_until_its_lease_runs_out(
    start_server: StartServer, db_path: Path, tmp_path: Path, cli: Cli,
    age: dt.timedelta, refused: bool,
) -> None:
    """A server that was killed cannot give its lease up: it stops counting after LEASE_TTL."""
    server = await start_server()
    copy = tmp_path / "kopi.db"
    assert cli("backup", "--out", str(copy), db=db_path)[0] == 0
    await server.stop()
    put_lease(db_path, age)
    code, _, err = cli("restore", str(copy), db=db_path)
    if refused:
        assert code == 2 and "other-host (pid 4711)" in err
    else:
        assert code == 0, err


@pytest.mark.parametrize("content, message", [
    (b"", "er ikke en database fra Opslag"),
    (b"not a database at all, just text " * 100, "er ikke en SQLite-database"),
])
async def test_restore_refuses_a_file_that_is_no_copy_and_changes_nothing(
    start_server: StartServer, db_path: Path, tmp_path: Path, cli: Cli,
    content: bytes, message: str,
) -> None:
    server = await start_server()
    await server.stop()
    before = db_path.read_bytes()
    bad = tmp_path / "forkert.db"
    bad.write_bytes(content)
    code, out, err = cli("restore", str(bad), db=db_path)
    assert code == 2 and out == ""
    assert err == f"opslag: {bad} {message}\n"
    assert db_path.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".")) == []


async def test_restore_refuses_a_damaged_copy(
    start_server: StartServer, db_path: Path, tmp_path: Path, cli: Cli,
) -> None:
    server = await start_server()
    await server.stop()
    copy = tmp_path / "kopi.db"
    assert cli("backup", "--out", str(copy), db=db_path)[0] == 0
    damage(copy)
    code, _, err = cli("restore", str(copy), db=db_path)
    assert code == 2
    assert err.startswith(f"opslag: {copy} er beskadiget (integritetstjek: ")


def damage(path: Path) -> None:
    """Overwrite the last page with garbage: a b-tree page SQLite's integrity_check reads."""
    size = path.stat().st_size
    page = read_db(path, "PRAGMA page_size")[0][0]
    with path.open("r+b") as handle:
        handle.seek(size - page)
        handle.write(b"\xff" * page)


@pytest.mark.parametrize("where, message", [
    ("no-such-folder/kopi.db", "mappen findes ikke"),
    ("", "det er en mappe; skriv et filnavn"),
])
async def test_a_backup_that_cannot_be_written_is_one_line_and_leaves_nothing(
    start_server: StartServer, db_path: Path, tmp_path: Path, cli: Cli, where: str,
    message: str,
) -> None:
    server = await start_server()
    await server.stop()
    target = tmp_path / "ud"
    target.mkdir()
    out_path = target / where if where else target
    code, out, err = cli("backup", "--out", str(out_path), db=db_path)
    assert code == 2 and out == ""
    assert err.strip().endswith(message), err
    assert list(target.iterdir()) == []


def test_a_backup_of_a_database_that_does_not_exist_says_so(
    make_settings: Any, tmp_path: Path, cli: Cli,
) -> None:
    make_settings()
    missing = tmp_path / "ingen.db"
    code, _, err = cli("backup", "--out", str(tmp_path / "kopi.db"), db=missing)
    assert (code, err) == (2, f"opslag: databasen {missing} findes ikke\n")
    assert not missing.exists()  # not created by looking


def test_restore_keeps_a_wal_beside_the_old_file(tmp_path: Path) -> None:
    """The old database's commits still in its -wal (a server that was killed) are kept with
    it: the kept file opens with them."""
    old = tmp_path / "opslag.db"
    writer = sqlite3.connect(old)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # the commit stays in the WAL
    for table in sorted(OPSLAG_TABLES):
        writer.execute(f"CREATE TABLE {table} (key TEXT, updated_at TEXT, id INTEGER)")
    writer.execute("INSERT INTO proposals (id) VALUES (1)")
    writer.commit()
    # Copied with the WAL open, as after a kill (a clean close would fold the WAL in).
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for name in ("opslag.db", "opslag.db-wal"):
        (crashed / name).write_bytes((tmp_path / name).read_bytes())
    writer.close()
    database = crashed / "opslag.db"
    assert (crashed / "opslag.db-wal").stat().st_size > 0
    copy = tmp_path / "kopi.db"
    backup.make_backup(old, copy)

    restored = backup.restore(copy, database, utcnow())

    assert restored.kept is not None
    assert os.path.exists(f"{restored.kept}-wal")
    assert read_db(restored.kept, "SELECT count(*) AS n FROM proposals")[0]["n"] == 1
