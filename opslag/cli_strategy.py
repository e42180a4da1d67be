"""`opslag strategi tjek FIL`: the communications team checks a revised strategy file before it
is put in place (`OPSLAG_STRATEGY`, then a restart).

It validates the file, with each mistake named in Danish by line and key, and shows how the
advice for the newest stored proposals would change: platform fits, route, urgency and new or
dropped warnings, one row per change with the number of proposals it touches. Exit code 2
when the file cannot be used (or the one in use now cannot), 1 when the file is valid but the
database cannot be read, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.config import Settings, load_settings
from bot.store import Reader, StoreUnavailable
from policy import Policy, StrategyError, load_policy
from policy.impact import ABSENT, Change, Impact, impact

Say = Callable[[object], None]

# The newest stored proposals compared, unless --antal says otherwise.
DEFAULT_COUNT = 200
MAX_COUNT = 10_000
# Proposal numbers shown beside a change, as examples to look up with `opslag show`.
EXAMPLES = 5

TEXT = {
    "help": "tjek en revideret strategifil",
    "check_help": "valider en strategifil og vis, hvordan rådene for de seneste forslag ændres",
    "file_help": "strategifilen (YAML), fx strategi-2027.yaml",
    "count_help": f"hvor mange af de nyeste gemte forslag der sammenlignes (standard "
                  f"{DEFAULT_COUNT})",
    "json_help": "skriv JSON i stedet for en tabel",
    "valid": "Strategifilen {name} er gyldig (version {version}).",
    "now": "I brug nu: {name} (version {version}).",
    "same": "Filen er den samme som den, der er i brug: rådene ændres ikke.",
    "no_database": "Ingen database ({path}): der er ingen gemte forslag at sammenligne med.",
    "no_proposals": "Der er ingen gemte forslag at sammenligne med.",
    "unreadable": "Virkningen kan ikke vises: databasen {path} kan ikke læses ({reason}).",
    "summary": "Virkning på de {compared} nyeste gemte forslag: rådet ændres for {changed}.",
    "unchanged": "Virkning på de {compared} nyeste gemte forslag: ingen ændringer.",
    "head_change": "Ændring",
    "head_count": "Forslag",
    "head_examples": "Fx forslag nr.",
    "fit": "{platform}: {before} → {after}",
    "route": "Godkendes af: {before} → {after}",
    "urgent": "Hastesag: {before} → {after}",
    "warning_new": "Ny advarsel: {code}",
    "warning_dropped": "Advarsel falder væk: {code}",
    "absent": "ikke med",
    "yes": "ja",
    "no": "nej",
    "restart": "Sæt OPSLAG_STRATEGY til filen, og genstart serveren for at tage den i brug.",
    "bad_count": "{value!r} er ikke et antal fra 1 til {most}",
}


class StrategyCheckError(Exception):
    """The current strategy (OPSLAG_STRATEGY) cannot be used; printed as it is, exit 2."""


def add_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], *, say: Say
) -> None:
    strategy = subparsers.add_parser("strategi", help=TEXT["help"], description=TEXT["help"])
    actions = strategy.add_subparsers(
        dest="strategy_action", required=True, title="handlinger", metavar="HANDLING"
    )
    check = actions.add_parser("tjek", help=TEXT["check_help"], description=TEXT["check_help"])
    check.add_argument("file", type=Path, metavar="FIL", help=TEXT["file_help"])
    check.add_argument("--antal", dest="count", type=_count, default=DEFAULT_COUNT,
                       metavar="ANTAL", help=TEXT["count_help"])
    check.add_argument("--json", action="store_true", help=TEXT["json_help"])
    check.set_defaults(run=lambda args: check_file(args, say))


def _count(text: str) -> int:
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_COUNT:
        return int(text)
    raise argparse.ArgumentTypeError(TEXT["bad_count"].format(value=text, most=MAX_COUNT))


def check_file(args: argparse.Namespace, say: Say) -> int:
    """Validate `args.file`; then compare it with the strategy in use on the stored proposals."""
    try:
        revised = load_policy(args.file)
    except StrategyError as exc:
        say_error(exc.message)
        return 2
    settings = load_settings()  # a broken OPSLAG_STRATEGY stops here, named (exit 2)
    current = load_policy(settings.opslag_strategy)
    if not args.json:
        say(TEXT["valid"].format(name=revised.name, version=revised.version))
        say(TEXT["now"].format(name=current.name, version=current.version))
    try:
        result = _impact(settings, args.count, current, revised)
    except StoreUnavailable as exc:
        say_error(TEXT["unreadable"].format(path=settings.opslag_db, reason=exc))
        return 1
    if args.json:
        say(json.dumps(as_json(revised, current, result), ensure_ascii=False, indent=2))
    elif result is None:
        say(TEXT["no_database"].format(path=settings.opslag_db))
    else:
        say(render(result))
    return 0


def say_error(message: str) -> None:
    print(f"opslag: {message}", file=sys.stderr)


def _impact(settings: Settings, count: int, current: Policy, revised: Policy) -> Impact | None:
    """The impact on the `count` newest proposals; None when there is no database yet (the
    check creates none)."""
    path = settings.opslag_db
    if not Path(path).exists():
        return None
    reader = Reader(path, busy_timeout=settings.opslag_db_busy_timeout)
    try:
        proposals = reader.latest_proposals(count)
    finally:
        reader.close()
    return impact(((p.id, p.intake) for p in proposals), current, revised)


def render(result: Impact) -> str:
    """The impact as a table: one row per change, the number of proposals, a few examples."""
    compared, changed = len(result.compared), len(result.changed)
    if not compared:
        return TEXT["no_proposals"]
    if result.before.version == result.after.version:
        return TEXT["same"]
    if not result.changes:
        return TEXT["unchanged"].format(compared=compared)
    rows = [(describe(change, result), str(change.count), _examples(change))
            for change in result.changes]
    head = (TEXT["head_change"], TEXT["head_count"], TEXT["head_examples"])
    width = [max(len(row[i]) for row in [head, *rows]) for i in range(3)]
    lines = [TEXT["summary"].format(compared=compared, changed=changed), ""]
    for row in [head, *rows]:
        lines.append(f"{row[0]:<{width[0]}}  {row[1]:>{width[1]}}  {row[2]}".rstrip())
        if row is head:
            lines.append(f"{'-' * width[0]}  {'-' * width[1]}  {'-' * width[2]}")
    return "\n".join([*lines, "", TEXT["restart"]])


def describe(change: Change, result: Impact) -> str:
    """One change in Danish, in the words of the strategy files' own labels."""

    def named(kind: str, key: str) -> str:
        if key == ABSENT:
            return TEXT["absent"]
        for side in (result.after, result.before):
            label = side.labels.get(kind, {}).get(key)
            if label:
                return label
        return key

    if change.kind == "fit":
        return TEXT["fit"].format(platform=named("platform", change.subject),
                                  before=named("fit", change.before),
                                  after=named("fit", change.after))
    if change.kind == "route":
        return TEXT["route"].format(before=named("route", change.before),
                                    after=named("route", change.after))
    if change.kind == "urgent":
        return TEXT["urgent"].format(before=_yes_no(change.before), after=_yes_no(change.after))
    return TEXT[change.kind].format(code=change.subject)


def _yes_no(value: str) -> str:
    return TEXT["yes"] if value == "true" else TEXT["no"]


def _examples(change: Change) -> str:
    shown = ", ".join(str(number) for number in change.proposals[:EXAMPLES])
    return shown + (", …" if change.count > EXAMPLES else "")


def as_json(revised: Policy, current: Policy, result: Impact | None) -> dict[str, Any]:
    """The same for scripts: the versions, and each change with the proposals it touches."""
    body: dict[str, Any] = {
        "valid": True,
        "file": {"name": revised.name, "policy_version": revised.version},
        "current": {"name": current.name, "policy_version": current.version},
        "compared": None if result is None else len(result.compared),
        "changed": None if result is None else len(result.changed),
        "changes": [],
    }
    if result is not None:
        body["changes"] = [
            {"kind": c.kind, "subject": c.subject, "before": c.before, "after": c.after,
             "count": c.count, "proposals": list(c.proposals), "text": describe(c, result)}
            for c in result.changes
        ]
    return body
