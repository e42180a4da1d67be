"""The `opslag digest`, `opslag calendar` and `opslag export` commands.

The plain-text rendering of the digest is passed in by `bot.cli` (it lives with the other
terminal renderings in `handlers/`), so this module knows no surface.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import IO

from bot import calendar, export, schedule
from bot.config import load_settings
from bot.core import Core, build_core
from bot.digest import Digest, parse_week

RenderDigest = Callable[[Digest], str]


def add_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    *,
    render_digest: RenderDigest,
) -> None:
    digest = subparsers.add_parser("digest", help="vis ugeoversigten for den centrale afdeling")
    digest.add_argument("--week", type=_week, default=None, help="ISO-uge, fx 2026-W49")
    digest.add_argument("--json", action="store_true")
    digest.set_defaults(run=partial(_digest, render=render_digest))

    cal = subparsers.add_parser("calendar", help="skriv indholdskalenderen (iCalendar)")
    cal.add_argument("--out", type=Path, default=None, help="fil, fx kalender.ics (ellers stdout)")
    cal.set_defaults(run=_calendar)

    exp = subparsers.add_parser("export", help="beslutningsjournal for en periode (aktindsigt)")
    exp.add_argument("--from", dest="first", type=_date, required=True, help="ÅÅÅÅ-MM-DD")
    exp.add_argument("--to", dest="last", type=_date, required=True, help="ÅÅÅÅ-MM-DD, med")
    exp.add_argument("--format", choices=("csv", "json"), default="csv")
    exp.add_argument("--out", type=Path, default=None, help="fil (ellers stdout)")
    exp.set_defaults(run=_export, parser=exp)


def _week(text: str) -> tuple[int, int]:
    try:
        return parse_week(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} er ikke en dato som 2026-11-30") from None


def _core() -> Core:
    return build_core(load_settings())


@contextmanager
def _output(path: Path | None, encoding: str = "utf-8") -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    with path.open("w", encoding=encoding, newline="") as handle:
        yield handle


def _digest(args: argparse.Namespace, render: RenderDigest) -> int:
    with _core() as core:
        built = schedule.week_overview(core, args.week)
    if args.json:
        print(json.dumps(built.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print(render(built))
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
            export.write_csv(proposals, out, tz)
        else:
            document = export.to_json_document(
                proposals, (args.first, args.last), exported_at, tz
            )
            json.dump(document, out, ensure_ascii=False, indent=2)
            out.write("\n")
    return 0
