"""The only module with SQL: proposals, their append-only history, the outbox and references.

SQLite through sqlite-utils, WAL, foreign keys on, a busy timeout. Writes that belong together
run in one `BEGIN IMMEDIATE` transaction so that two processes never interleave them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlite_utils import Database

from bot.clock import iso, utcnow
from bot.proposal import Actor, HistoryEvent, Proposal, Status

BUSY_TIMEOUT_SECONDS = 2.0


class StoreUnavailable(Exception):
    """The database cannot take a write now (locked, read-only, disk full). Nothing of the
    transaction was kept; the same call can be tried again later."""


# SQLite's primary result codes that say "not now", not "wrong": waiting or fixing the file's
# permissions or disk helps, so these become a Danish "prøv igen". Extended codes
# (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, ...) start with one of them.
TRANSIENT_ERRORS = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_READONLY", "SQLITE_FULL",
                    "SQLITE_IOERR", "SQLITE_CANTOPEN")


def is_transient(exc: sqlite3.Error) -> bool:
    """True when the database cannot be used now; False for a bug such as a missing column."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    return any(name == code or name.startswith(code + "_") for code in TRANSIENT_ERRORS)


@contextlib.contextmanager
def unavailable_on_transient() -> Iterator[None]:
    """Turn a transient SQLite error into StoreUnavailable; anything else is a bug and raises
    as it is, so it is logged once with its traceback instead of being retried forever."""
    try:
        yield
    except sqlite3.Error as exc:
        if is_transient(exc):
            raise StoreUnavailable(str(exc)) from exc
        raise


class OutboxRow(BaseModel):
    id: int
    created_at: dt.datetime
    platform: str
    kind: str
    proposal_id: int | None
    lane: str
    dedupe_key: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None = None
    result: dict[str, Any] | None = None
    # When an operator last resolved a given-up row: this one, sent back to the outbox, or one
    # before it in its lane. Its time limit starts again then, not at `created_at`.
    retried_at: dt.datetime | None = None


class NewMessage(BaseModel):
    """An outgoing message to store in the same transaction as the change that caused it."""

    platform: str
    kind: str
    dedupe_key: str
    payload: dict[str, Any]
    proposal_id: int | None = None
    # Messages in one lane of one proposal and platform go out in order (a post before its
    # update); different lanes don't wait for each other.
    lane: str = ""


def _create_proposals(db: Database) -> None:
    db.table("proposals").create(
        {
            "id": int, "created_at": str, "updated_at": str, "source": str,
            "proposer": str, "proposer_id": str, "intake": str, "recommendation": str,
            "policy_version": str, "status": str, "revision": int, "decision": str,
            "decided_by": str, "decided_at": str, "decision_note": str, "escalated_at": str,
            "planned_for": str, "theme": str, "crisis": int,
        },
        pk="id",
        not_null={"created_at", "updated_at", "source", "proposer", "intake", "status"},
    )
    db.table("proposals").create_index(["status"])
    db.table("proposals").create_index(["planned_for"])
    db.table("proposals").create_index(["created_at"])


def _create_history(db: Database) -> None:
    db.table("history").create(
        {
            "id": int, "proposal_id": int, "at": str, "event": str, "actor_platform": str,
            "actor_id": str, "actor_name": str, "note": str, "revision": int, "snapshot": str,
        },
        pk="id",
        foreign_keys=[("proposal_id", "proposals", "id")],
        not_null={"proposal_id", "at", "event"},
    )
    db.table("history").create_index(["proposal_id"])
    # History is a record for access-to-documents requests: the database itself refuses edits.
    db.execute(
        "CREATE TRIGGER history_no_update BEFORE UPDATE ON history "
        "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER history_no_delete BEFORE DELETE ON history "
        "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
    )


def _create_outbox(db: Database) -> None:
    db.table("outbox").create(
        {
            "id": int, "created_at": str, "platform": str, "kind": str, "proposal_id": int,
            "lane": str, "dedupe_key": str, "payload": str, "status": str, "attempts": int,
            "next_attempt_at": str, "claimed_until": str, "claimed_by": str, "sent_at": str,
            "last_error": str, "result": str,
        },
        pk="id",
        not_null={"created_at", "platform", "kind", "dedupe_key", "payload", "status"},
        defaults={"attempts": 0, "status": "pending"},
    )
    db.table("outbox").create_index(["dedupe_key"], unique=True)
    db.table("outbox").create_index(["status", "next_attempt_at"])


def _create_refs(db: Database) -> None:
    db.table("refs").create({"key": str, "data": str, "updated_at": str}, pk="key")
    db.table("processed_events").create({"event_id": str, "at": str}, pk="event_id")
    db.table("runs").create({"key": str, "at": str}, pk="key")


def _index_outbox_lanes(db: Database) -> None:
    # claim_due asks, for every due row, whether an earlier row of its lane is still pending;
    # without this index each such question scanned all pending rows (quadratic in a burst).
    db.table("outbox").create_index(["proposal_id", "platform", "lane", "status"])


def _outbox_retried_at(db: Database) -> None:
    db.table("outbox").add_column("retried_at", str)


# Named migrations, applied once each and in order. Append; never edit one that has shipped.
MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = [
    ("001_proposals", _create_proposals),
    ("002_history", _create_history),
    ("003_outbox", _create_outbox),
    ("004_refs_events_runs", _create_refs),
    ("005_outbox_lane_index", _index_outbox_lanes),
    ("006_outbox_retried_at", _outbox_retried_at),
]


def connect(path: str | Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Database:
    conn = sqlite3.connect(str(path), timeout=busy_timeout, check_same_thread=False)
    db = Database(conn)
    with db.ensure_autocommit_on():
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


class Store:
    def __init__(self, path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = Path(path)
        # At start the migrations may wait longer (another process may be migrating the same
        # file in a rolling restart); afterwards a write waits `busy_timeout` at most.
        self.db = connect(self.path, max(busy_timeout, BUSY_TIMEOUT_SECONDS))
        self.migrate()
        self.db.execute(f"PRAGMA busy_timeout = {round(busy_timeout * 1000)}")

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction; nested calls join the outer one."""
        conn = self.db.conn
        if conn.in_transaction:
            yield self.db
            return
        # Locked, read-only or full: the rollback below keeps nothing half-written.
        with unavailable_on_transient():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def migrate(self) -> None:
        with self.transaction() as db:
            if "migrations" not in db.table_names():
                db.table("migrations").create({"name": str, "applied_at": str}, pk="name")
            applied = {row["name"] for row in db.table("migrations").rows}
            for name, apply in MIGRATIONS:
                if name not in applied:
                    apply(db)
                    db.table("migrations").insert({"name": name, "applied_at": iso(utcnow())})

    # -- proposals -------------------------------------------------------------------------

    def insert_proposal(self, proposal: Proposal) -> int:
        """Insert a new proposal (its `id` is ignored) and return the id SQLite gave it."""
        row = _proposal_row(proposal)
        row.pop("id")
        table = self.db.table("proposals").insert(row)
        assert table.last_pk is not None
        return int(table.last_pk)

    def update_proposal(self, proposal: Proposal) -> None:
        row = _proposal_row(proposal)
        self.db.table("proposals").update(proposal.id, row)

    def get_proposal(self, proposal_id: int, *, with_history: bool = True) -> Proposal | None:
        rows = list(self.db.query("SELECT * FROM proposals WHERE id = ?", [proposal_id]))
        if not rows:
            return None
        history = self.history(proposal_id) if with_history else []
        return _proposal_from_row(rows[0], history)

    def list_proposals(
        self,
        *,
        statuses: set[Status] | None = None,
        created_from: dt.datetime | None = None,
        created_to: dt.datetime | None = None,
        with_history: bool = False,
        limit: int | None = None,
    ) -> list[Proposal]:
        where: list[str] = ["1=1"]
        params: list[str] = []
        if statuses:
            where.append(f"status IN ({','.join('?' for _ in statuses)})")
            params.extend(sorted(statuses))
        if created_from:
            where.append("created_at >= ?")
            params.append(iso(created_from))
        if created_to:
            where.append("created_at < ?")
            params.append(iso(created_to))
        sql = f"SELECT * FROM proposals WHERE {' AND '.join(where)} ORDER BY id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [
            _proposal_from_row(row, self.history(row["id"]) if with_history else [])
            for row in self.db.query(sql, params)
        ]

    def open_crises_created_before(self, moment: dt.datetime) -> list[Proposal]:
        sql = (
            "SELECT * FROM proposals WHERE crisis = 1 AND status = 'pending' "
            "AND escalated_at IS NULL AND created_at <= ? ORDER BY id"
        )
        return [_proposal_from_row(row, []) for row in self.db.query(sql, [iso(moment)])]

    def approved_planned_between(self, first: dt.date, last: dt.date) -> list[Proposal]:
        """Approved proposals planned for a day from `first` to `last`, both included."""
        return _approved_planned_between(self.db, first, last)

    def approved_without_date(self) -> list[Proposal]:
        sql = (
            "SELECT * FROM proposals WHERE status = 'approved' AND planned_for IS NULL"
            " ORDER BY id"
        )
        return [_proposal_from_row(row, []) for row in self.db.query(sql)]

    def pending_oldest_first(self) -> list[Proposal]:
        """Pending proposals by how long they have waited since they were last (re)submitted."""
        sql = "SELECT * FROM proposals WHERE status = 'pending' ORDER BY updated_at, id"
        return [_proposal_from_row(row, []) for row in self.db.query(sql)]

    def mark_escalated(self, proposal_id: int, at: dt.datetime) -> bool:
        """Set `escalated_at` once, while the proposal is pending; False when it was already
        escalated or decided (by this or another process)."""
        before = self.db.conn.total_changes
        self.db.execute(
            "UPDATE proposals SET escalated_at = ? WHERE id = ? AND escalated_at IS NULL"
            " AND status = 'pending'",
            [iso(at), proposal_id],
        )
        return self.db.conn.total_changes > before

    def proposals_active_between(self, start: dt.datetime, end: dt.datetime) -> list[Proposal]:
        """Proposals with any history event from `start` up to (not including) `end`, each with
        its full history, in two queries."""
        active = "SELECT proposal_id FROM history WHERE at >= ? AND at < ?"
        params = [iso(start), iso(end)]
        history: dict[int, list[HistoryEvent]] = {}
        rows = self.db.query(
            f"SELECT * FROM history WHERE proposal_id IN ({active}) ORDER BY id", params
        )
        for row in rows:
            history.setdefault(row["proposal_id"], []).append(_history_from_row(row))
        rows = self.db.query(f"SELECT * FROM proposals WHERE id IN ({active}) ORDER BY id", params)
        return [_proposal_from_row(row, history.get(row["id"], [])) for row in rows]

    # -- history ---------------------------------------------------------------------------

    def append_history(
        self,
        proposal_id: int,
        at: dt.datetime,
        event: str,
        actor: Actor,
        note: str | None,
        *,
        revision: int | None = None,
        snapshot: dict[str, Any] | None = None,
    ) -> None:
        """Append one event. `snapshot` keeps the draft and recommendation a submission was made
        with, so the record still holds each revision after the proposer has edited it."""
        self.db.table("history").insert(
            {
                "proposal_id": proposal_id, "at": iso(at), "event": event,
                "actor_platform": actor.platform, "actor_id": actor.user_id,
                "actor_name": actor.display, "note": note, "revision": revision,
                "snapshot": json.dumps(snapshot) if snapshot is not None else None,
            }
        )

    def history(self, proposal_id: int) -> list[HistoryEvent]:
        sql = "SELECT * FROM history WHERE proposal_id = ? ORDER BY id"
        return [_history_from_row(row) for row in self.db.query(sql, [proposal_id])]

    # -- outbox ----------------------------------------------------------------------------

    def enqueue(self, message: NewMessage, at: dt.datetime) -> bool:
        """Store one outgoing message; a second one with the same dedupe key is ignored."""
        before = self.db.conn.total_changes
        self.db.execute(
            "INSERT OR IGNORE INTO outbox (created_at, platform, kind, proposal_id, lane,"
            " dedupe_key, payload, status, attempts, next_attempt_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)",
            [
                iso(at), message.platform, message.kind, message.proposal_id, message.lane,
                message.dedupe_key, json.dumps(message.payload, default=str), iso(at),
            ],
        )
        return self.db.conn.total_changes > before

    def claim_due(
        self,
        now: dt.datetime,
        worker: str,
        lease: dt.timedelta,
        platforms: set[str],
        limit: int = 20,
    ) -> list[OutboxRow]:
        """Lease due messages to one worker. A message waits while an earlier message for the
        proposal, platform and lane is undelivered: still pending, or given up (`failed`) and
        not yet resolved by an operator (`retry_failed` or `release_failed`). So an update
        never overtakes its post, and a thread reply never goes out without its thread."""
        if not platforms:
            return []
        sql = (
            "SELECT o.* FROM outbox o WHERE o.status = 'pending' AND o.next_attempt_at <= ?"
            f" AND o.platform IN ({','.join('?' for _ in platforms)})"
            " AND (o.claimed_until IS NULL OR o.claimed_until <= ?)"
            " AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.status IN ('pending', 'failed')"
            "   AND e.proposal_id = o.proposal_id AND e.platform = o.platform"
            "   AND e.lane = o.lane AND e.id < o.id)"
            " ORDER BY o.id LIMIT ?"
        )
        params = [iso(now), *sorted(platforms), iso(now), limit]
        # Look first without the write lock: an idle outbox polls often, and taking the lock
        # each time would contend with the requests of this and any other server.
        if not self.db.execute(f"SELECT EXISTS ({sql})", params).fetchone()[0]:
            return []
        with self.transaction() as db:
            rows = list(db.query(sql, params))
            until = iso(now + lease)
            for row in rows:
                db.execute(
                    "UPDATE outbox SET claimed_until = ?, claimed_by = ? WHERE id = ?",
                    [until, worker, row["id"]],
                )
        return [_outbox_from_row(row) for row in rows]

    def mark_sent(self, row_id: int, worker: str, at: dt.datetime, result: dict[str, Any]) -> None:
        """Raises StoreUnavailable when the database cannot write now (nothing changed)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, result = ?, claimed_until = NULL,"
                " attempts = attempts + 1 WHERE id = ? AND claimed_by = ?",
                [iso(at), json.dumps(result), row_id, worker],
            )

    def mark_retry(
        self, row_id: int, worker: str, next_at: dt.datetime, error: str, *,
        count_attempt: bool = True,
    ) -> bool:
        """Schedule another attempt. A rate limit passes `count_attempt=False`: being asked to
        wait is no failed attempt. False when the row is no longer this worker's (its lease ran
        out and another worker took it). Raises StoreUnavailable when the database cannot
        write now (nothing changed)."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET next_attempt_at = ?, last_error = ?, claimed_until = NULL,"
                " attempts = attempts + ? WHERE id = ? AND claimed_by = ? AND status = 'pending'",
                [iso(next_at), error[:500], int(count_attempt), row_id, worker],
            )
            return cursor.rowcount > 0

    def give_up(
        self, row_id: int, worker: str, at: dt.datetime, error: str,
        notices: list[NewMessage],
    ) -> bool:
        """Mark a message `failed` and store the notices about it in the same transaction, so
        the central team hears of each given-up message once. False (and nothing stored) when
        the row is no longer this worker's. Raises StoreUnavailable when the database cannot
        write now (nothing changed)."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET status = 'failed', next_attempt_at = ?, last_error = ?,"
                " claimed_until = NULL, attempts = attempts + 1"
                " WHERE id = ? AND claimed_by = ? AND status = 'pending'",
                [iso(at), error[:500], row_id, worker],
            )
            if cursor.rowcount == 0:
                return False
            for notice in notices:
                self.enqueue(notice, at)
            return True

    def retry_failed(self, row_id: int, at: dt.datetime) -> bool:
        """An operator sends a given-up message again: pending from `at`, with a fresh count of
        attempts and a fresh time limit (for the messages waiting behind it in its lane too).
        False when the row is not `failed`."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?,"
                " claimed_until = NULL, claimed_by = NULL WHERE id = ? AND status = 'failed'",
                [iso(at), row_id],
            )
            if cursor.rowcount == 0:
                return False
            self._restart_lane_clock(row_id, at, include_row=True)
            return True

    def release_failed(self, row_id: int, at: dt.datetime) -> bool:
        """An operator lets a given-up message go for good (`released`): the later messages
        of its lane stop waiting for it, each with a fresh time limit. False when the row is
        not `failed`."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET status = 'released', next_attempt_at = ? WHERE id = ?"
                " AND status = 'failed'",
                [iso(at), row_id],
            )
            if cursor.rowcount == 0:
                return False
            self._restart_lane_clock(row_id, at, include_row=False)
            return True

    def _restart_lane_clock(self, row_id: int, at: dt.datetime, *, include_row: bool) -> None:
        """Messages that waited in a lane behind a given-up one count their time limit from
        when it was resolved, not from when they were stored."""
        self.db.execute(
            "UPDATE outbox SET retried_at = ? WHERE status = 'pending' AND id IN ("
            " SELECT o.id FROM outbox o JOIN outbox f ON f.id = ?"
            " WHERE o.proposal_id = f.proposal_id AND o.platform = f.platform"
            " AND o.lane = f.lane AND (o.id > f.id OR (? AND o.id = f.id)))",
            [iso(at), row_id, int(include_row)],
        )

    def next_due_at(self) -> dt.datetime | None:
        rows = list(
            self.db.query("SELECT MIN(next_attempt_at) AS at FROM outbox WHERE status = 'pending'")
        )
        at = rows[0]["at"] if rows else None
        return dt.datetime.fromisoformat(at) if at else None

    def outbox_rows(self, *, status: str | None = None) -> list[OutboxRow]:
        sql = "SELECT * FROM outbox"
        params: list[str] = []
        if status:
            sql += " WHERE status = ?"
            params.append(status)
        return [_outbox_from_row(row) for row in self.db.query(sql + " ORDER BY id", params)]

    def last_result(self, proposal_id: int, platform: str, kind: str) -> dict[str, Any] | None:
        """What the platform answered when it delivered the latest message of this kind."""
        rows = list(
            self.db.query(
                "SELECT result FROM outbox WHERE proposal_id = ? AND platform = ? AND kind = ?"
                " AND status = 'sent' ORDER BY id DESC LIMIT 1",
                [proposal_id, platform, kind],
            )
        )
        return json.loads(rows[0]["result"]) if rows and rows[0]["result"] else None

    # -- references, processed events, runs --------------------------------------------------

    def put_ref(self, key: str, data: dict[str, Any], at: dt.datetime) -> None:
        """Raises StoreUnavailable when the database cannot write now."""
        with self.transaction() as db:
            db.table("refs").upsert(
                {"key": key, "data": json.dumps(data), "updated_at": iso(at)}, pk="key"
            )

    def get_ref(self, key: str) -> dict[str, Any] | None:
        """Raises StoreUnavailable when the database cannot be read now."""
        with unavailable_on_transient():
            rows = list(self.db.query("SELECT data FROM refs WHERE key = ?", [key]))
        return json.loads(rows[0]["data"]) if rows else None

    def first_time(self, event_id: str, at: dt.datetime) -> bool:
        """Record an incoming event id; False when it was seen before (a platform retry)."""
        before = self.db.conn.total_changes
        self.db.execute(
            "INSERT OR IGNORE INTO processed_events (event_id, at) VALUES (?, ?)",
            [event_id, iso(at)],
        )
        return self.db.conn.total_changes > before

    def claim_run(self, key: str, at: dt.datetime) -> bool:
        """Record a scheduled run under a unique key; False when some process already ran it."""
        before = self.db.conn.total_changes
        self.db.execute("INSERT OR IGNORE INTO runs (key, at) VALUES (?, ?)", [key, iso(at)])
        return self.db.conn.total_changes > before


class Reader:
    """A read-only connection of its own, for reads done in a worker thread (the calendar
    feed). The Store's connection belongs to the event loop, and one sqlite3 connection must
    not be used by two threads at once; in WAL mode this reader sees the last commit while
    the Store writes. Open, use and close it in one thread (sqlite3 checks that)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        uri = f"{Path(path).resolve().as_uri()}?mode=ro"
        with unavailable_on_transient():
            self.db = Database(sqlite3.connect(uri, uri=True, timeout=busy_timeout))

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One consistent read: every query inside sees the same commit."""
        conn = self.db.conn
        with unavailable_on_transient():
            conn.execute("BEGIN")
            try:
                yield
            finally:
                conn.execute("COMMIT")

    def approved_version(self) -> tuple[int, int, str | None]:
        """Changes whenever an approved proposal's data changes, whichever process wrote it:
        every change to a proposal appends to its history in the same transaction and history
        is append-only, so its newest id only grows; the count and newest `updated_at` of the
        approved ones guard against a change made without a history event."""
        sql = (
            "SELECT (SELECT coalesce(max(id), 0) FROM history),"
            " count(*), max(updated_at) FROM proposals WHERE status = 'approved'"
        )
        newest_event, approved, updated = self.db.execute(sql).fetchone()
        return int(newest_event), int(approved), updated

    def approved_planned_between(self, first: dt.date, last: dt.date) -> list[Proposal]:
        """As `Store.approved_planned_between`, on this connection."""
        return _approved_planned_between(self.db, first, last)


def _approved_planned_between(db: Database, first: dt.date, last: dt.date) -> list[Proposal]:
    sql = (
        "SELECT * FROM proposals WHERE status = 'approved' AND planned_for >= ?"
        " AND planned_for <= ? ORDER BY planned_for, id"
    )
    rows = db.query(sql, [first.isoformat(), last.isoformat()])
    return [_proposal_from_row(row, []) for row in rows]


def _proposal_row(proposal: Proposal) -> dict[str, Any]:
    intake = proposal.intake
    return {
        "id": proposal.id,
        "created_at": iso(proposal.created_at),
        "updated_at": iso(proposal.updated_at),
        "source": proposal.source,
        "proposer": proposal.proposer.model_dump_json(),
        "proposer_id": proposal.proposer.user_id,
        "intake": intake.model_dump_json(),
        "recommendation": proposal.recommendation.model_dump_json(),
        "policy_version": proposal.policy_version,
        "status": str(proposal.status),
        "revision": proposal.revision,
        "decision": str(proposal.decision) if proposal.decision else None,
        "decided_by": proposal.decided_by.model_dump_json() if proposal.decided_by else None,
        "decided_at": iso(proposal.decided_at) if proposal.decided_at else None,
        "decision_note": proposal.decision_note,
        "escalated_at": iso(proposal.escalated_at) if proposal.escalated_at else None,
        "planned_for": intake.planned_for.isoformat() if intake.planned_for else None,
        "theme": intake.theme,
        "crisis": int(intake.crisis),
    }


def _proposal_from_row(row: dict[str, Any], history: list[HistoryEvent]) -> Proposal:
    return Proposal.model_validate(
        {
            **row,
            "proposer": json.loads(row["proposer"]),
            "intake": json.loads(row["intake"]),
            "recommendation": json.loads(row["recommendation"]),
            "decided_by": json.loads(row["decided_by"]) if row["decided_by"] else None,
            "history": history,
        }
    )


def _history_from_row(row: dict[str, Any]) -> HistoryEvent:
    snapshot = json.loads(row["snapshot"]) if row.get("snapshot") else None
    return HistoryEvent.model_validate({**row, "snapshot": snapshot})


def _outbox_from_row(row: dict[str, Any]) -> OutboxRow:
    return OutboxRow.model_validate(
        {
            **row,
            "payload": json.loads(row["payload"]),
            "result": json.loads(row["result"]) if row["result"] else None,
            "retried_at": row.get("retried_at"),
        }
    )
