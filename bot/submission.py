"""One path from a form's answers to a stored proposal, for every surface.

A surface reads its own payload (a modal's state, a card's data, typed lines) into raw
answers keyed by question id and hands them here; it gets back what to show: the proposal,
or the answers with Danish field errors, or why nothing was stored. Reading the answers and
their Danish errors is the policy's (policy/answers.py, policy/engine.py); who may store what
is the workflow's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from bot.proposal import Actor, Proposal
from bot.workflow import Workflow, WorkflowError
from policy.answers import Answers, read_answers
from policy.engine import intake_errors, parse_intake, validation_errors
from policy.models import Intake


@dataclass(frozen=True, slots=True)
class Checked:
    """A form's answers, and either the intake they make or the Danish errors per field."""

    answers: Answers
    intake: Intake | None
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Submission:
    """What became of a submitted form. Nothing is stored unless `proposal` is set."""

    answers: Answers  # as read: a form shown again keeps what the person wrote
    errors: dict[str, str] = field(default_factory=dict)  # field -> Danish message
    proposal: Proposal | None = None
    duplicate: bool = False  # the same form again (a second click, a replay): stored before
    # Why the workflow stored nothing although the answers were fine: `Unavailable` (they may
    # send the form again as it is), or a refusal such as NotAllowed or NotFound.
    refused: WorkflowError | None = None


def check(raw: Any) -> Checked:
    """The answers a form sent (question id -> raw value; anything but a mapping holds no
    answers), read per question kind, and the intake or the errors."""
    return check_intake(read_answers(raw if isinstance(raw, Mapping) else {}))


def check_intake(data: Any) -> Checked:
    """Answers as they are (the intake's JSON, or answers a surface has read already) and the
    intake they make or the Danish errors per field."""
    answers: Answers = data if isinstance(data, dict) else {}
    try:
        return Checked(answers, parse_intake(data))
    except ValidationError as exc:
        # All the fields' messages at once; the refusal's own when the policy names no field.
        return Checked(answers, None, intake_errors(data) or validation_errors(exc))


def submit_form(
    workflow: Workflow,
    raw: Any,
    actor: Actor,
    *,
    source: str,
    form_key: str = "",
    proposal_id: int | None = None,
) -> Submission:
    """Store the proposal a form's raw answers describe: `check`, then `store`."""
    return store(workflow, check(raw), actor, source=source, form_key=form_key,
                 proposal_id=proposal_id)


def store(
    workflow: Workflow,
    checked: Checked,
    actor: Actor,
    *,
    source: str,
    form_key: str = "",
    proposal_id: int | None = None,
) -> Submission:
    """Store the proposal `checked` describes, or with `proposal_id` the proposer's edit of
    that proposal, once per `form_key` (a modal's or card's id; empty: no such guard).

    Runs the workflow's transaction: call it on the store thread (`Core.run`). A surface that
    answers invalid answers before the store is free checks them first (`check`)."""
    if checked.intake is None:
        return Submission(checked.answers, errors=checked.errors)
    intake = checked.intake

    def change() -> Proposal:
        if proposal_id is not None:
            return workflow.resubmit(proposal_id, intake, actor)
        return workflow.submit(intake, actor, source=source)

    try:
        proposal = workflow.once(form_key, change)
    except WorkflowError as exc:  # Unavailable among them: nothing stored, the form stays
        return Submission(checked.answers, refused=exc)
    return Submission(checked.answers, proposal=proposal, duplicate=proposal is None)
