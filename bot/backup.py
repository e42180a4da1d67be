"""Copies of the record that can be restored, and the lease that tells a running server.

The SQLite file is the legal decision record for access-to-documents requests, so it is copied
while the server runs and a copy is only called good once it has been checked:

- `make_backup`: SQLite's online backup API into a file only its owner may read, then
  `PRAGMA integrity_check` and the counts on the copy (bot/store.py); a copy that fails part-way
  is removed. `opslag backup --out FILE` and the nightly backup both use it.
- `NightlyBackup`: with `OPSLAG_BACKUP_DIR` set, the server copies the database there once a
  night, from `BACKUP_HOUR` local time, as `opslag-YYYY-MM-DD.db`, and removes its own copies
  older than `OPSLAG_BACKUP_KEEP` days. Each night is claimed in the store's `runs` table, as
  the weekly digest is (bot/schedule.py), so two servers on one database make one copy; a night
  whose copy failed is released and tried again. The last good copy is recorded for the weekly
  digest (`last_good`).
- `ServerLease`: a running server keeps a row of its own fresh in the store; `restore` refuses
  while one is, and a server that stops removes its row. A server that was killed leaves its
  row behind, and `LEASE_TTL` after its last renewal it no longer counts.
- `restore`: the checked copy takes the database's place; the old file (with its -wal) is kept
  beside it under a new name.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import re
import socket
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import Clock, iso, utcnow
from bot.core import Core
from bot.store import SERVER_LEASE_PREFIX, CopyCheck, Store, StoreUnavailable, server_leases
from bot.store import backup_to as _backup_to
from bot.store import stage_restore as _stage_restore

log = logging.getLogger(__name__)

# The night's copy is due from this hour, local time (OPSLAG_TIMEZONE): nobody proposes then.
# A night is named by the date it began on, so a server that was down at 02:00 makes the copy
# when it comes back, until 02:00 the next day.
BACKUP_HOUR = 2
RUN_PREFIX = "backup:"
LAST_GOOD_REF = "backup:last_good"
_NIGHTLY_NAME = re.compile(r"^opslag-(\d{4}-\d{2}-\d{2})\.db$")

# A running server renews its lease this often (and looks for the night's backup as often);
# one not renewed for LEASE_TTL is taken to have died.
POLL_SECONDS = 30.0
LEASE_TTL = dt.timedelta(minutes=2)


class MissingFile(Exception):
    """The database to copy, or the copy to restore, does not exist: `path` names it."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


class ServerRunning(Exception):
    """`restore` refused: a server holds a live lease on the database (`servers`: their keys)."""

    def __init__(self, servers: list[str]) -> None:
        super().__init__(", ".join(servers))
        self.servers = servers


# -- copies -----------------------------------------------------------------------------------


def make_backup(source: Path, target: Path) -> CopyCheck:
    """Copy the database at `source` to `target` while it is in use, and check the copy.
    The copy is written beside `target` in a new file only its owner may read (the record
    holds personal data) and moved into place once checked; a copy that fails part-way, or
    fails the check, is removed. Raises MissingFile, OSError (the folder), sqlite3.Error (a
    full disk) or BadCopy."""
    if not source.is_file():
        raise MissingFile(source)
    staged = _private_file_beside(target)
    try:
        checked = _backup_to(source, staged)
        os.replace(staged, target)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return checked


def _private_file_beside(target: Path) -> Path:
    """A new, empty file in `target`'s folder, mode 0600 (mkstemp), that nothing else uses."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return Path(name)


def record_good_backup(store: Store, path: Path, checked: CopyCheck, at: dt.datetime) -> None:
    """Note a checked copy for the weekly digest ("seneste gode sikkerhedskopi")."""
    data = {"at": iso(at), "file": path.name, **checked.model_dump()}
    store.put_ref(LAST_GOOD_REF, data, at)


def last_good(store: Store) -> dt.datetime | None:
    """When the last good copy was made, by the server or `opslag backup`; None if never."""
    data = store.get_ref(LAST_GOOD_REF)
    return dt.datetime.fromisoformat(data["at"]) if data else None


# -- restore ----------------------------------------------------------------------------------


@dataclass
class Restored:
    checked: CopyCheck
    kept: Path | None  # where the replaced database now is; None when there was none


def live_servers(database: Path, now: dt.datetime) -> list[str]:
    """The servers whose lease on `database` is still live at `now`."""
    return sorted(key for key, renewed in server_leases(database).items()
                  if renewed > now - LEASE_TTL)


def restore(copy: Path, database: Path, now: dt.datetime) -> Restored:
    """Put the copy at `copy` in the place of `database`, unless a server runs on it. The copy
    is checked, written beside the database and checked again before anything is moved; then
    the old database is kept beside it (`kept_name`) and the copy moved in. Raises
    MissingFile, ServerRunning, BadCopy, OSError or sqlite3.Error, with the database as it
    was."""
    if not copy.is_file():
        raise MissingFile(copy)
    running = live_servers(database, now)
    if running:
        raise ServerRunning(running)
    staged = _private_file_beside(database)
    try:
        checked = _stage_restore(copy, staged)
        kept = _set_aside(database, now) if database.exists() else None
        os.replace(staged, database)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return Restored(checked=checked, kept=kept)


def kept_name(database: Path, now: dt.datetime) -> Path:
    """Where `restore` keeps the database it replaces: `opslag.db.gammel-20261128T172400Z`."""
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate = database.with_name(f"{database.name}.gammel-{stamp}")
    number = 1
    while candidate.exists():
        number += 1
        candidate = database.with_name(f"{database.name}.gammel-{stamp}-{number}")
    return candidate


def _set_aside(database: Path, now: dt.datetime) -> Path:
    """Rename the database and its WAL (where commits may still wait, after a crash) to the
    kept name, byte for byte: SQLite finds a WAL by its database's name. The -shm is only an
    index of the WAL that SQLite rebuilds, and a stale one must not meet the new file."""
    kept = kept_name(database, now)
    wal = database.with_name(database.name + "-wal")
    database.rename(kept)
    if wal.exists():
        wal.rename(kept.with_name(kept.name + "-wal"))
    database.with_name(database.name + "-shm").unlink(missing_ok=True)
    return kept


# -- a running server ------------------------------------------------------------------------


class ServerLease:
    """This server's row among the leases (`refs`, under SERVER_LEASE_PREFIX). Its time is the
    wall clock, never a test's or the core's: another process (`opslag restore`), maybe on
    another machine, compares it with its own."""

    def __init__(self, store: Store, *, clock: Clock = utcnow) -> None:
        self.store = store
        self.clock = clock
        host, pid = socket.gethostname(), os.getpid()
        self.key = f"{SERVER_LEASE_PREFIX}{host}:{pid}:{uuid.uuid4().hex[:8]}"

    def renew(self) -> None:
        """Raises StoreUnavailable when the database cannot write now."""
        self.store.put_ref(self.key, {"host": socket.gethostname(), "pid": os.getpid()},
                           self.clock())

    def release(self) -> None:
        """Raises StoreUnavailable when the database cannot write now."""
        self.store.delete_ref(self.key)


def night_of(moment: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The night whose copy is due at `moment`: the date it began on, at BACKUP_HOUR."""
    return (moment.astimezone(tz) - dt.timedelta(hours=BACKUP_HOUR)).date()


def nightly_name(night: dt.date) -> str:
    return f"opslag-{night.isoformat()}.db"


@dataclass
class NightlyBackup:
    """The night's copy in OPSLAG_BACKUP_DIR, once per night across servers (see the module)."""

    core: Core
    _done: set[str] = field(default_factory=set)  # nights this process knows are taken care of

    @property
    def folder(self) -> Path | None:
        return self.core.settings.opslag_backup_dir

    async def run_due(self) -> Path | None:
        """Make the night's copy unless this or another server has; the file it wrote, if any.
        A copy that fails is logged, its night released for the next round, and re-raised."""
        folder = self.folder
        if folder is None:
            return None
        settings = self.core.settings
        night = night_of(self.core.clock(), ZoneInfo(settings.opslag_timezone))
        key = f"{RUN_PREFIX}{night.isoformat()}"
        if key in self._done:
            return None
        claimed = await self.core.run(self._claim, key)
        self._done.add(key)
        if not claimed:
            return None
        target = folder / nightly_name(night)
        try:
            checked = await asyncio.to_thread(make_backup, settings.opslag_db, target)
        except BaseException:
            self._done.discard(key)
            with contextlib.suppress(StoreUnavailable):  # else the claim stays: no copy tonight
                await self.core.run(self.core.store.release_run, key)
            raise
        log.info("sikkerhedskopi %s: %d forslag, %d historikrækker", target,
                 checked.proposals, checked.history)
        await self.core.run(record_good_backup, self.core.store, target, checked,
                            self.core.clock())
        await asyncio.to_thread(prune, folder, night, settings.opslag_backup_keep)
        return target

    def _claim(self, key: str) -> bool:
        with self.core.store.transaction():
            return self.core.store.claim_run(key, self.core.clock())


def prune(folder: Path, night: dt.date, keep_days: int) -> list[Path]:
    """Remove the nightly copies (only files named as `nightly_name` makes them) of the nights
    more than `keep_days` before `night`; the files removed."""
    removed = []
    oldest_kept = night - dt.timedelta(days=keep_days - 1)
    for path in folder.iterdir():
        match = _NIGHTLY_NAME.match(path.name)
        if match and dt.date.fromisoformat(match[1]) < oldest_kept and path.is_file():
            path.unlink()
            removed.append(path)
    return removed


class Operations:
    """The server's background work for operations: its lease, renewed every POLL_SECONDS,
    and the nightly backup, looked for as often."""

    def __init__(self, core: Core, *, poll_seconds: float = POLL_SECONDS) -> None:
        self.core = core
        self.lease = ServerLease(core.store)
        self.nightly = NightlyBackup(core)
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None

    async def take_lease(self) -> None:
        """Announce the running server; a database that cannot write now is only logged (it
        says so on GET /readyz, and the next round renews)."""
        try:
            await self.core.run(self.lease.renew)
        except StoreUnavailable as exc:
            log.warning("serverens lease kunne ikke skrives: %s", exc)

    async def run_forever(self) -> None:
        """The night's copy at once (a server that was down at BACKUP_HOUR makes it when it
        is back), then every round; the lease was taken at start and is renewed each round."""
        while True:
            try:
                await self.nightly.run_due()
            except Exception:
                log.exception("den natlige sikkerhedskopi fejlede; prøver igen")
            await asyncio.sleep(self.poll_seconds)
            await self.take_lease()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run_forever())

    async def stop(self) -> None:
        """Stop the loop and give the lease up, so `opslag restore` may run at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            await self.core.run(self.lease.release)
        except StoreUnavailable as exc:
            log.warning("serverens lease kunne ikke fjernes (den udløber af sig selv): %s", exc)
