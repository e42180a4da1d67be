"""`opslag outbox`: what operations staff need when a message could not be delivered.

The central team is told in Danish when the outbox gives a message up; the notice sends them to
"driften", who look here. A given-up message holds back the later messages of its lane (a
review thread, a proposer's chat) until it is sent again (`retry`) or let go (`release`).
The commands work on the database file directly, like `export`, so they need shell access to
the server: no chat user can reach them.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from bot.core import Core
from bot.store import OutboxRow

TEXT = {
    "help": "se og håndtér beskeder, der ikke kunne leveres",
    "list_help": "vis beskeder, der venter eller er opgivet",
    "all_help": "vis også dem, der venter på at blive sendt",
    "retry_help": "send en opgivet besked igen",
    "release_help": "opgiv en besked for altid, så de næste i dens tråd kan sendes",
    "id_help": "beskedens nummer (fra 'opslag outbox')",
    "none": "Ingen opgivne beskeder.",
    "none_all": "Ingen beskeder venter.",
    "header": "nr.  status   platform  slags            forslag  forsøg  fejl",
    "retried": "Besked nr. {id} sendes igen.",
    "released": "Besked nr. {id} er opgivet; de næste i dens tråd sendes nu.",
    "not_failed": "besked nr. {id} findes ikke eller er ikke opgivet",
}
STATUS_DA = {"failed": "opgivet", "pending": "venter"}

CoreFactory = Callable[[], Core]
Say = Callable[[object], None]


class OutboxCommandError(Exception):
    """A mistake of the operator's; the caller prints it as one line and exits 2."""


def add_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    *,
    core: CoreFactory,
    say: Say,
) -> None:
    outbox = subparsers.add_parser("outbox", help=TEXT["help"], description=TEXT["help"])
    outbox.add_argument("--alle", dest="everything", action="store_true", help=TEXT["all_help"])
    outbox.add_argument("--json", action="store_true", help="JSON i stedet for en tabel")
    outbox.set_defaults(run=lambda args: _list(args, core, say))
    actions = outbox.add_subparsers(dest="action", title="handlinger", metavar="HANDLING")
    for name, key in (("retry", "retry_help"), ("release", "release_help")):
        action = actions.add_parser(name, help=TEXT[key], description=TEXT[key])
        action.add_argument("id", type=_row_id, metavar="NUMMER", help=TEXT["id_help"])
        action.set_defaults(run=lambda args, name=name: _resolve(args, name, core, say))


def _row_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise argparse.ArgumentTypeError(f"{text!r} er ikke et beskednummer")
    return int(text)


def _list(args: argparse.Namespace, core: CoreFactory, say: Say) -> int:
    with core() as opened:
        rows = opened.store.outbox_rows(status="failed")
        if args.everything:
            rows += opened.store.outbox_rows(status="pending")
    if args.json:
        say(json.dumps([row.model_dump(mode="json") for row in rows], ensure_ascii=False,
                       indent=2))
    elif not rows:
        say(TEXT["none_all" if args.everything else "none"])
    else:
        say("\n".join([TEXT["header"], *(_line(row) for row in rows)]))
    return 0


def _line(row: OutboxRow) -> str:
    error = " ".join((row.last_error or "").split())[:60]
    proposal = str(row.proposal_id) if row.proposal_id is not None else "-"
    return (f"{row.id:<4} {STATUS_DA.get(row.status, row.status):<8} {row.platform:<9} "
            f"{row.kind:<16} {proposal:<8} {row.attempts:<7} {error}")


def _resolve(args: argparse.Namespace, action: str, core: CoreFactory, say: Say) -> int:
    with core() as opened:
        outbox = opened.outbox
        done = outbox.retry_failed(args.id) if action == "retry" else outbox.release_failed(
            args.id)
    if not done:
        raise OutboxCommandError(TEXT["not_failed"].format(id=args.id))
    say(TEXT["retried" if action == "retry" else "released"].format(id=args.id))
    return 0
