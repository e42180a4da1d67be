"""The `opslag` command: terminal chat, JSON in/out for scripts, and the server."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any, NoReturn

from bot.config import SettingsError, load_settings
from bot.core import Core, build_core
from bot.proposal import Actor, Decision, whole_number
from bot.submission import check_intake
from bot.workflow import GatesOpen, NotAllowed, WorkflowError
from handlers import console, console_chat, platforms
from opslag import cli_ops, cli_outbox, cli_publish, cli_report, cli_reports, cli_strategy
from opslag.cli_reports import JSON_HELP, say
from policy import StrategyError, load_policy, recommend
from policy.models import Intake

# The Danish verbs beside the English ones scripts use.
DECISIONS = {
    "approve": Decision.APPROVE,
    "godkend": Decision.APPROVE,
    "changes": Decision.REQUEST_CHANGES,
    "ændringer": Decision.REQUEST_CHANGES,
    "reject": Decision.REJECT,
    "afvis": Decision.REJECT,
}


class CliError(Exception):
    """A user mistake: printed as one line on stderr, exit code 2."""


class UsageError(CliError):
    """A command line argparse refused, already in Danish; `prog` names the (sub)command."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _run(argv)
        _flush_stdout()
        return code
    except BrokenPipeError:
        # `opslag export | head`: the reader has all it wanted. Python's docs on SIGPIPE:
        # point stdout at /dev/null so the flush at exit doesn't fail again, and exit 1.
        _silence_stdout()
        return 1
    except cli_reports.OutputError as exc:
        print(f"opslag: {exc}", file=sys.stderr)
        _silence_stdout()
        return 2


def _flush_stdout() -> None:
    """Short output sits in the buffer: a closed pipe or a full disk shows here, not at exit."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise cli_reports.write_error("standard-output", exc) from None


def _run(argv: Sequence[str] | None) -> int:
    try:
        args = _parser().parse_args(argv)
        return int(args.run(args) or 0)
    except SystemExit as exc:  # -h: the help is printed, argparse exits 0
        return exc.code if isinstance(exc.code, int) else 0
    except UsageError as exc:
        print(f"{exc.prog}: {exc} (se '{exc.prog} -h')", file=sys.stderr)
        return 2
    except (CliError, cli_reports.OutputError, cli_outbox.OutboxCommandError, SettingsError,
            StrategyError, WorkflowError, cli_ops.OpsCommandError,
            cli_report.ReportCommandError) as exc:
        print(f"opslag: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\n{console.TEXT['aborted']}", file=sys.stderr)
        return 130


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is no file (a test captures it): nothing to flush
        pass


# argparse's English messages as templates ({x} stands for any text), and what a user reads
# instead. A message not listed here is shown as argparse wrote it.
_ARGPARSE_DA = [
    ("argument {name}: {message}", "{name}: {message}"),
    ("the following arguments are required: {names}", "mangler {names}"),
    ("invalid choice: {value} (choose from {choices})",
     "ukendt valg {value} (vælg mellem {choices})"),
    ("invalid {type} value: {value}", "ugyldig værdi {value}"),
    ("expected one argument", "mangler en værdi"),
    ("expected at most one argument", "tager højst én værdi"),
    ("expected at least one argument", "mangler mindst én værdi"),
    ("expected {count} arguments", "skal have {count} værdier"),
    ("unrecognized arguments: {names}", "ukendte argumenter: {names}"),
    ("ambiguous option: {option} could match {matches}", "{option} kan betyde både {matches}"),
    ("not allowed with argument {name}", "kan ikke bruges sammen med {name}"),
    ("one of the arguments {names} is required", "et af argumenterne {names} skal med"),
    ("ignored explicit argument {value}", "tager ingen værdi (fik {value})"),
]


def _template_pattern(template: str) -> re.Pattern[str]:
    """'invalid choice: {value}' -> a pattern that matches it with any text as `value`."""
    escaped = re.escape(template)
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.*?)", escaped) + "$", re.S)


_ARGPARSE_PATTERNS = [(_template_pattern(english), danish) for english, danish in _ARGPARSE_DA]


def translate_argparse(message: str) -> str:
    """argparse's English error in Danish; the text an argument's own check wrote is kept."""
    for pattern, danish in _ARGPARSE_PATTERNS:
        match = pattern.match(message)
        if match:
            parts = match.groupdict()
            if "message" in parts:
                parts["message"] = translate_argparse(parts["message"])
            return danish.format(**parts)
    return message


class DanishHelpFormatter(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "brug: " if prefix is None else prefix)


class DanishArgumentParser(argparse.ArgumentParser):
    """argparse in Danish: help texts and headings, and an error is one line on stderr
    (raised as UsageError for `main`) instead of the usage and an English message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["add_help"] = False  # added below with a Danish help text
        kwargs.setdefault("formatter_class", DanishHelpFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumenter"
        self._optionals.title = "tilvalg"
        self.add_argument("-h", "--help", action="help", help="vis denne hjælp og afslut")

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, translate_argparse(message))


def _parser() -> argparse.ArgumentParser:
    # Its subcommands' parsers are of the same class (argparse's default).
    parser: argparse.ArgumentParser = DanishArgumentParser(
        prog="opslag", description="Opslag: forslag til opslag."
    )
    sub = parser.add_subparsers(
        dest="command", required=True, title="kommandoer", metavar="KOMMANDO"
    )

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help)

    chat = command("chat", "foreslå et opslag i terminalen")
    chat.add_argument("--as", dest="user", default=None, metavar="NAVN",
                      help="dit brugernavn (ellers dit login-navn)")
    chat.set_defaults(run=_chat)

    recommend_cmd = command("recommend", "intake (JSON) på stdin -> anbefaling (JSON)")
    recommend_cmd.set_defaults(run=_recommend)

    submit = command("submit", "gem et forslag (intake som JSON på stdin)")
    submit.add_argument("--as", dest="user", required=True, metavar="NAVN",
                        help="forslagsstillerens brugernavn")
    submit.set_defaults(run=_submit)

    listing = command("list", "vis forslag")
    listing.add_argument("--json", action="store_true", help=JSON_HELP)
    listing.set_defaults(run=_list)

    show = command("show", "vis et forslag med historik")
    show.add_argument("id", type=_proposal_id, metavar="NUMMER", help="forslagets nummer")
    show.add_argument("--json", action="store_true", help=JSON_HELP)
    show.set_defaults(run=_show)

    decide = command("decide", "godkend, bed om ændringer eller afvis")
    decide.add_argument("id", type=_proposal_id, metavar="NUMMER", help="forslagets nummer")
    decide.add_argument("decision", type=_decision, metavar="BESLUTNING",
                        help="godkend, ændringer eller afvis (eller approve, changes, reject)")
    decide.add_argument("--by", required=True, metavar="NAVN",
                        help="hvem der beslutter: et navn i OPSLAG_CENTRAL_USERS")
    reason = decide.add_mutually_exclusive_group()
    reason.add_argument("--note", default=None, metavar="TEKST",
                        help="begrundelsen; skal med ved ændringer og afvis")
    reason.add_argument("--begrundelse", default=None, metavar="TEKST",
                        help="godkend alligevel, selvom noget mangler (samtykke, alt-tekst, "
                             "undertekster): hvorfor")
    decide.add_argument("--revision", type=_proposal_id, default=None, metavar="VERSION",
                        help="den version, du har læst (se 'opslag show'): en nyere afvises")
    decide.set_defaults(run=_decide)

    serve = command("serve", "start serveren til Slack og Teams")
    serve.set_defaults(run=_serve)
    cli_reports.add_commands(sub)
    cli_outbox.add_commands(sub, core=_core, say=say)
    cli_strategy.add_commands(sub, say=say)
    cli_ops.add_commands(sub, say=say)
    cli_report.add_commands(sub)
    cli_publish.add_commands(sub, core=_core, say=say, actor=_console_actor)
    return parser


def _proposal_id(text: str) -> int:
    number = whole_number(text)
    if number is None:
        raise argparse.ArgumentTypeError(f"{text!r} er ikke et forslagsnummer")
    return number


def _decision(text: str) -> Decision:
    decision = DECISIONS.get(unicodedata.normalize("NFC", text.strip().lower()))
    if decision is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} er ikke en beslutning; skriv godkend, ændringer eller afvis"
        )
    return decision


def _core() -> Core:
    """The core with every platform's routing (not its sending): a proposal made here reaches
    the review channels, and a decision made here the proposer, when the server sends them."""
    settings = load_settings()
    return build_core(settings, platforms=platforms(settings))


def _console_actor(user: str | None) -> Actor:
    name = user or getpass.getuser()
    return Actor(platform="console", user_id=name, name=name)


def read_intake(stream: Any = None) -> Intake:
    """Parse one intake from JSON text; any problem becomes one clear line naming the field."""
    try:
        data = json.loads((stream or sys.stdin).read())
    except json.JSONDecodeError as exc:
        raise CliError(
            f"ugyldig JSON på linje {exc.lineno}, kolonne {exc.colno}: {exc.msg}"
        ) from None
    except UnicodeDecodeError:
        raise CliError("input er ikke gyldig UTF-8") from None
    except RecursionError:  # the parser gives up on lists or objects nested ~1000 deep
        raise CliError("ugyldig JSON: lister eller objekter er indlejret for dybt") from None
    if not isinstance(data, dict):
        raise CliError("input skal være et JSON-objekt med felterne fra spørgsmålene")
    checked = check_intake(data)
    if checked.intake is None:
        field, message = next(iter(checked.errors.items()))
        raise CliError(f"feltet '{field}': {message}")
    return checked.intake


def _print_json(data: Any) -> None:
    say(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _recommend(args: argparse.Namespace) -> int:
    settings = load_settings()
    policy = load_policy(settings.opslag_strategy)  # OPSLAG_STRATEGY, as the server's
    phone = settings.opslag_crisis_phone  # named in a crisis checklist
    advice = recommend(read_intake(), crisis_phone=phone, policy=policy)
    _print_json(advice.model_dump(mode="json"))
    return 0


def _submit(args: argparse.Namespace) -> int:
    intake = read_intake()
    with _core() as core:
        proposal = core.workflow.submit(intake, _console_actor(args.user), source="console")
    say(proposal.id)
    return 0


def _list(args: argparse.Namespace) -> int:
    with _core() as core:
        proposals = core.store.list_proposals()
    if args.json:
        _print_json([p.model_dump(mode="json", exclude={"history"}) for p in proposals])
    else:
        say(console.render_list(proposals))
    return 0


def _show(args: argparse.Namespace) -> int:
    with _core() as core:
        proposal = core.workflow.get(args.id)
    if args.json:
        _print_json(proposal.model_dump(mode="json"))
    else:
        say(console.render_proposal(proposal))
    return 0


def _decide(args: argparse.Namespace) -> int:
    override = args.begrundelse is not None
    with _core() as core:
        try:
            outcome = core.workflow.decide(
                args.id, args.decision, _console_actor(args.by),
                args.begrundelse if override else args.note,
                revision=args.revision, override=override,
            )
        except NotAllowed as exc:
            hint = console.TEXT["not_central"].format(user=args.by)
            raise CliError(f"{exc.message} {hint}") from None
        except GatesOpen as exc:
            raise CliError(f"{exc.message} (--begrundelse TEKST)") from None
    say(console.render_decided(outcome.proposal, changed=outcome.changed))
    return 0


def _chat(args: argparse.Namespace) -> int:
    """Questions, advice, then send, correct or drop (handlers/console_chat.py)."""
    with _core() as core:
        try:
            result = console_chat.chat(core, input, say, _console_actor(args.user))
        except (KeyboardInterrupt, EOFError):
            say(f"\n{console.TEXT['aborted']}")
            return 130
    if result is not None and result.proposal is None:  # refused (the store busy)
        raise result.refused or CliError(console.TEXT["aborted"])
    return 0  # sent (the receipt is shown), or dropped by choice ("Intet er gemt.")


def _serve(args: argparse.Namespace) -> int:
    from opslag import server  # imported late: the terminal commands need no web stack

    server.main(load_settings())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
