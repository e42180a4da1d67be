"""The store on a real SQLite file: WAL, migrations, append-only history, outbox de-duplication."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store import NewMessage, Store, StoreUnavailable
from tests.conftest import FakeClock


def test_wal_foreign_keys_and_migrations_are_idempotent(db_path: Path) -> None:
    Store(db_path).close()
    store = Store(db_path)
    mode = store.db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    names = [row["name"] for row in store.db["migrations"].rows]
    assert names == sorted(set(names)) and len(names) >= 4
    store.close()


def test_history_refuses_update_and_delete(db_path: Path, clock: FakeClock) -> None:
    store = Store(db_path)
    store.db.execute(
        "INSERT INTO proposals (created_at, updated_at, source, proposer, intake, status)"
        " VALUES ('x', 'x', 'console', '{}', '{}', 'pending')"
    )
    store.db.execute(
        "INSERT INTO history (proposal_id, at, event) VALUES (1, 'x', 'submitted')"
    )
    for sql in ("UPDATE history SET note = 'rettet'", "DELETE FROM history"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.db.execute(sql)
    assert store.db.execute("SELECT COUNT(*) FROM history").fetchone()[0] == 1
    store.close()


def test_enqueue_ignores_a_second_message_with_the_same_key(
    db_path: Path, clock: FakeClock
) -> None:
    store = Store(db_path)
    message = NewMessage(platform="slack", kind="digest", dedupe_key="uge-48", payload={})
    assert store.enqueue(message, clock()) is True
    assert store.enqueue(message, clock()) is False
    assert len(store.outbox_rows()) == 1
    store.close()


def test_a_failed_transaction_leaves_nothing(db_path: Path, clock: FakeClock) -> None:
    store = Store(db_path)
    message = NewMessage(platform="slack", kind="digest", dedupe_key="k", payload={})
    with pytest.raises(RuntimeError), store.transaction():
        store.enqueue(message, clock())
        raise RuntimeError("midt i det hele")
    assert store.outbox_rows() == []
    store.close()


def test_events_and_runs_are_recorded_once(db_path: Path, clock: FakeClock) -> None:
    store, other = Store(db_path), Store(db_path)
    assert store.first_time("Ev1", clock()) is True
    assert other.first_time("Ev1", clock()) is False
    assert other.claim_run("digest:2026-W48:slack", clock()) is True
    assert store.claim_run("digest:2026-W48:slack", clock()) is False
    store.close()
    other.close()


def test_a_bug_in_sql_is_not_turned_into_try_again(db_path: Path) -> None:
    """Only a database that cannot be used now is 'prøv igen'; a statement naming a missing
    column is a bug, raised as it is so it is logged once instead of retried forever."""
    store = Store(db_path)
    with pytest.raises(sqlite3.OperationalError, match="no such column"), store.transaction() as db:
        db.execute("UPDATE proposals SET no_such_column = 1")
    store.db.execute("DROP TABLE refs")
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        store.get_ref("teams:review_channel")
    store.close()


def test_a_database_locked_by_another_process_is_try_again(db_path: Path) -> None:
    store = Store(db_path, busy_timeout=0.01)
    other = sqlite3.connect(db_path)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreUnavailable, match="locked"), store.transaction():
            pass
    finally:
        other.rollback()
        other.close()
    store.close()
