"""`opslag rapport`: the strategy report for the management board, as one HTML page.

    opslag rapport --fra 2026-01-01 --til 2026-12-31 --out rapport.html

The numbers are bot/report.py's, the page handlers/report_html.py's. The file follows the rules
of the other exports (opslag/cli_reports.py): readable by its owner only, never written through
a symlink, and not left half-written; without --out the page goes to standard output.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from bot import export, report, schedule
from bot.config import load_settings
from bot.core import build_core
from bot.store import Store, StoreUnavailable

# The --out rules and the date check of `opslag export`, shared rather than copied.
from opslag.cli_reports import _date, _output

# More months than this make a page no one reads (and charts no one can).
MAX_MONTHS = 120


class ReportCommandError(Exception):
    """One Danish line for the user; `opslag` exits with 2."""


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    what = "strategirapport til direktionen (HTML)"
    command = subparsers.add_parser("rapport", help=what, description=what)
    command.add_argument("--fra", dest="first", type=_date, required=True, metavar="DATO",
                         help="første dag, ÅÅÅÅ-MM-DD")
    command.add_argument("--til", dest="last", type=_date, required=True, metavar="DATO",
                         help="sidste dag (med), ÅÅÅÅ-MM-DD")
    command.add_argument("--out", type=Path, default=None, metavar="FIL",
                         help="fil, fx rapport.html, som kun du kan læse (ellers standard-output)")
    command.set_defaults(run=_rapport, parser=command)


def check_period(first: dt.date, last: dt.date) -> str | None:
    """Why a period cannot be reported on, in Danish; None when it can."""
    if first > last:
        return "--fra skal ligge før eller på --til"
    if len(report.months_of(first, last)) > MAX_MONTHS:
        return f"perioden må højst dække {MAX_MONTHS // 12} år"
    try:
        before, _ = report.previous_period(first, last)
    except OverflowError:
        before = dt.date.min
    if before < export.FIRST_DAY:  # the period before must also be a period of the calendar
        return "perioden før ligger uden for kalenderen; vælg en senere --fra"
    return None


def _rapport(args: argparse.Namespace) -> int:
    problem = check_period(args.first, args.last)
    if problem:
        args.parser.error(problem)
    settings = load_settings()
    try:
        with build_core(settings) as core:
            text = page(core.store, args.first, args.last, schedule.timezone(settings),
                        sla_hours=settings.opslag_review_sla_hours,
                        escalate_minutes=settings.opslag_crisis_escalate_minutes,
                        made_at=core.clock())
    except StoreUnavailable:
        raise ReportCommandError(
            f"databasen {settings.opslag_db} kan ikke læses lige nu; prøv igen om lidt"
        ) from None
    with _output(args.out) as out:
        out.write(text)
    return 0


def page(
    store: Store, first: dt.date, last: dt.date, tz: dt.tzinfo, *, sla_hours: int,
    escalate_minutes: int, made_at: dt.datetime,
) -> str:
    """The whole page, as the command writes it (bench/bench_report.py times this)."""
    # Imported here: matplotlib and Jinja2 take a moment, and no other command needs them.
    from handlers import report_html

    # Paused over the drawing too: the first collection after the counting would otherwise
    # walk every object alive, matplotlib's included.
    with report.collector_paused():
        return report_html.render(report.load(
            store, first, last, tz, sla_hours=sla_hours, escalate_minutes=escalate_minutes,
            made_at=made_at))
