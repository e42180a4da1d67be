"""The `opslag` command: terminal chat, JSON in/out for scripts, and the server."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from typing import Any

from bot import cli_reports
from bot.config import SettingsError, load_settings
from bot.core import Core, build_core
from bot.proposal import Actor, Decision
from bot.workflow import WorkflowError
from handlers import console, console_digest
from policy import intake_errors, parse_intake, recommend
from policy.models import Intake

DECISIONS = {
    "approve": Decision.APPROVE,
    "changes": Decision.REQUEST_CHANGES,
    "reject": Decision.REJECT,
}


class CliError(Exception):
    """A user mistake: printed as one line on stderr, exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (CliError, SettingsError, WorkflowError) as exc:
        print(f"opslag: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\n{console.TEXT['aborted']}", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opslag", description="Opslag: forslag til opslag.")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="foreslå et opslag i terminalen")
    chat.add_argument("--as", dest="user", default=None, help="dit brugernavn")
    chat.set_defaults(run=_chat)

    recommend_cmd = sub.add_parser("recommend", help="intake (JSON) på stdin -> anbefaling (JSON)")
    recommend_cmd.set_defaults(run=_recommend)

    submit = sub.add_parser("submit", help="gem et forslag (intake som JSON på stdin)")
    submit.add_argument("--as", dest="user", required=True)
    submit.set_defaults(run=_submit)

    listing = sub.add_parser("list", help="vis forslag")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)

    show = sub.add_parser("show", help="vis et forslag med historik")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=_show)

    decide = sub.add_parser("decide", help="godkend, bed om ændringer eller afvis")
    decide.add_argument("id", type=int)
    decide.add_argument("decision", choices=sorted(DECISIONS))
    decide.add_argument("--by", required=True)
    decide.add_argument("--note", default=None)
    decide.set_defaults(run=_decide)

    serve = sub.add_parser("serve", help="start serveren til Slack og Teams")
    serve.set_defaults(run=_serve)
    cli_reports.add_commands(sub, render_digest=console_digest.render_digest)
    return parser


def _core() -> Core:
    return build_core(load_settings())


def _console_actor(user: str | None) -> Actor:
    name = user or getpass.getuser()
    return Actor(platform="console", user_id=name, name=name)


def read_intake(stream: Any = None) -> Intake:
    """Parse one intake from JSON text; any problem becomes one clear line naming the field."""
    raw = (stream or sys.stdin).read()
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"ugyldig JSON på linje {exc.lineno}, kolonne {exc.colno}: {exc.msg}"
        ) from None
    except UnicodeDecodeError:
        raise CliError("input er ikke gyldig UTF-8") from None
    if not isinstance(data, dict):
        raise CliError("input skal være et JSON-objekt med felterne fra spørgsmålene")
    errors = intake_errors(data)
    if errors:
        field, message = next(iter(errors.items()))
        raise CliError(f"feltet '{field}': {message}")
    return parse_intake(data)


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _recommend(args: argparse.Namespace) -> int:
    _print_json(recommend(read_intake()).model_dump(mode="json"))
    return 0


def _submit(args: argparse.Namespace) -> int:
    intake = read_intake()
    with _core() as core:
        proposal = core.workflow.submit(intake, _console_actor(args.user), source="console")
    print(proposal.id)
    return 0


def _list(args: argparse.Namespace) -> int:
    with _core() as core:
        proposals = core.store.list_proposals()
    if args.json:
        _print_json([p.model_dump(mode="json", exclude={"history"}) for p in proposals])
    else:
        print(console.render_list(proposals))
    return 0


def _show(args: argparse.Namespace) -> int:
    with _core() as core:
        proposal = core.workflow.get(args.id)
    if args.json:
        _print_json(proposal.model_dump(mode="json"))
    else:
        print(console.render_proposal(proposal))
    return 0


def _decide(args: argparse.Namespace) -> int:
    with _core() as core:
        outcome = core.workflow.decide(
            args.id, DECISIONS[args.decision], _console_actor(args.by), args.note
        )
    print(console.render_decided(outcome.proposal, changed=outcome.changed))
    return 0


def _chat(args: argparse.Namespace) -> int:
    with _core() as core:
        try:
            intake = console.run_chat(input, print)
        except (KeyboardInterrupt, EOFError):
            print(f"\n{console.TEXT['aborted']}")
            return 130
        print(console.render_recommendation(recommend(intake)))
        proposal = core.workflow.submit(intake, _console_actor(args.user), source="console")
        print(console.render_stored(proposal))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from bot import server  # imported late: the terminal commands need no web stack

    server.main(load_settings())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
