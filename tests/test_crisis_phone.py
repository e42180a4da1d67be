"""OPSLAG_CRISIS_PHONE reaches the advice a proposer gets: the crisis checklist names the number
to call (issue 11 §5). The policy is pure, so the core passes the setting in."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from bot.core import build_core
from bot.proposal import Actor
from opslag.cli import main
from policy import parse_intake
from tests.test_policy_cases import CASES

PROPOSER = Actor(platform="console", user_id="anna", name="Anna Jensen")
PHONE = "89 59 10 00"


def checklist(tmp_path: Path, **settings: object) -> list[str]:
    with build_core(load_settings(opslag_db=tmp_path / "opslag.db", **settings)) as core:
        proposal = core.workflow.submit(parse_intake(CASES["drikkevand"]), PROPOSER)
        stored = core.store.get_proposal(proposal.id)
    assert stored is not None
    return stored.recommendation.crisis_checklist


def test_the_crisis_checklist_names_the_configured_phone_number(tmp_path: Path) -> None:
    assert any(PHONE in line for line in checklist(tmp_path, opslag_crisis_phone=PHONE))


def test_without_the_setting_the_checklist_still_says_to_call(tmp_path: Path) -> None:
    lines = checklist(tmp_path)
    assert lines and not any(PHONE in line for line in lines)
    assert any("Ring til" in line for line in lines)


def test_a_phone_number_too_long_to_be_one_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="OPSLAG_CRISIS_PHONE"):
        load_settings(opslag_db=tmp_path / "opslag.db", opslag_crisis_phone="9" * 41)


def test_opslag_recommend_names_the_phone_number_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPSLAG_CRISIS_PHONE", PHONE)
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(CASES["drikkevand"])))
    assert main(["recommend"]) in (0, None)
    advice = json.loads(capsys.readouterr().out)
    assert any(PHONE in line for line in advice["crisis_checklist"])
