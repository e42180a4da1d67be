"""`opslag publish` and `opslag takedown`: from approved to published in the terminal (issue 12
§6), for a team that runs Opslag without a chat platform, or to mend the record by hand."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from bot.core import Core
from bot.proposal import Actor, whole_number
from handlers import console

Say = Callable[[object], None]


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser], *,
                 core: Callable[[], Core], say: Say,
                 actor: Callable[[str | None], Actor]) -> None:
    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help)

    publish = command("publish", "markér et godkendt forslag som udgivet, med links")
    publish.add_argument("id", type=_number, metavar="NUMMER", help="forslagets nummer")
    publish.add_argument("--by", required=True, metavar="NAVN",
                         help="hvem der udgav det: den, der godkendte, eller en godkender")
    publish.add_argument("--link", action="append", type=_link, required=True,
                         metavar="PLATFORM=ADRESSE", dest="links",
                         help="fx facebook=https://www.facebook.com/...; gentag for flere")
    publish.set_defaults(run=lambda args: _publish(args, core, say, actor))

    takedown = command("takedown", "bed om at få et udgivet opslag taget ned")
    takedown.add_argument("id", type=_number, metavar="NUMMER", help="forslagets nummer")
    takedown.add_argument("--by", required=True, metavar="NAVN", help="hvem der beder om det")
    takedown.add_argument("--begrundelse", required=True, metavar="TEKST",
                          help="hvorfor, fx at samtykket er trukket tilbage")
    takedown.set_defaults(run=lambda args: _take_down(args, core, say, actor))


def _number(text: str) -> int:
    number = whole_number(text)
    if number is None:
        raise argparse.ArgumentTypeError(f"{text!r} er ikke et forslagsnummer")
    return number


def _link(text: str) -> tuple[str, str]:
    platform, sep, url = text.partition("=")
    if not sep or not platform.strip() or not url.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: skriv PLATFORM=ADRESSE, fx "
                                         "facebook=https://www.facebook.com/...")
    return platform.strip().lower(), url.strip()


def _publish(args: argparse.Namespace, core: Callable[[], Core], say: Say,
             actor: Callable[[str | None], Actor]) -> int:
    links: dict[str, Any] = dict(args.links)
    with core() as built:
        outcome = built.workflow.publish(args.id, actor(args.by), links)
    say(console.render_decided(outcome.proposal, changed=outcome.changed))
    return 0


def _take_down(args: argparse.Namespace, core: Callable[[], Core], say: Say,
               actor: Callable[[str | None], Actor]) -> int:
    with core() as built:
        outcome = built.workflow.take_down(args.id, actor(args.by), args.begrundelse)
    say(console.render_decided(outcome.proposal, changed=outcome.changed))
    return 0
