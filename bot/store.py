"""The only module with SQL: proposals, their append-only history, the outbox and references.

SQLite through sqlite-utils, WAL, foreign keys on, a busy timeout. Writes that belong together
run in one `BEGIN IMMEDIATE` transaction so that two processes never interleave them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import inspect
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple, get_args

from pydantic import BaseModel
from sqlite_utils import Database

from bot.clock import Clock, iso, utcnow
from bot.proposal import Actor, HistoryEvent, Proposal, Status
from policy.models import Platform as PlatformKind

log = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 2.0
# A connection that refused a write as read-only is reopened once the file can be written
# again, at most this often: a file that stays read-only for SQLite while its mode says
# writable (a read-only -shm, an ACL) must not cost a reconnect on every request.
REOPEN_EVERY = dt.timedelta(seconds=10)
# How long a write that failed for want of space (or with an I/O error) keeps the database
# "not ready": a probe cannot see a full disk, only a write can. After that the next write
# tells again, so a server nobody writes to does not stay not-ready for good.
FAILED_WRITE_MEMORY = dt.timedelta(seconds=60)

# Why the database cannot take a write now, as GET /readyz names it.
READ_ONLY = "database_read_only"
LOCKED = "database_locked"
FULL = "database_full"
UNAVAILABLE = "database_unavailable"


class StoreUnavailable(Exception):
    """The database cannot take a write now (locked, read-only, disk full). Nothing of the
    transaction was kept; the same call can be tried again later."""


# SQLite's primary result codes that say "not now", not "wrong": waiting or fixing the file's
# permissions or disk helps, so these become a Danish "prøv igen". Extended codes
# (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, ...) start with one of them.
TRANSIENT_ERRORS = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_READONLY", "SQLITE_FULL",
                    "SQLITE_IOERR", "SQLITE_CANTOPEN")


def _has_code(exc: BaseException, *codes: str) -> bool:
    """True when `exc` is a SQLite error with one of these primary result codes."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    return any(name == code or name.startswith(code + "_") for code in codes)


def is_transient(exc: sqlite3.Error) -> bool:
    """True when the database cannot be used now; False for a bug such as a missing column."""
    return _has_code(exc, *TRANSIENT_ERRORS)


def write_problem_of(exc: sqlite3.Error) -> str:
    """The readiness reason for a transient error (see `is_transient`)."""
    if _has_code(exc, "SQLITE_READONLY"):
        return READ_ONLY
    if _has_code(exc, "SQLITE_BUSY", "SQLITE_LOCKED"):
        return LOCKED
    if _has_code(exc, "SQLITE_FULL"):
        return FULL
    return UNAVAILABLE


def _sqlite_error(exc: BaseException) -> sqlite3.Error | None:
    """The SQLite error behind `exc`: itself, or the cause of a StoreUnavailable."""
    for candidate in (exc, exc.__cause__):
        if isinstance(candidate, sqlite3.Error):
            return candidate
    return None


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
    # Set by `claim_due`: an earlier claim of this row ran out without the row being marked (its
    # worker died or was cut off mid-send), so the platform may already have the message. Such a
    # claim is counted in `attempts`, which outlasts the next retry.
    reclaimed: bool = False


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


# The index `claim_due` walks: pending rows in id order, with every column its filters read,
# so finding the next due rows never reads a row's payload. Without it SQLite read and sorted
# every due row to pick the first 20: 100 ms a claim with 20,000 messages waiting, on every
# round of the outbox.
OUTBOX_CLAIM_INDEX = "idx_outbox_claim"


def _index_outbox_claim(db: Database) -> None:
    db.execute(
        f"CREATE INDEX {OUTBOX_CLAIM_INDEX} ON outbox"
        " (status, id, next_attempt_at, platform, claimed_until, proposal_id, lane)"
    )


def _index_proposals_for_digest(db: Database) -> None:
    # The week's overview reads the oldest pending and the earliest undated approved
    # proposals and counts the rest; these let it stop after the first few rows and count
    # without reading any (a proposal's row holds its whole draft).
    db.execute("CREATE INDEX idx_proposals_pending_order ON proposals (status, updated_at)")
    db.execute("CREATE INDEX idx_proposals_status_planned_theme ON proposals"
               " (status, planned_for, theme)")
    db.execute("CREATE INDEX idx_proposals_tray_order ON proposals"
               " (status, planned_for, coalesce(decided_at, updated_at))")


def _decision_details(db: Database) -> None:
    # Issue 12: an approval past open gates and a decision on one's own proposal are kept on
    # the proposal (its review post and thread say so) and on its history row (the record).
    db.table("proposals").add_column("overridden", str)
    db.table("proposals").add_column("self_decided", int)
    db.table("history").add_column("details", str)


def _review_route(db: Database) -> None:
    # Issue 12: a department's own reviewers decide its proposals, until someone asks the
    # central team for help; older rows take the route of their advice when read.
    db.table("proposals").add_column("review_route", str)


def _publication(db: Database) -> None:
    # Issue 12 §6: the links of a published post and its takedown, as JSON values
    # (`Proposal.publication`, `.takedown`); the history rows keep each step for the record.
    db.table("proposals").add_column("publication", str)
    db.table("proposals").add_column("takedown", str)


# Named migrations, applied once each and in order. Append; never edit one that has shipped.
MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = [
    ("001_proposals", _create_proposals),
    ("002_history", _create_history),
    ("003_outbox", _create_outbox),
    ("004_refs_events_runs", _create_refs),
    ("005_outbox_lane_index", _index_outbox_lanes),
    ("006_outbox_retried_at", _outbox_retried_at),
    ("007_outbox_claim_index", _index_outbox_claim),
    ("008_proposals_digest_indexes", _index_proposals_for_digest),
    ("009_decision_details", _decision_details),
    ("010_review_route", _review_route),
    ("011_publication", _publication),
]


def connect(path: str | Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Database:
    """Open the database. A file the process may not write is opened read-only without a
    word (SQLite falls back to O_RDONLY) and stays so after its mode is fixed; `probe_write`
    tells, and `Store` reopens it."""
    conn = sqlite3.connect(str(path), timeout=busy_timeout, check_same_thread=False)
    db = Database(conn)
    with db.ensure_autocommit_on():
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def probe_write(db: Database) -> None:
    """Raise the error a write would meet now (read-only, locked), changing nothing.
    `BEGIN IMMEDIATE` alone succeeds on a read-only file; a statement that would write (and
    touches no row) fails there. Waits the busy timeout at most for another writer."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM migrations WHERE 0")
    finally:
        conn.execute("ROLLBACK")


_UNLOCKED = frozenset({"transaction"})  # takes the lock itself, for the whole transaction


def _one_thread_at_a_time[T](cls: type[T]) -> type[T]:
    """Hold the store's lock around each public method. The server runs store calls on its one
    store thread (bot/store_thread.py), so the lock is not contended there; but a caller on
    another thread (a test reading what the server stored, a terminal command) must not run a
    statement on the shared connection in the middle of that thread's transaction: it would
    join the transaction, or break sqlite-utils' savepoints."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") or name in _UNLOCKED or not inspect.isfunction(member):
            continue
        setattr(cls, name, _locked(member))
    return cls


def _locked(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(self: Store, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return locked


@_one_thread_at_a_time
class Store:
    def __init__(
        self, path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS,
        clock: Clock = utcnow,
    ) -> None:
        # Reentrant: a transaction calls other store methods on the same thread.
        self._lock = threading.RLock()
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.clock = clock
        # The connection refused a write as read-only: reopen it once the file can be written.
        self._read_only = False
        self._reopened_at: dt.datetime | None = None
        # The last write's transient failure and when, until a write commits again.
        self._failed_write: tuple[str, dt.datetime] | None = None
        # At start the migrations may wait longer (another process may be migrating the same
        # file in a rolling restart); afterwards a write waits `busy_timeout` at most. A file
        # that is read-only but up to date starts (reads work, writes are "prøv igen", GET
        # /readyz says why) and heals when it can be written; one that still needs a
        # migration cannot be served and the start fails with StoreUnavailable.
        self.db = connect(self.path, max(busy_timeout, BUSY_TIMEOUT_SECONDS))
        try:
            self.migrate()
        except StoreUnavailable as exc:
            self.db.close()
            raise StoreUnavailable(
                f"cannot migrate {self.path} ({exc}): the server cannot run on an old schema;"
                " start it again once the database can be written"
            ) from exc
        self.db.execute(f"PRAGMA busy_timeout = {round(busy_timeout * 1000)}")
        # Find a read-only connection now, so that the first write after the fix reopens it.
        self.write_problem()

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction; nested calls on the same thread join the outer one, another
        thread waits until it is over."""
        with self._lock, self._transaction() as db:
            yield db

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Database]:
        if self.db.conn.in_transaction:
            yield self.db
            return
        self._reopen_if_writable_again()
        conn = self.db.conn
        changes = conn.total_changes
        try:
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
        except (sqlite3.Error, StoreUnavailable) as exc:
            self._note_failed_write(exc)
            raise
        # Only a commit that changed rows shows the database can write: a read-only
        # connection commits a transaction that wrote nothing just as well.
        if conn.total_changes > changes:
            self._failed_write = None
            self._read_only = False

    def write_problem(self) -> str | None:
        """None when the database can take a write now, else why not (READ_ONLY, LOCKED,
        FULL, UNAVAILABLE): for GET /readyz. Probes the connection itself, not the file, as
        that is what the writes use; reopens a read-only one first when the file can be
        written again (as a write would), so readiness heals without any user writing.
        Waits the busy timeout at most."""
        if self.db.conn.in_transaction:  # a write of ours is under way: it can write
            return None
        self._reopen_if_writable_again()
        try:
            probe_write(self.db)
        except sqlite3.Error as exc:
            if not is_transient(exc):
                raise
            problem = write_problem_of(exc)
            self._read_only = problem == READ_ONLY
            return problem
        self._read_only = False
        return self._recent_failed_write()

    def _recent_failed_write(self) -> str | None:
        """A full disk or an I/O error a recent write met: a probe writes nothing to see it."""
        if self._failed_write is None:
            return None
        problem, at = self._failed_write
        if problem in (FULL, UNAVAILABLE) and at <= self.clock() < at + FAILED_WRITE_MEMORY:
            return problem
        return None

    def _note_failed_write(self, exc: BaseException) -> None:
        error = _sqlite_error(exc)
        if error is None or not is_transient(error):
            return
        problem = write_problem_of(error)
        self._failed_write = (problem, self.clock())
        if problem == READ_ONLY and not self._read_only:
            self._read_only = True
            log.warning("databasen %s kan ikke skrive (skrivebeskyttet); forbindelsen åbnes "
                        "igen, når filen kan skrives", self.path)

    def _reopen_if_writable_again(self) -> None:
        """A connection SQLite opened read-only stays read-only after the file's mode is
        fixed: open a new one once the file and its folder can be written, at most every
        REOPEN_EVERY (a clock that went back counts as time passed)."""
        if not self._read_only or self.db.conn.in_transaction:
            return
        now = self.clock()
        last = self._reopened_at
        if last is not None and last <= now < last + REOPEN_EVERY:
            return
        if not self._writable_on_disk():
            return
        self._reopened_at = now
        self.reopen()

    def _writable_on_disk(self) -> bool:
        """The file, its WAL files and the folder (where SQLite makes them) may be written."""
        wal_files = (self.path.with_name(self.path.name + suffix) for suffix in ("-wal", "-shm"))
        files = [self.path, *(path for path in wal_files if path.exists())]
        return all(os.access(path, os.W_OK) for path in [*files, self.path.parent])

    def reopen(self) -> None:
        """Close the connection and open a new one, outside any transaction (nothing of a
        write is lost). The old one stays when a new one cannot be opened."""
        try:
            fresh = connect(self.path, self.busy_timeout)
        except sqlite3.Error as exc:
            log.warning("databasen %s kunne ikke åbnes igen: %s", self.path, exc)
            return
        self.db.close()
        self.db = fresh
        try:
            probe_write(fresh)
        except sqlite3.Error as exc:
            if not is_transient(exc):
                raise
            log.warning("databasen %s er åbnet igen, men kan stadig ikke skrive: %s",
                        self.path, exc)
            return
        self._read_only = False
        log.info("databasen %s er åbnet igen og kan skrive", self.path)

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
        """Approved proposals (also those published, or taken down again) planned for a day
        from `first` to `last`, both included."""
        return _approved_planned_between(self.db, first, last)

    def approved_without_date(self, limit: int | None = None) -> list[Proposal]:
        """Approved proposals without a date, earliest approved first (`limit` of them)."""
        sql = (
            "SELECT * FROM proposals WHERE status = 'approved' AND planned_for IS NULL"
            " ORDER BY coalesce(decided_at, updated_at), id"
        )
        return [_proposal_from_row(row, []) for row in self.db.query(_limited(sql, limit))]

    def pending_oldest_first(self, limit: int | None = None, *,
                             route: str | None = None) -> list[Proposal]:
        """Pending proposals by how long they have waited since they were last (re)submitted
        (the `limit` oldest); `route`: only those its reviewers review ("central" or
        "department", `Proposal.review_route`)."""
        where, params = _route_filter(route)
        sql = f"SELECT * FROM proposals WHERE status = 'pending'{where} ORDER BY updated_at, id"
        rows = self.db.query(_limited(sql, limit), params)
        return [_proposal_from_row(row, []) for row in rows]

    def pending_by_route(self) -> dict[str, int]:
        """How many proposals wait for each route's reviewers."""
        sql = f"SELECT {_ROUTE}, count(*) FROM proposals WHERE status = 'pending' GROUP BY 1"
        return {str(route): int(count) for route, count in self.db.execute(sql).fetchall()}

    def pending_waiting_since(self, before: dt.datetime) -> list[tuple[int, dt.datetime]]:
        """The ids of pending proposals that have waited since `before` or longer, with when
        they began to wait (their SLA reminders); read from the index, not the rows."""
        sql = ("SELECT id, updated_at FROM proposals WHERE status = 'pending'"
               " AND updated_at <= ? ORDER BY updated_at, id")
        rows = self.db.execute(sql, [iso(before)]).fetchall()
        return [(int(pid), dt.datetime.fromisoformat(at)) for pid, at in rows]

    def approved_planned_on(self, day: dt.date) -> list[int]:
        """The ids of approved, not yet published proposals planned for `day` (their
        publish reminder)."""
        sql = "SELECT id FROM proposals WHERE status = 'approved' AND planned_for = ? ORDER BY id"
        return [int(pid) for (pid,) in self.db.execute(sql, [day.isoformat()]).fetchall()]

    def unpublished_between(self, first: dt.date, day: dt.date,
                            limit: int | None = None) -> tuple[list[Proposal], int]:
        """Approved proposals planned from `first` up to (not including) `day` and not marked
        published: the `limit` earliest planned, and how many there are in all."""
        where = "WHERE status = 'approved' AND planned_for >= ? AND planned_for < ?"
        params = [first.isoformat(), day.isoformat()]
        sql = f"SELECT * FROM proposals {where} ORDER BY planned_for, id"
        rows = self.db.query(_limited(sql, limit), params)
        count = self.db.execute(f"SELECT count(*) FROM proposals {where}", params).fetchone()[0]
        return [_proposal_from_row(row, []) for row in rows], int(count)

    def digest_counts(self, first: dt.date, last: dt.date) -> tuple[int, int, dict[str, int]]:
        """For a digest that lists only the first few: how many proposals are pending, how
        many approved have no date, and the pending ones planned from `first` to `last` by
        theme. Counted in the indexes, without reading a proposal."""
        pending, tray = self.db.execute(
            "SELECT (SELECT count(*) FROM proposals WHERE status = 'pending'),"
            " (SELECT count(*) FROM proposals WHERE status = 'approved' AND planned_for IS NULL)"
        ).fetchone()
        rows = self.db.execute(
            "SELECT theme, count(*) FROM proposals WHERE status = 'pending'"
            " AND planned_for >= ? AND planned_for <= ? GROUP BY theme",
            [first.isoformat(), last.isoformat()],
        ).fetchall()
        return int(pending), int(tray), {str(theme): int(count) for theme, count in rows}

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
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append one event. `snapshot` keeps the draft and recommendation a submission was made
        with, so the record still holds each revision after the proposer has edited it;
        `details` what else the record keeps about the event (`HistoryEvent.details`)."""
        self.db.table("history").insert(
            {
                "proposal_id": proposal_id, "at": iso(at), "event": event,
                "actor_platform": actor.platform, "actor_id": actor.user_id,
                "actor_name": actor.display, "note": note, "revision": revision,
                "snapshot": json.dumps(snapshot) if snapshot is not None else None,
                "details": json.dumps(details) if details else None,
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
            # Walk the pending rows in id order in the claim index (see OUTBOX_CLAIM_INDEX);
            # left to itself SQLite picks the (status, next_attempt_at) index and sorts.
            f"SELECT o.* FROM outbox o INDEXED BY {OUTBOX_CLAIM_INDEX}"
            " WHERE o.status = 'pending' AND o.next_attempt_at <= ?"
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
            claimed = []
            for row in rows:
                # A due row still has `claimed_until` only when its lease ran out unmarked
                # (mark_sent, mark_retry and give_up clear it). That claim counts as an attempt:
                # it may have reached the platform, and a later retry must still know that.
                reclaimed = row["claimed_until"] is not None
                db.execute(
                    "UPDATE outbox SET claimed_until = ?, claimed_by = ?,"
                    " attempts = attempts + ? WHERE id = ?",
                    [until, worker, int(reclaimed), row["id"]],
                )
                claimed.append({**row, "attempts": row["attempts"] + int(reclaimed),
                                "reclaimed": reclaimed})
        return [_outbox_from_row(row) for row in claimed]

    def mark_sent(self, row_id: int, worker: str, at: dt.datetime, result: dict[str, Any]) -> None:
        """Raises StoreUnavailable when the database cannot write now (nothing changed)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, result = ?, claimed_until = NULL,"
                " attempts = attempts + 1 WHERE id = ? AND claimed_by = ? AND status = 'pending'",
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

    def forget_refs(self, prefix: str, before: dt.datetime) -> int:
        """Delete references under `prefix` last written before `before`; how many."""
        with self.transaction() as db:
            cursor = db.execute(
                "DELETE FROM refs WHERE key >= ? AND key < ? AND updated_at < ?",
                [prefix, prefix + "\uffff", iso(before)],
            )
        return cursor.rowcount

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

    def claimed_runs(self, keys: Sequence[str]) -> set[str]:
        """Which of `keys` some process has claimed (a look before costly work; the claim
        itself is `claim_run`)."""
        if not keys:
            return set()
        marks = ", ".join("?" for _ in keys)
        rows = self.db.execute(f"SELECT key FROM runs WHERE key IN ({marks})", list(keys))
        return {str(row[0]) for row in rows.fetchall()}

    # -- operations: backups, readiness, metrics (README "I drift") ------------------------

    def release_run(self, key: str) -> None:
        """Forget a claimed run whose work failed (a nightly backup that could not be written),
        so that the next round, here or in another process, tries again."""
        with self.transaction() as db:
            db.execute("DELETE FROM runs WHERE key = ?", [key])

    def delete_ref(self, key: str) -> None:
        """Raises StoreUnavailable when the database cannot write now."""
        with self.transaction() as db:
            db.execute("DELETE FROM refs WHERE key = ?", [key])

    def oldest_undelivered(self, platforms: set[str]) -> dt.datetime | None:
        """Since when the longest-waiting message still to be delivered to one of `platforms`
        has waited: since it was stored, or since an operator sent it (or one before it in
        its lane) back (`retried_at`, as the outbox's own time limit counts). None when none
        waits. Raises StoreUnavailable when the database cannot be read now."""
        if not platforms:
            return None
        marks = ",".join("?" for _ in platforms)
        with unavailable_on_transient():
            (oldest,) = self.db.execute(
                "SELECT min(coalesce(retried_at, created_at)) FROM outbox"
                f" WHERE status = 'pending' AND platform IN ({marks})",
                sorted(platforms),
            ).fetchone()
        return dt.datetime.fromisoformat(oldest) if oldest else None

    def ops_counts(self, since: dt.datetime) -> OpsCounts:
        """What GET /metrics shows from the database: proposals by status, the outbox's
        backlog, and the decisions made (all of them, by kind, and those since `since`).
        Raises StoreUnavailable when the database cannot be read now."""
        db = self.db
        events = [str(status) for status in DECISION_EVENTS]
        with unavailable_on_transient():
            by_status = db.execute("SELECT status, count(*) FROM proposals GROUP BY status")
            proposals = {str(status): int(count) for status, count in by_status.fetchall()}
            pending, oldest, attempts = db.execute(
                "SELECT count(*), min(coalesce(retried_at, created_at)), coalesce(sum(attempts), 0)"
                " FROM outbox WHERE status = 'pending'"
            ).fetchone()
            (failed,) = db.execute("SELECT count(*) FROM outbox WHERE status = 'failed'").fetchone()
            decided = db.execute(
                "SELECT event, count(*), coalesce(sum(at >= ?), 0) FROM history"
                f" WHERE event IN ({','.join('?' for _ in events)}) GROUP BY event",
                [iso(since), *events],
            ).fetchall()
        return OpsCounts(
            proposals=proposals, outbox_pending=int(pending),
            outbox_oldest=dt.datetime.fromisoformat(oldest) if oldest else None,
            outbox_attempts=int(attempts), outbox_failed=int(failed),
            decisions={str(event): int(total) for event, total, _ in decided},
            decisions_since=sum(int(recent) for _, _, recent in decided),
        )

    def report_facts(
        self, start: dt.datetime, end: dt.datetime, *, finding_codes: Sequence[str],
        link_event: str,
    ) -> ReportFacts:
        """What `opslag rapport` counts (bot/report.py): the proposals with any history event
        from `start` up to (not including) `end`, each with its whole history. A few facts of
        each are read from its JSON in SQL, as reading whole proposals costs 0.4 ms each (4 s
        for 10,000); of its text checks only the findings with `finding_codes`, and of its
        history rows the `links` of those of `link_event`. One consistent read. Raises
        StoreUnavailable when the database cannot be read now."""
        with unavailable_on_transient(), _read_snapshot(self.db):
            return _report_facts(self.db, start, end, finding_codes, link_event)


class Reader:
    """A read-only connection of its own, for reads done elsewhere (the calendar worker). The
    Store's connection belongs to the server's store thread (bot/store_thread.py), and one
    sqlite3 connection must not be used by two threads at once; in WAL mode this reader sees
    the last commit while the Store writes. Open, use and close it in one thread (sqlite3
    checks that)."""

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
            " count(*), max(updated_at) FROM proposals"
            f" WHERE status IN ({_PLANNED_STATUSES})"
        )
        newest_event, approved, updated = self.db.execute(sql).fetchone()
        return int(newest_event), int(approved), updated

    def approved_planned_between(self, first: dt.date, last: dt.date) -> list[Proposal]:
        """As `Store.approved_planned_between`, on this connection."""
        return _approved_planned_between(self.db, first, last)

    def latest_proposals(self, limit: int) -> list[Proposal]:
        """The `limit` newest proposals, newest first, without history (`opslag strategi
        tjek` compares the advice for them under two strategies)."""
        rows = self.db.query("SELECT * FROM proposals ORDER BY id DESC LIMIT ?", [int(limit)])
        return [_proposal_from_row(row, []) for row in rows]


# The statuses of content that was or is planned: approved, published, and taken down again
# (the calendar shows it cancelled).
_PLANNED_STATUSES = "'approved', 'published', 'taken_down'"


def _approved_planned_between(db: Database, first: dt.date, last: dt.date) -> list[Proposal]:
    sql = (
        f"SELECT * FROM proposals WHERE status IN ({_PLANNED_STATUSES}) AND planned_for >= ?"
        " AND planned_for <= ? ORDER BY planned_for, id"
    )
    rows = db.query(sql, [first.isoformat(), last.isoformat()])
    return [_proposal_from_row(row, []) for row in rows]


# Who reviews a proposal now: its route, or (stored before the route could change) its advice's.
_ROUTE = "coalesce(review_route, json_extract(recommendation, '$.review.route'))"


def _route_filter(route: str | None) -> tuple[str, list[str]]:
    return ("", []) if route is None else (f" AND {_ROUTE} = ?", [route])


def _limited(sql: str, limit: int | None) -> str:
    return sql if limit is None else f"{sql} LIMIT {int(limit)}"


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
        "overridden": json.dumps(proposal.overridden) if proposal.overridden else None,
        "self_decided": int(proposal.self_decided),
        "review_route": proposal.review_route,
        "publication": (proposal.publication.model_dump_json()
                        if proposal.publication else None),
        "takedown": proposal.takedown.model_dump_json() if proposal.takedown else None,
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
            "overridden": json.loads(row["overridden"]) if row.get("overridden") else [],
            "self_decided": bool(row.get("self_decided")),
            "review_route": row.get("review_route") or "",
            "publication": json.loads(row["publication"]) if row.get("publication") else None,
            "takedown": json.loads(row["takedown"]) if row.get("takedown") else None,
            "history": history,
        }
    )


def _history_from_row(row: dict[str, Any]) -> HistoryEvent:
    snapshot = json.loads(row["snapshot"]) if row.get("snapshot") else None
    details = json.loads(row["details"]) if row.get("details") else {}
    return HistoryEvent.model_validate({**row, "snapshot": snapshot, "details": details})


def _outbox_from_row(row: dict[str, Any]) -> OutboxRow:
    return OutboxRow.model_validate(
        {
            **row,
            "payload": json.loads(row["payload"]),
            "result": json.loads(row["result"]) if row["result"] else None,
            "retried_at": row.get("retried_at"),
        }
    )


# -- operations: backups, restores and what GET /metrics counts (README "I drift") ------------

# The history events that record a decision of the central team.
DECISION_EVENTS = (Status.APPROVED, Status.CHANGES_REQUESTED, Status.REJECTED)
# The references a running server keeps fresh (bot/backup.py): `opslag restore` refuses while
# one is.
SERVER_LEASE_PREFIX = "server:"
# The tables every Opslag database has; a file without them is no copy of ours.
OPSLAG_TABLES = frozenset({"migrations", "proposals", "history", "outbox", "refs", "runs"})

# Why a file is no sound copy (BadCopy.reason).
NOT_A_DATABASE = "not_a_database"
DAMAGED = "damaged"
NOT_OPSLAG = "not_opslag"


class OpsCounts(BaseModel):
    proposals: dict[str, int]  # by status
    outbox_pending: int
    outbox_oldest: dt.datetime | None  # since when the oldest pending message has waited
    outbox_attempts: int  # attempts already made on the messages still pending
    outbox_failed: int  # given up, waiting for an operator (`opslag outbox`)
    decisions: dict[str, int]  # every decision ever made, by the event that records it
    decisions_since: int  # those made since the moment `Store.ops_counts` was given


class CopyCheck(BaseModel):
    """A copy that passed `PRAGMA integrity_check`, and what it holds."""

    proposals: int
    history: int


class BadCopy(Exception):
    """A file that is no sound Opslag database: `reason` is NOT_A_DATABASE, DAMAGED
    (`detail`: the first fault integrity_check found) or NOT_OPSLAG."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _open_read_only(path: Path, timeout: float = BUSY_TIMEOUT_SECONDS) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout)


def backup_to(source: Path, target: Path) -> CopyCheck:
    """Copy the database at `source` into `target` with SQLite's online backup API, then check
    the copy (`check_copy`). One backup step from a read-only connection of its own: the copy
    is one consistent snapshot, and in WAL mode the server goes on writing meanwhile (a reader
    never blocks a writer). `target` is a new, empty file the caller made with the mode it
    wants. The copy gets a rollback journal, so it is one self-contained file with no -wal
    beside it to be forgotten when it is moved."""
    with (contextlib.closing(_open_read_only(source)) as src,
          contextlib.closing(sqlite3.connect(target)) as dst):
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    return check_copy(target)


def check_copy(path: Path) -> CopyCheck:
    """`PRAGMA integrity_check` on the database at `path`, that it is an Opslag database, and
    how many proposals and history rows it holds. Raises BadCopy; another SQLite error (the
    file cannot be opened) as it is."""
    try:
        with contextlib.closing(_open_read_only(path)) as conn:
            faults = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
            if faults != ["ok"]:
                raise BadCopy(DAMAGED, faults[0])
            tables = {str(row[0]) for row in
                      conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not OPSLAG_TABLES.issubset(tables):
                raise BadCopy(NOT_OPSLAG)
            proposals, history = conn.execute(
                "SELECT (SELECT count(*) FROM proposals), (SELECT count(*) FROM history)"
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        if _has_code(exc, "SQLITE_NOTADB"):
            raise BadCopy(NOT_A_DATABASE, str(exc)) from None
        if _has_code(exc, "SQLITE_CORRUPT"):
            raise BadCopy(DAMAGED, str(exc)) from None
        raise
    return CopyCheck(proposals=int(proposals), history=int(history))


def stage_restore(source: Path, staged: Path) -> CopyCheck:
    """Check the copy at `source`, then write it to `staged` (a new, empty file beside the
    database it is to replace) and check that. The server leases it holds are dropped: those
    servers ran on the database the copy was made from, not on this one."""
    check_copy(source)  # a bad file is refused before anything is written
    backup_to(source, staged)
    with contextlib.closing(sqlite3.connect(staged)) as conn, conn:
        conn.execute("DELETE FROM refs WHERE key >= ? AND key < ?",
                     [SERVER_LEASE_PREFIX, SERVER_LEASE_PREFIX + "\uffff"])
    return check_copy(staged)


def server_leases(path: Path) -> dict[str, dt.datetime]:
    """The running servers' leases in the database at `path`, each with when it was last
    renewed, read as another process reads them. Empty when there is no such file, or it is
    no Opslag database (no server can be running on it)."""
    if not path.exists():
        return {}
    try:
        with contextlib.closing(_open_read_only(path)) as conn:
            has_refs = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refs'"
            ).fetchone()
            rows = conn.execute(
                "SELECT key, updated_at FROM refs WHERE key >= ? AND key < ?",
                [SERVER_LEASE_PREFIX, SERVER_LEASE_PREFIX + "\uffff"],
            ).fetchall() if has_refs else []
    except sqlite3.DatabaseError as exc:
        if _has_code(exc, "SQLITE_NOTADB", "SQLITE_CORRUPT"):
            return {}
        raise
    return {str(key): dt.datetime.fromisoformat(at) for key, at in rows}


# -- what `opslag rapport` counts (bot/report.py) ----------------------------------------------


class ProposalFacts(NamedTuple):
    id: int
    created_at: dt.datetime
    status: str
    theme: str | None
    crisis: bool
    proposer: tuple[str, str]  # platform, user id
    department: str | None
    route: str | None  # who reviews it: review_route, else the recommendation's route
    recommended: tuple[str, ...]  # the platforms the recommendation recommends
    lix: float | None
    findings: tuple[tuple[str, str], ...]  # (code, message) of the text checks asked for


class EventFacts(NamedTuple):
    proposal_id: int
    at: dt.datetime
    event: str
    actor: tuple[str, str]  # platform, user id
    links: dict[str, str]  # platform -> address, on the rows of `link_event`


class ReportFacts(NamedTuple):
    proposals: list[ProposalFacts]
    events: list[EventFacts]  # in the order they were recorded


@contextlib.contextmanager
def _read_snapshot(db: Database) -> Iterator[None]:
    """Every query inside sees the same commit (inside a transaction already: that one's)."""
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN")
    try:
        yield
    finally:
        db.conn.execute("COMMIT")


def _report_facts(
    db: Database, start: dt.datetime, end: dt.datetime, finding_codes: Sequence[str],
    link_event: str,
) -> ReportFacts:
    # Reading a recommendation (a few kB, on overflow pages) and parsing it cost more than the
    # rest of the row: one json_extract takes every path the report needs, in one parse.
    active = "SELECT proposal_id FROM history WHERE at >= ? AND at < ?"
    slots = range(len(get_args(PlatformKind)))
    fits = ", ".join(f"'$.platforms[{i}].platform', '$.platforms[{i}].fit'" for i in slots)
    proposal_sql = (
        "SELECT p.id, p.created_at, p.status, p.theme, p.crisis,"
        " json_extract(p.proposer, '$.platform'), p.proposer_id,"
        " json_extract(p.intake, '$.department'), p.review_route,"
        " json_extract(p.recommendation, '$.review.route', '$.text_checks.lix',"
        f" '$.text_checks.findings', {fits})"
        f" FROM proposals p WHERE p.id IN ({active}) ORDER BY p.id"
    )
    bounds = [iso(start), iso(end)]
    wanted = frozenset(finding_codes)
    proposals = []
    for (pid, created, status, theme, crisis, platform, user, department, reviewed_by,
         advice) in db.execute(proposal_sql, bounds):
        advised, lix, findings, *pairs = json.loads(advice)
        route = reviewed_by or advised  # who reviews it now (help moves it to central)
        proposals.append(ProposalFacts(
            pid, dt.datetime.fromisoformat(created), status, theme, bool(crisis),
            (platform, user), department, route,
            tuple(key for key, fit in zip(pairs[::2], pairs[1::2], strict=True)
                  if fit == "recommended"),
            None if lix is None else float(lix),
            tuple((f["code"], f["message"]) for f in findings or () if f["code"] in wanted),
        ))
    event_sql = (
        "SELECT proposal_id, at, event, actor_platform, actor_id,"
        " CASE WHEN event = ? THEN coalesce(json_extract(details, '$.links'),"
        "  json_extract(snapshot, '$.links')) END"
        f" FROM history WHERE proposal_id IN ({active}) ORDER BY id"
    )
    parse = dt.datetime.fromisoformat
    events = [
        EventFacts(pid, parse(at), event, (platform or "", user or ""),
                   _links(links) if links else {})
        for pid, at, event, platform, user, links in db.execute(event_sql, [link_event, *bounds])
    ]
    return ReportFacts(proposals=proposals, events=events)


def _links(raw: str | None) -> dict[str, str]:
    """A published row's links, {platform: address}; anything else in their place is none."""
    try:
        links = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(links, dict):
        return {}
    return {str(key): str(value) for key, value in links.items() if value}
