"""`opslag backup` and `opslag restore`: a copy of the record that can be put back.

Both work on the database file (OPSLAG_DB) directly, like `opslag export`, so they need shell
access to the server. `backup` runs beside a running server; `restore` refuses while one runs
(bot/backup.py). Every problem is one Danish line and exit code 2.
"""

from __future__ import annotations

import argparse
import errno
import sqlite3
from collections.abc import Callable
from pathlib import Path

from bot import backup
from bot.clock import Clock, utcnow
from bot.config import load_settings
from bot.store import (
    DAMAGED,
    NOT_A_DATABASE,
    BadCopy,
    CopyCheck,
    Store,
    StoreUnavailable,
    is_transient,
)
from opslag.cli_reports import write_error

TEXT = {
    "backup_help": "tag en sikkerhedskopi af databasen, mens serveren kører",
    "out_help": "filen, kopien skrives til (kun du kan læse den)",
    "restore_help": "læg en sikkerhedskopi tilbage (serveren skal være stoppet)",
    "file_help": "sikkerhedskopien, fx fra 'opslag backup' eller OPSLAG_BACKUP_DIR",
    "backed_up": "Sikkerhedskopi gemt i {path}: {proposals} forslag og {history} "
                 "historikrækker. Integritetstjek: ok.",
    "not_recorded": "Bemærk: kopien er god, men databasen kunne ikke notere den til "
                    "ugeoversigten ({error}).",
    "restored": "Databasen {database} er lagt tilbage fra {copy}: {proposals} forslag og "
                "{history} historikrækker. Integritetstjek: ok.",
    "kept": "Den gamle database ligger i {path}.",
    "no_database": "databasen {path} findes ikke",
    "no_copy": "sikkerhedskopien {path} findes ikke",
    "running": "en server kører på databasen {path} ({servers}); stop den først, og prøv "
               "igen (en server, der blev slået ned, tæller ikke med efter {minutes} minutter)",
    "not_a_database": "{path} er ikke en SQLite-database",
    "damaged": "{path} er beskadiget (integritetstjek: {detail})",
    "not_opslag": "{path} er ikke en database fra Opslag",
    "busy": "databasen {path} kan ikke bruges lige nu: {error}",
}

Say = Callable[[object], None]


class OpsCommandError(Exception):
    """A problem the operator can fix; the caller prints it as one line and exits 2."""


def add_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], *, say: Say,
    clock: Clock = utcnow,
) -> None:
    made = subparsers.add_parser("backup", help=TEXT["backup_help"],
                                 description=TEXT["backup_help"])
    made.add_argument("--out", type=Path, required=True, metavar="FIL", help=TEXT["out_help"])
    made.set_defaults(run=lambda args: _backup(args.out, say, clock))
    back = subparsers.add_parser("restore", help=TEXT["restore_help"],
                                 description=TEXT["restore_help"])
    back.add_argument("file", type=Path, metavar="FIL", help=TEXT["file_help"])
    back.set_defaults(run=lambda args: _restore(args.file, say, clock))


def _backup(out: Path, say: Say, clock: Clock) -> int:
    database = load_settings().opslag_db
    try:
        checked = backup.make_backup(database, out)
    except backup.MissingFile:
        raise OpsCommandError(TEXT["no_database"].format(path=database)) from None
    except OSError as exc:
        raise OpsCommandError(str(write_error(repr(str(out)), exc))) from None
    except (sqlite3.Error, BadCopy) as exc:
        raise _problem(exc, database, out) from None
    say(TEXT["backed_up"].format(path=out, proposals=checked.proposals, history=checked.history))
    _record(database, out, checked, clock, say)
    return 0


def _record(database: Path, out: Path, checked: CopyCheck, clock: Clock,
            say: Say) -> None:
    """Tell the weekly digest about the copy; a database that cannot write now does not
    make a good copy a failure."""
    try:
        store = Store(database)
    except (StoreUnavailable, sqlite3.Error) as exc:
        say(TEXT["not_recorded"].format(error=exc))
        return
    try:
        backup.record_good_backup(store, out, checked, clock())
    except StoreUnavailable as exc:
        say(TEXT["not_recorded"].format(error=exc))
    finally:
        store.close()


def _restore(copy: Path, say: Say, clock: Clock) -> int:
    database = load_settings().opslag_db
    try:
        restored = backup.restore(copy, database, clock())
    except backup.MissingFile:
        raise OpsCommandError(TEXT["no_copy"].format(path=copy)) from None
    except backup.ServerRunning as exc:
        minutes = int(backup.LEASE_TTL.total_seconds() // 60)
        raise OpsCommandError(TEXT["running"].format(
            path=database, servers=", ".join(_server_names(exc.servers)), minutes=minutes,
        )) from None
    except OSError as exc:
        raise OpsCommandError(str(write_error(repr(str(database.parent)), exc))) from None
    except (sqlite3.Error, BadCopy) as exc:
        raise _problem(exc, copy, database) from None
    checked = restored.checked
    say(TEXT["restored"].format(database=database, copy=copy, proposals=checked.proposals,
                                history=checked.history))
    if restored.kept is not None:
        say(TEXT["kept"].format(path=restored.kept))
    return 0


def _server_names(keys: list[str]) -> list[str]:
    """'server:host:pid:tag' as 'host (pid pid)'."""
    names = []
    for key in keys:
        host, _, rest = key.removeprefix(backup.SERVER_LEASE_PREFIX).partition(":")
        names.append(f"{host} (pid {rest.partition(':')[0]})")
    return names


def _problem(exc: sqlite3.Error | BadCopy, read: Path, written: Path) -> OpsCommandError:
    """One Danish line for a copy that is no database, is damaged or is not ours, or for a
    database that cannot be used now (locked, a full disk)."""
    if isinstance(exc, BadCopy):
        key = {NOT_A_DATABASE: "not_a_database", DAMAGED: "damaged"}.get(exc.reason,
                                                                         "not_opslag")
        return OpsCommandError(TEXT[key].format(path=read, detail=exc.detail))
    if is_transient(exc) and getattr(exc, "sqlite_errorname", "").startswith("SQLITE_FULL"):
        return OpsCommandError(str(write_error(repr(str(written)),
                                               OSError(errno.ENOSPC, "full"))))
    return OpsCommandError(TEXT["busy"].format(path=read, error=exc))
