"""One description of what people read (bot/readout.py), rendered by every surface: a fact
added to the model shows in Slack, in Teams, in the terminal and in the record without any
other edit, and the review route and the note limit read the same everywhere."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import export, readout
from bot.core import Core, build_core
from bot.proposal import Actor, Decision, Proposal
from bot.readout import About, Value
from handlers import console
from handlers.slack import messages
from handlers.slack.views import reason_modal
from handlers.teams import cards
from policy import parse_intake
from tests.conftest import FakeClock, intake_data
from tests.teams.conftest import assert_valid_card, card_texts

ZONE = dt.UTC
ANNA = Actor(platform="console", user_id="anna", name="Anna Jensen")
CHEF = Actor(platform="console", user_id="chef", name="Chef Hansen")
# A value someone typed, that Slack would otherwise read as a ping and a spreadsheet as a formula.
TYPED = "=<!channel> Kontrol & co"


def _stored(core: Core, **intake: Any) -> Proposal:
    """A proposal as the workflow stores it, with its history (the record's rows)."""
    proposal = core.workflow.submit(parse_intake(intake_data(**intake)), ANNA)
    return core.workflow.get(proposal.id)


def _slack(proposal: Proposal) -> str:
    message = messages.review_message(proposal)
    return json.dumps([block.to_dict() for block in message.blocks], ensure_ascii=False)


def _teams(proposal: Proposal) -> list[str]:
    card = cards.review_card(proposal, "Europe/Copenhagen")
    assert_valid_card(card)
    return card_texts(card)


def _record(proposal: Proposal) -> list[dict[str, str]]:
    out = io.StringIO()
    export.write_csv([proposal], out, ZONE, {})
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_a_fact_added_to_the_model_shows_on_every_surface(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    added = About("checked_by", "Kontrolleret af", lambda p: Value(TYPED))
    monkeypatch.setattr(readout, "FACTS", [*readout.FACTS, added])
    proposal = _stored(core)

    slack = _slack(proposal)
    assert "*Kontrolleret af*\\n=&lt;!channel&gt; Kontrol &amp; co" in slack
    assert "<!channel>" not in slack  # escaped: no ping

    teams = _teams(proposal)
    assert "Kontrolleret af" in teams and TYPED in teams  # a TextRun: shown as written

    assert f"Kontrolleret af: {TYPED}" in console.render_proposal(proposal).splitlines()

    (row,) = _record(proposal)
    assert row["checked_by"] == "'" + TYPED  # its own column, kept from running as a formula


def test_without_the_added_fact_no_surface_shows_it(core: Core) -> None:
    proposal = _stored(core)
    assert "Kontrolleret af" not in _slack(proposal)
    assert "Kontrolleret af" not in _teams(proposal)
    assert "Kontrolleret af" not in console.render_proposal(proposal)
    assert "checked_by" not in _record(proposal)[0]


def test_the_facts_of_the_review_post_read_the_same_on_every_surface(core: Core) -> None:
    proposal = _stored(core, content_type="jobopslag", job_level="chef",
                       link="https://norddjurs.dk/job", media_kind="foto",
                       people_in_media="voksne", consent=True)
    slack, teams = _slack(proposal), _teams(proposal)
    terminal = console.render_proposal(proposal)
    (row,) = _record(proposal)
    for fact in readout.facts(proposal):
        assert fact.label in slack and fact.label in teams and fact.label in terminal
        assert row[fact.key] == fact.value
    assert "Chefniveau eller højere" in slack and "Chefniveau eller højere" in teams
    assert "<https://norddjurs.dk/job>" in slack  # a link in Slack's own way


@pytest.fixture
def department_core(make_settings: Any, clock: FakeClock, tmp_path: Path) -> Iterator[Core]:
    """A core whose default department reviews its own posts (a departments file)."""
    path = tmp_path / "afdelinger.yaml"
    path.write_text("departments:\n  - name: Teknik og Miljø\n"
                    "    reviewers: {slack: [UTEKNIK]}\n", encoding="utf-8")
    built = build_core(make_settings(opslag_central_users=["chef"], opslag_departments=path),
                       clock=clock)
    yield built
    built.close()


def test_the_department_route_is_worded_once_on_every_surface(department_core: Core) -> None:
    proposal = _stored(department_core, audience=["medarbejdere"], theme="andet",
                       content_type="god_historie")
    assert proposal.recommendation.review.route == "department"
    route = readout.route_name("department")  # "din egen afdeling"

    recommendation = messages.receipt_message(proposal, sla_hours=48, escalate_minutes=15)
    slack = json.dumps([b.to_dict() for b in recommendation.blocks], ensure_ascii=False)
    assert readout.route_name("department", start=True) + "." in slack
    assert route in " ".join(card_texts(cards.submitted_card(proposal)))
    assert route in " ".join(card_texts(cards.receipt_card(proposal))).lower()
    assert route in console.render_stored(proposal)
    assert route in console.render_recommendation(proposal.recommendation).lower()
    assert _record(proposal)[0]["review_route"].lower() == route
    assert route in _slack(proposal).lower() and route in " ".join(_teams(proposal)).lower()


def test_a_decision_reads_the_same_in_the_review_post_thread_and_notice(core: Core) -> None:
    pid = _stored(core).id
    core.workflow.decide(pid, Decision.REQUEST_CHANGES, CHEF, "Kortere, tak")
    proposal = core.workflow.get(pid)

    status = readout.STATUS_LINE[proposal.status].split(" {who}")[0]
    assert status in _slack(proposal) and any(status in text for text in _teams(proposal))
    thread = readout.THREAD["changes_requested"].format(who=CHEF.display)
    assert messages.thread_message(proposal, "changes_requested").text == thread
    assert thread in card_texts(cards.thread_card("changes_requested", proposal))
    headline = readout.NOTICE["changes_requested"].format(id=pid)
    assert messages.decision_notice(proposal).text == headline
    assert headline in card_texts(cards.notice_card(proposal, "Europe/Copenhagen"))


def test_the_note_limit_is_the_workflows_on_both_forms(core: Core) -> None:
    proposal = _stored(core)
    modal = reason_modal(proposal, Decision.REJECT).to_dict()
    (element,) = [b["element"] for b in modal["blocks"] if b["type"] == "input"]
    assert element["max_length"] == readout.NOTE_MAX
    review = cards.review_card(proposal, "Europe/Copenhagen")
    limits = [action["card"]["body"][0]["maxLength"] for action in review["actions"]
              if action["type"] == "Action.ShowCard"]
    assert limits == [readout.NOTE_MAX, readout.NOTE_MAX]
