"""The `opslag` command as a user meets it: JSON in and out, one-line errors, no tracebacks."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
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
        "facebook", "linkedin", "instagram", "intranet", "website"
    }
    assert rec["review"] == {**rec["review"], "route": "central", "urgent": True}


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


def test_show_unknown_id_is_a_clear_error(cli: Any) -> None:
    code, _, err = cli(["show", "42"])
    assert code == 2 and "42" in err and "findes ikke" in err


def test_chat_asks_the_questions_and_stores_the_proposal(
    cli: Any, monkeypatch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import cli as cli_module
    from policy import questions

    answers = iter(_answers_for_chat(questions()))
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    code = cli_module.main(["chat", "--as", "anna"])
    shown = capsys.readouterr().out
    assert code == 0
    assert "Anbefaling" in shown and "Gemt som forslag nr. 1" in shown
    code, out, _ = cli(["list", "--json"])
    [stored] = json.loads(out)
    assert stored["proposer"]["user_id"] == "anna"
    assert stored["intake"]["theme"] == "klima_miljoe"
    assert stored["intake"]["text"] == "Vi planter træer i Grenaa."


def test_chat_interrupted_stores_nothing(
    cli: Any, monkeypatch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import cli as cli_module

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
        [sys.executable, "-m", "bot", "recommend"],
        input="{ikke json", capture_output=True, text=True, cwd=tmp_path, timeout=60, env=env,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("opslag: ")
