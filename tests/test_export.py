"""The decision record (`opslag export`) and the append-only history behind it."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from bot.core import Core
from bot.proposal import Decision
from opslag.cli import main
from policy import POLICY_VERSION
from tests.conftest import FakeClock
from tests.test_cli import assert_one_danish_line
from tests.test_digest_support import BO, CHEF, decide, propose, utc

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def record(core: Core, clock: FakeClock, monkeypatch: Any, capsys: Any) -> Any:
    """Proposals around November 2026, and a way to run `opslag export` on them."""
    ids = {
        "october": propose(core, clock, utc(2026, 10, 5, 9), title="Kun oktober"),
        "decided_in_november": propose(core, clock, utc(2026, 10, 31, 22, 30), title="Sent"),
        "november": propose(core, clock, utc(2026, 11, 10, 9), BO, title="=HYPERLINK(\"x\")"),
        "december": propose(core, clock, utc(2026, 12, 1, 9), title="December"),
    }
    clock.now = utc(2026, 11, 2, 8)
    decide(core, ids["decided_in_november"])
    clock.now = utc(2026, 11, 11, 10)
    decide(core, ids["november"], Decision.REQUEST_CHANGES, "Kortere tekst, tak")
    monkeypatch.setenv("OPSLAG_DB", str(core.settings.opslag_db))

    def export(*argv: str) -> tuple[int, str, str]:
        code = main(["export", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return ids, export


NOVEMBER = ("--from", "2026-11-01", "--to", "2026-11-30")


def test_json_holds_every_proposal_active_in_the_period_with_its_history(record: Any) -> None:
    ids, export = record
    code, out, err = export(*NOVEMBER, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    proposals = {p["id"]: p for p in document["proposals"]}
    # Submitted 31 October 23:30 Copenhagen time (22:30 UTC) is October; its approval in
    # November brings it in, with its whole history.
    assert set(proposals) == {ids["decided_in_november"], ids["november"]}
    late = proposals[ids["decided_in_november"]]
    assert [e["event"] for e in late["history"]] == ["submitted", "approved"]
    assert late["history"][0]["at"] == "2026-10-31T23:30:00+01:00"
    assert late["decided_by"]["name"] == CHEF.name and late["decided_at"].startswith("2026-11-02")
    changed = proposals[ids["november"]]
    assert changed["proposer"]["name"] == "Bo Holm"
    assert changed["policy_version"] == POLICY_VERSION
    assert changed["recommendation"]["platforms"]  # what the bot recommended
    assert changed["history"][-1] == {
        **changed["history"][-1], "event": "changes_requested", "actor_name": "Chef Hansen",
        "note": "Kortere tekst, tak",
    }


def test_csv_has_one_row_per_history_event_with_the_proposal_columns(record: Any) -> None:
    ids, export = record
    code, out, _ = export(*NOVEMBER, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    # Status and event in Danish, as the terminal names them (the JSON keeps the codes).
    assert [(int(r["proposal_id"]), r["status"], r["event"]) for r in rows] == [
        (ids["decided_in_november"], "godkendt", "foreslået"),
        (ids["decided_in_november"], "godkendt", "godkendt"),
        (ids["november"], "sendt tilbage til ændringer", "foreslået"),
        (ids["november"], "sendt tilbage til ændringer", "bedt om ændringer"),
    ]
    last = rows[-1]
    assert last["proposer_name"] == "Bo Holm" and last["actor_name"] == "Chef Hansen"
    assert last["note"] == "Kortere tekst, tak"
    assert last["policy_version"] == POLICY_VERSION
    assert last["recommended_platforms"] == "Facebook"
    assert last["theme"] == "Klima og miljø"
    assert last["event_at"] == "2026-11-11T11:00:00+01:00"
    # A title a spreadsheet would run as a formula is kept as text.
    assert last["title"] == "'=HYPERLINK(\"x\")"


def test_out_writes_a_file(record: Any, tmp_path: Path) -> None:
    _, export = record
    target = tmp_path / "journal.csv"
    code, out, _ = export(*NOVEMBER, "--format", "csv", "--out", str(target))
    assert code == 0 and out == ""
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so a spreadsheet reads æøå
    assert "Klima og miljø" in raw.decode("utf-8-sig")
    json_target = tmp_path / "journal.json"
    assert export(*NOVEMBER, "--format", "json", "--out", str(json_target))[0] == 0
    assert len(json.loads(json_target.read_text())["proposals"]) == 2


def test_the_file_is_readable_by_its_owner_only(record: Any, tmp_path: Path) -> None:
    _, export = record
    new = tmp_path / "ny.csv"
    old = tmp_path / "gammel.csv"
    old.write_text("det gamle indhold, som er længere end journalen" * 100)
    old.chmod(0o644)
    for target in (new, old):
        assert export(*NOVEMBER, "--out", str(target))[0] == 0
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert old.read_bytes() == new.read_bytes()  # overwritten, nothing of the old left


def test_a_symlink_at_out_is_refused_and_not_followed(record: Any, tmp_path: Path) -> None:
    _, export = record
    elsewhere = tmp_path / "andetsteds.csv"
    link = tmp_path / "journal.csv"
    link.symlink_to(elsewhere)
    assert_one_danish_line(*export(*NOVEMBER, "--out", str(link)), "symbolsk link")
    assert not elsewhere.exists()


@pytest.mark.parametrize(
    "out, problem",
    [
        ("mangler/journal.csv", "mappen findes ikke"),
        (".", "det er en mappe"),
        ("/dev/full", "ikke mere plads"),
    ],
)
def test_an_out_that_cannot_be_written_is_one_danish_line(
    record: Any, tmp_path: Path, out: str, problem: str
) -> None:
    _, export = record
    target = out if out.startswith("/") else str(tmp_path / out)
    assert_one_danish_line(*export(*NOVEMBER, "--out", target), f"'{target}'", problem)


def test_a_disk_that_fills_part_way_leaves_no_half_record(
    record: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from bot import export as export_module

    def write_then_fill(proposals: Any, out: Any, *args: Any) -> None:
        out.write("proposal_id,title\n")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(export_module, "write_csv", write_then_fill)
    _, export = record
    target = tmp_path / "journal.csv"
    assert_one_danish_line(*export(*NOVEMBER, "--out", str(target)), "ikke mere plads")
    assert not target.exists()


def test_one_day_period_and_empty_period(record: Any) -> None:
    ids, export = record
    _, out, _ = export("--from", "2026-12-01", "--to", "2026-12-01", "--format", "json")
    assert [p["id"] for p in json.loads(out)["proposals"]] == [ids["december"]]
    _, out, _ = export("--from", "2027-01-01", "--to", "2027-01-31")
    assert out.splitlines()[1:] == []  # the header only


@pytest.mark.parametrize(
    "argv, problem",
    [
        (("--from", "2026-11-30", "--to", "2026-11-01"), "--from skal ligge før"),
        (("--from", "30-11-2026", "--to", "2026-12-01"), "'30-11-2026' er ikke en dato"),
        (("--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx"), "ukendt valg"),
        (("--to", "2026-11-30",), "mangler --from"),
        (("--from", "2026-01-01", "--to", "9999-12-31"), "uden for kalenderen"),
        (("--from", "0001-01-01", "--to", "2026-01-01"), "uden for kalenderen"),
    ],
)
def test_bad_arguments_exit_2_with_one_danish_line(
    record: Any, argv: tuple[str, ...], problem: str
) -> None:
    _, export = record
    assert_one_danish_line(*export(*argv), "opslag export", problem)


def test_the_widest_period_the_calendar_allows(record: Any) -> None:
    ids, export = record
    code, out, err = export("--from", "0001-01-02", "--to", "9999-12-30", "--format", "json")
    assert code == 0, err
    assert len(json.loads(out)["proposals"]) == len(ids)


# -- the history is append-only ------------------------------------------------------------


def test_the_database_refuses_to_edit_or_delete_history(core: Core, clock: FakeClock) -> None:
    pid = propose(core, clock, utc(2026, 11, 20, 9))
    connection = sqlite3.connect(core.settings.opslag_db)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute("UPDATE history SET note = 'ændret' WHERE proposal_id = ?", [pid])
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute("DELETE FROM history WHERE proposal_id = ?", [pid])
    finally:
        connection.close()
    assert [event.event for event in core.workflow.get(pid).history] == ["submitted"]


FORBIDDEN = re.compile(
    r"UPDATE\s+[\"'`\[]?history\b"
    r"|DELETE\s+FROM\s+[\"'`\[]?history\b"
    r"|REPLACE\s+INTO\s+[\"'`\[]?history\b"
    r"|DROP\s+TABLE\s+(IF\s+EXISTS\s+)?[\"'`\[]?history\b"
    r"|DROP\s+TRIGGER\s+(IF\s+EXISTS\s+)?history_no_"
    r"|\[\s*[\"']history[\"']\s*\]\s*\.\s*(update|upsert|delete|delete_where|drop|transform)\b"
    r"|table\(\s*[\"']history[\"']\s*\)\s*\.\s*(update|upsert|delete|delete_where|drop)\b",
    re.IGNORECASE,
)


def test_no_module_edits_or_deletes_history() -> None:
    sources = [
        path for folder in ("bot", "handlers", "opslag", "policy")
        for path in sorted((ROOT / folder).rglob("*.py"))
    ]
    assert len(sources) > 10
    offending = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sources
        for match in FORBIDDEN.finditer(path.read_text())
    ]
    assert offending == []


def test_the_grep_would_catch_an_edit() -> None:
    for sample in ('db.execute("UPDATE history SET note = ?")', "DELETE FROM history",
                   'self.db["history"].update(3, {})', 'db.table("history").delete_where()',
                   "DROP TRIGGER IF EXISTS history_no_update", "drop table history"):
        assert FORBIDDEN.search(sample), sample
    assert not FORBIDDEN.search('db.execute("UPDATE outbox SET status = ?")')
