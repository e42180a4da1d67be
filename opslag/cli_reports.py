"""The `opslag digest`, `opslag calendar` and `opslag export` commands. The digest and the
history events are written in the terminal's words (`handlers/console*.py`)."""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import json
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from bot import calendar, export, schedule
from bot.config import load_settings
from bot.core import Core, build_core
from bot.digest import parse_week
from handlers import console, console_digest

JSON_HELP = "skriv JSON i stedet for tekst"


class OutputError(Exception):
    """The output could not be written; the message is one Danish line naming the file."""


# Why a file could not be written, by the error the system gave; any other is named by its code.
_WRITE_PROBLEMS = {
    errno.ENOENT: "mappen findes ikke",
    errno.ENOTDIR: "en del af stien er ikke en mappe",
    errno.EISDIR: "det er en mappe; skriv et filnavn",
    errno.ELOOP: "det er et symbolsk link, og opslag skriver ikke gennem links; vælg en fil",
    errno.ENOSPC: "der er ikke mere plads",
    errno.EDQUOT: "din diskkvote er brugt op",
    errno.EACCES: "ingen adgang",
    errno.EPERM: "ingen adgang",
    errno.EROFS: "filsystemet er skrivebeskyttet",
    errno.ENAMETOOLONG: "navnet er for langt",
    errno.EPIPE: "modtageren har lukket",
}


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    digest_help = "vis ugeoversigten for den centrale afdeling"
    digest = subparsers.add_parser("digest", help=digest_help, description=digest_help)
    digest.add_argument("--week", type=_week, default=None, metavar="UGE",
                        help="ISO-uge, fx 2026-W49 (ellers den kommende uge)")
    digest.add_argument("--json", action="store_true", help=JSON_HELP)
    digest.set_defaults(run=_digest)

    cal_help = "skriv indholdskalenderen (iCalendar)"
    cal = subparsers.add_parser("calendar", help=cal_help, description=cal_help)
    cal.add_argument("--out", type=Path, default=None, metavar="FIL",
                     help="fil, fx kalender.ics (ellers standard-output)")
    cal.set_defaults(run=_calendar)

    exp_help = "beslutningsjournal for en periode (aktindsigt)"
    exp = subparsers.add_parser("export", help=exp_help, description=exp_help)
    exp.add_argument("--from", dest="first", type=_date, required=True, metavar="DATO",
                     help="første dag, ÅÅÅÅ-MM-DD")
    exp.add_argument("--to", dest="last", type=_date, required=True, metavar="DATO",
                     help="sidste dag (med), ÅÅÅÅ-MM-DD")
    exp.add_argument("--format", choices=("csv", "json"), default="csv",
                     help="csv (standard) eller json")
    exp.add_argument("--out", type=Path, default=None, metavar="FIL",
                     help="fil, som kun du kan læse (ellers standard-output)")
    exp.set_defaults(run=_export, parser=exp)


def _week(text: str) -> tuple[int, int]:
    try:
        return parse_week(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _date(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} er ikke en dato som 2026-11-30") from None
    if not export.FIRST_DAY <= day <= export.LAST_DAY:
        raise argparse.ArgumentTypeError(
            f"{text!r} ligger uden for kalenderen; "
            f"vælg en dag fra {export.FIRST_DAY} til {export.LAST_DAY}"
        )
    return day


def _core() -> Core:
    return build_core(load_settings())


@contextmanager
def _output(path: Path | None, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """Standard output, or the file `path` as only its owner may read it (the record holds
    personal data). A file that cannot be written, or fails part-way, is one Danish line and
    is not left behind half-written. A closed pipe on stdout is left to `main`."""
    if path is None:
        try:
            yield sys.stdout
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise write_error("standard-output", exc) from None
        return
    try:
        fd = _open_private(path)
    except OSError as exc:
        raise write_error(repr(str(path)), exc) from None
    regular = stat.S_ISREG(os.fstat(fd).st_mode)
    try:
        with open(fd, "w", encoding=encoding, newline="") as handle:
            yield handle
    except BaseException as exc:
        if regular:  # never a device such as /dev/full
            path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise write_error(repr(str(path)), exc) from None
        raise


def _open_private(path: Path) -> int:
    """Open `path` for writing with mode 0600, refusing a symlink there (O_NOFOLLOW) so the
    record is not written wherever a planted link points. An existing regular file is
    narrowed to 0600 (O_CREAT keeps its old mode) before it is emptied."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(path, flags, 0o600)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.fchmod(fd, 0o600)
            os.ftruncate(fd, 0)
    except OSError:
        os.close(fd)
        raise
    return fd


def say(text: object = "") -> None:
    """print() for the commands' output: a stdout that cannot be written (`> /dev/full`) is
    one Danish line; a closed pipe is left to `main`."""
    try:
        print(text)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise write_error("standard-output", exc) from None


def write_error(target: str, exc: OSError) -> OutputError:
    problem = _WRITE_PROBLEMS.get(exc.errno or 0)
    if problem is None:
        problem = f"systemfejl {errno.errorcode.get(exc.errno or 0, exc.errno)}"
    return OutputError(f"kan ikke skrive til {target}: {problem}")


def _digest(args: argparse.Namespace) -> int:
    with _core() as core:
        built = schedule.week_overview(core, args.week)
    if args.json:
        say(json.dumps(built.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        say(console_digest.render_digest(built))
    return 0


def _calendar(args: argparse.Namespace) -> int:
    with _core() as core:
        feed = calendar.feed(core)
    with _output(args.out) as out:
        out.write(feed.decode())
    return 0


def _export(args: argparse.Namespace) -> int:
    if args.first > args.last:
        args.parser.error("--from skal ligge før eller på --to")
    with _core() as core:
        tz = schedule.timezone(core.settings)
        start, end = export.period_bounds(args.first, args.last, tz)
        proposals = core.store.proposals_active_between(start, end)
        exported_at = core.clock()
    # A BOM in a file lets a spreadsheet read æ, ø and å; stdout stays plain UTF-8.
    encoding = "utf-8-sig" if args.format == "csv" else "utf-8"
    with _output(args.out, encoding) as out:
        if args.format == "csv":
            # History events in the terminal's Danish names.
            export.write_csv(proposals, out, tz, console.EVENT_DA)
        else:
            document = export.to_json_document(
                proposals, (args.first, args.last), exported_at, tz
            )
            json.dump(document, out, ensure_ascii=False, indent=2)
            out.write("\n")
    return 0
