"""The `opslag` command as a user meets it: JSON in and out, one-line errors, no tracebacks."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from opslag.cli import main
from tests.conftest import intake_data


def run(
    argv: list[str], stdin: str, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli(make_settings: Any, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> Any:
    make_settings()  # clears the environment and moves into the temporary folder
    monkeypatch.setenv("OPSLAG_CENTRAL_USERS", "chef, souschef")

    def call(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
        return run(argv, stdin, capsys, monkeypatch)

    return call


def test_recommend_prints_the_recommendation_as_json(cli: Any) -> None:
    code, out, err = cli(["recommend"], json.dumps(intake_data(crisis=True)))
    assert code == 0, err
    rec = json.loads(out)
    assert {p["platform"] for p in rec["platforms"]} == {
        "facebook", "linkedin", "instagram", "department", "intranet", "website"
    }
    assert rec["review"] == {**rec["review"], "route": "central", "urgent": True}
    # issue 11: the short answer, warnings with codes, and the crisis checklist
    assert 1 <= len(rec["summary"]) <= 3
    assert all(len(line) <= 200 for line in rec["summary"])
    assert rec["warnings"][0]["code"] == "crisis"
    assert rec["crisis_checklist"]


@pytest.mark.parametrize(
    "stdin, field",
    [
        (json.dumps(intake_data(farve="blå")), "farve"),
        (json.dumps(intake_data(crisis="måske")), "crisis"),
        (json.dumps(intake_data(theme="sport")), "theme"),
        (json.dumps(intake_data(text="x" * 3001)), "text"),
        (json.dumps(intake_data(audience=[])), "audience"),
        ('{"audience": ["borgere"], ', "JSON"),
        ("[1, 2]", "JSON-objekt"),
    ],
)
def test_bad_input_is_one_clear_line_naming_the_field(cli: Any, stdin: str, field: str) -> None:
    code, out, err = cli(["recommend"], stdin)
    assert code != 0
    assert out == ""
    assert field in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_text_of_exactly_3000_characters_is_accepted(cli: Any) -> None:
    code, _, err = cli(["recommend"], json.dumps(intake_data(text="Ord " * 750)))
    assert code == 0, err


def test_submit_list_show_decide_round_trip(cli: Any) -> None:
    code, out, _ = cli(["submit", "--as", "anna"], json.dumps(intake_data()))
    assert code == 0
    pid = out.strip()
    assert pid.isdigit()

    code, out, _ = cli(["list", "--json"])
    assert [p["id"] for p in json.loads(out)] == [int(pid)]

    code, out, err = cli(["decide", pid, "approve", "--by", "anna"])
    assert code == 2 and "centrale" in err

    code, out, _ = cli(["decide", pid, "changes", "--by", "souschef", "--note", "Kortere"])
    assert code == 0 and "ændringer" in out

    code, out, _ = cli(["show", pid, "--json"])
    shown = json.loads(out)
    assert shown["status"] == "changes_requested"
    assert [e["event"] for e in shown["history"]] == ["submitted", "changes_requested"]
    assert shown["history"][1]["note"] == "Kortere"

    code, out, _ = cli(["show", pid])
    assert "Træplantning i Grenaa" in out and "Kortere" in out


def test_decide_takes_the_danish_verbs(cli: Any) -> None:
    ids = [cli(["submit", "--as", "anna"], json.dumps(intake_data()))[1].strip() for _ in range(3)]
    decided = [
        cli(["decide", ids[0], "godkend", "--by", "chef"]),
        cli(["decide", ids[1], "ændringer", "--by", "chef", "--note", "Kortere"]),
        cli(["decide", ids[2], "afvis", "--by", "chef", "--note", "Ikke nu"]),
    ]
    assert [code for code, _, _ in decided] == [0, 0, 0], decided
    statuses = [json.loads(cli(["show", pid, "--json"])[1])["status"] for pid in ids]
    assert statuses == ["approved", "changes_requested", "rejected"]


def test_a_refused_decision_says_where_the_central_team_is_set(cli: Any) -> None:
    pid = cli(["submit", "--as", "anna"], json.dumps(intake_data()))[1].strip()
    code, out, err = cli(["decide", pid, "godkend", "--by", "anna"])
    assert_one_danish_line(code, out, err, "'anna'", "OPSLAG_CENTRAL_USERS")


# argparse's own words, which a user must not meet.
ENGLISH = (
    "error:", "usage:", "the following", "invalid", "choose from", "expected", "unrecognized",
    "argument ", "required",
)


def assert_one_danish_line(code: int, out: str, err: str, *names: str) -> None:
    """Exit code 2, nothing on stdout, one line on stderr naming the problem, no English."""
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    [line] = err.splitlines()
    assert line.startswith("opslag")
    for name in names:
        assert name in line
    for word in ENGLISH:
        assert word not in line.lower(), line


DEEP_JSON = '{"audience": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize(
    "argv, stdin, names",
    [
        ([], "", ["mangler KOMMANDO"]),
        (["godkend"], "", ["ukendt valg 'godkend'", "decide"]),
        (["decide", "1"], "", ["mangler BESLUTNING, --by", "opslag decide -h"]),
        (["decide", "1", "ja", "--by", "chef"], "", ["'ja' er ikke en beslutning", "godkend"]),
        (["show", "abc"], "", ["'abc' er ikke et forslagsnummer"]),
        # One rule for proposal numbers everywhere (bot/proposal.py): at most 19 digits.
        (["show", "1" * 20], "", [f"'{'1' * 20}' er ikke et forslagsnummer"]),
        (["show", "٣"], "", ["'٣' er ikke et forslagsnummer"]),
        (["list", "--jsn"], "", ["ukendte argumenter: --jsn"]),
        (["show"], "", ["mangler NUMMER"]),
        (["digest", "--week", "9999-W52"], "", ["--week", "kalenderens sidste dag"]),
        (["digest", "--week", "2026-49"], "", ["--week", "2026-W49"]),
        (["export", "--from", "2026-01-01", "--to"], "", ["--to: mangler en værdi"]),
        (["recommend"], DEEP_JSON, ["for dybt"]),
        (["submit", "--as", "anna"], DEEP_JSON, ["for dybt"]),
    ],
)
def test_a_mistake_on_the_command_line_is_one_danish_line(
    cli: Any, argv: list[str], stdin: str, names: list[str]
) -> None:
    assert_one_danish_line(*cli(argv, stdin), *names)


def test_help_is_danish(cli: Any) -> None:
    code, out, _ = cli(["decide", "-h"])
    assert code == 0
    assert out.startswith("brug: opslag decide")
    assert "tilvalg:" in out and "vis denne hjælp og afslut" in out
    assert "godkend, ændringer eller afvis" in out and "OPSLAG_CENTRAL_USERS" in out
    assert not any(word in out for word in ("usage:", "options:", "positional", "show this"))


def test_show_unknown_id_is_a_clear_error(cli: Any) -> None:
    code, _, err = cli(["show", "42"])
    assert code == 2 and "42" in err and "findes ikke" in err


def test_chat_asks_the_questions_and_stores_the_proposal(
    cli: Any, monkeypatch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from opslag import cli as cli_module
    from policy import questions

    answers = iter([*_answers_for_chat(questions()), "ja"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    code = cli_module.main(["chat", "--as", "anna"])
    shown = capsys.readouterr().out
    assert code == 0
    # The advice before the question whether to send; after "ja" the receipt only.
    advice_at, send_at = shown.index("Anbefaling"), shown.index("Send til godkendelse?")
    assert advice_at < send_at < shown.index("Gemt som forslag nr. 1")
    assert shown.count("Anbefaling") == 1
    code, out, _ = cli(["list", "--json"])
    [stored] = json.loads(out)
    assert stored["proposer"]["user_id"] == "anna"
    assert stored["intake"]["theme"] == "klima_miljoe"
    assert stored["intake"]["text"] == "Vi planter træer i Grenaa."


def test_chat_interrupted_stores_nothing(
    cli: Any, monkeypatch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from opslag import cli as cli_module

    answers = iter(["1"])

    def ask(prompt: str = "") -> str:
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", ask)
    assert cli_module.main(["chat", "--as", "anna"]) == 130
    assert "Intet er gemt" in capsys.readouterr().out
    _code, out, _ = cli(["list", "--json"])
    assert json.loads(out) == []


def test_chat_nej_after_the_advice_stores_nothing(
    cli: Any, monkeypatch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from opslag import cli as cli_module
    from policy import questions

    answers = iter([*_answers_for_chat(questions()), "nej"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert cli_module.main(["chat", "--as", "anna"]) == 0
    shown = capsys.readouterr().out
    assert "Anbefaling" in shown
    assert shown.rstrip().endswith("Intet er gemt.")
    _code, out, _ = cli(["list", "--json"])
    assert json.loads(out) == []


def test_chat_ctrl_d_at_the_question_whether_to_send_stores_nothing(
    cli: Any, monkeypatch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from opslag import cli as cli_module
    from policy import questions

    answers = iter(_answers_for_chat(questions()))

    def ask(prompt: str = "") -> str:
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", ask)
    assert cli_module.main(["chat", "--as", "anna"]) == 130
    assert capsys.readouterr().out.rstrip().endswith("Afbrudt. Intet er gemt.")
    _code, out, _ = cli(["list", "--json"])
    assert json.loads(out) == []


def _answers_for_chat(questions: list[Any]) -> list[str]:
    """Answer each question as a user would type it, choosing by number from the options."""
    wanted = {
        "audience": ["borgere"], "theme": "klima_miljoe", "content_type": "nyhed",
        "crisis": "nej", "has_media": "nej",
    }
    typed: list[str] = []
    for question in questions:
        if question.id in ("audience", "theme", "content_type"):
            values = [o.value for o in question.options]
            want = wanted[question.id]
            picks = want if isinstance(want, list) else [want]
            typed.append(",".join(str(values.index(v) + 1) for v in picks))
        elif question.id in ("crisis", "has_media"):
            typed.append(str(wanted[question.id]))
        elif question.id == "text":
            typed.extend(["Vi planter træer i Grenaa.", ""])
        elif question.applies_when:
            continue  # not asked: no image and not a job ad
        else:
            typed.append("")  # optional: skipped with Enter
    return typed


def test_the_installed_command_never_shows_a_traceback(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    result = subprocess.run(
        [sys.executable, "-m", "opslag", "recommend"],
        input="{ikke json", capture_output=True, text=True, cwd=tmp_path, timeout=60, env=env,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("opslag: ")


def run_installed(argv: list[str], folder: Path, stdout: int) -> subprocess.CompletedProcess[str]:
    """`opslag ARGV` as a separate process in `folder`, its stdout going to `stdout`."""
    import os

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OPSLAG_")},
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    return subprocess.run(
        [sys.executable, "-m", "opslag", *argv], stdin=subprocess.DEVNULL, stdout=stdout,
        stderr=subprocess.PIPE, text=True, cwd=folder, timeout=60, env=env,
    )


EXPORT_2026 = ["export", "--from", "2026-01-01", "--to", "2026-12-31"]


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path: Path) -> None:
    """`opslag export ... | head -1`: the reader is gone before the first line is written."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = run_installed(EXPORT_2026, tmp_path, write_end)
    finally:
        os.close(write_end)
    assert result.stderr == ""  # no traceback, not even "Exception ignored ... BrokenPipeError"
    assert result.returncode == 1  # as Python's docs on SIGPIPE do it


@pytest.mark.parametrize("argv", [EXPORT_2026, ["list", "--json"], ["digest"]])
def test_a_full_stdout_is_one_danish_line(tmp_path: Path, argv: list[str]) -> None:
    """`opslag ... > /dev/full`."""
    with open("/dev/full", "w") as full:
        result = run_installed(argv, tmp_path, full.fileno())
    assert_one_danish_line(result.returncode, "", result.stderr, "standard-output", "plads")
