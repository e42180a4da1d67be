"""The one path from a form's answers to a stored proposal (bot/submission.py), the one rule
for proposal numbers, and who may send a proposal again (`Workflow.can_resubmit`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.core import Core
from bot.proposal import Actor, Decision, Status, proposal_number
from bot.store import Store
from bot.submission import check, submit_form
from bot.workflow import CentralRoster, Unavailable, Workflow, WorkflowError
from policy import intake_errors, parse_intake
from policy.engine import validation_errors
from tests.conftest import FakeClock, card_form, intake_data

ANNA = Actor(platform="console", user_id="anna", name="Anna Jensen")
CHEF = Actor(platform="console", user_id="chef", name="Chef Hansen")
OTHER = Actor(platform="console", user_id="bo", name="Bo")
ANNA_ELSEWHERE = Actor(platform="slack", user_id="anna", name="Anna Jensen")


# -- answers in, a stored proposal out ------------------------------------------------------


def test_a_cards_strings_and_a_modals_values_make_the_same_intake() -> None:
    """Each surface hands over its raw values; the policy reads them the same way."""
    video = {"media_kind": "video", "captions": False}
    from_card = check(card_form(crisis=True, **video))
    from_modal = check({**intake_data(crisis=True, **video), "crisis": "true"})
    assert from_card.intake is not None and from_card.intake == from_modal.intake
    assert from_card.intake == parse_intake(intake_data(crisis=True, **video))


def test_invalid_answers_come_back_in_danish_with_the_answers_and_nothing_is_stored(
    core: Core,
) -> None:
    raw = card_form(theme="", content_type="jobopslag")
    result = submit_form(core.workflow, raw, ANNA, source="console", form_key="form-1")
    assert result.proposal is None and result.refused is None
    assert result.errors == intake_errors(result.answers)
    assert set(result.errors) == {"theme", "job_level"}
    assert result.answers["text"] == raw["text"]  # the form is shown again as written
    assert core.store.list_proposals() == []
    # The form's key was not used up: the corrected form is stored.
    fixed = submit_form(core.workflow, card_form(), ANNA, source="console", form_key="form-1")
    assert fixed.proposal is not None and fixed.proposal.id == 1


def test_answers_to_questions_that_do_not_apply_are_not_stored(core: Core) -> None:
    raw = card_form(has_media=False, job_level="chef")  # alt_text left over from "has media"
    result = submit_form(core.workflow, raw, ANNA, source="console")
    assert result.proposal is not None
    assert result.proposal.intake.alt_text is None and result.proposal.intake.job_level is None


def test_the_same_form_twice_is_stored_once(core: Core) -> None:
    first = submit_form(core.workflow, card_form(), ANNA, source="console", form_key="f")
    again = submit_form(core.workflow, card_form(), ANNA, source="console", form_key="f")
    assert first.proposal is not None and not first.duplicate
    assert again.proposal is None and again.duplicate and not again.errors
    assert len(core.store.list_proposals()) == 1


def test_a_store_that_cannot_write_keeps_the_answers_and_stores_nothing(
    db_path: Path, clock: FakeClock
) -> None:
    store = Store(db_path)
    workflow = Workflow(store, CentralRoster(), clock=clock)
    blocker = sqlite3.connect(db_path)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        result = submit_form(workflow, card_form(), ANNA, source="console", form_key="f")
    finally:
        blocker.rollback()
        blocker.close()
    assert isinstance(result.refused, Unavailable) and "intet er gemt" in result.refused.message
    assert result.proposal is None and result.answers == check(card_form()).answers
    assert store.list_proposals() == []
    # Sent again as it is, the same form is stored: its key was not used up.
    again = submit_form(workflow, card_form(), ANNA, source="console", form_key="f")
    assert again.proposal is not None
    store.close()


def test_a_refusal_names_the_field_in_danish_even_where_intake_errors_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cross-field rule (a job ad needs a job level) in the policy's own words, also when
    only the refusal itself names it."""
    answers = intake_data(content_type="jobopslag")
    expected = intake_errors(answers)["job_level"]
    with pytest.raises(ValidationError) as refused:
        parse_intake(answers)
    assert validation_errors(refused.value) == {"job_level": expected}
    monkeypatch.setattr("bot.submission.intake_errors", lambda data: {})
    assert check(answers).errors == {"job_level": expected}


def test_a_resubmission_edits_the_proposal_it_names(core: Core) -> None:
    pid = core.workflow.submit(parse_intake(intake_data()), ANNA).id
    core.workflow.decide(pid, Decision.REQUEST_CHANGES, CHEF, "Kortere, tak")
    raw = card_form(text="Kortere tekst.")
    result = submit_form(core.workflow, raw, ANNA, source="console", proposal_id=pid)
    assert result.proposal is not None and result.proposal.id == pid
    assert result.proposal.revision == 2 and result.proposal.intake.text == "Kortere tekst."


# -- one rule for proposal numbers ----------------------------------------------------------


@pytest.mark.parametrize(
    "raw, number",
    [
        (7, 7), ("7", 7), ("0042", 42), ("9" * 19, int("9" * 19)),
        ("1" * 20, 0), ("٣", 0), (" 7", 0), ("7.0", 0), ("-7", 0), (True, 0), (None, 0),
        (7.0, 0), ({"id": 7}, 0), ("", 0),
    ],
)
def test_a_proposal_number_is_a_whole_number_or_names_none(raw: Any, number: int) -> None:
    assert proposal_number(raw) == number


# -- who may send a proposal again ----------------------------------------------------------


def _proposal_in(core: Core, status: Status) -> int:
    pid = core.workflow.submit(parse_intake(intake_data()), ANNA).id
    if status is Status.WITHDRAWN:
        core.workflow.withdraw(pid, ANNA)
    elif status in (Status.PUBLISHED, Status.TAKEN_DOWN):
        core.workflow.decide(pid, Decision.APPROVE, CHEF)
        core.workflow.publish(pid, CHEF, {"facebook": "https://www.facebook.com/norddjurs"})
        if status is Status.TAKEN_DOWN:
            core.workflow.take_down(pid, ANNA, "Samtykket er trukket tilbage")
    elif status is not Status.PENDING:
        decision = next(d for d in Decision if d.status is status)
        core.workflow.decide(pid, decision, CHEF, "Begrundelse")
    return pid


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("actor", [ANNA, OTHER, CHEF, ANNA_ELSEWHERE], ids=lambda a: a.user_id
                         + "@" + a.platform)
def test_can_resubmit_answers_as_resubmit_decides(
    core: Core, status: Status, actor: Actor
) -> None:
    pid = _proposal_in(core, status)
    proposal = core.workflow.get(pid)
    allowed = core.workflow.can_resubmit(proposal, actor)
    assert allowed is (actor == ANNA and status is Status.CHANGES_REQUESTED)
    try:
        core.workflow.resubmit(pid, parse_intake(intake_data(text="Ny tekst.")), actor)
    except WorkflowError:
        assert not allowed
        assert core.workflow.get(pid).revision == 1  # refused: nothing stored
    else:
        assert allowed
        assert core.workflow.get(pid).status is Status.PENDING
