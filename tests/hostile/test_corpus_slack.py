"""The hostile corpus through every Slack surface: the slash command's text, the intake modal's
answers, the message shortcut's text, a decision's reason, button values and private_metadata.

Each case gets a clear answer (a field error, a notice in the modal, a short Danish message
only the clicker sees), stores a proposal whole or nothing at all, pings nobody, and leaves the
server serving (the shared invariants in conftest.check).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from handlers.slack import ids
from handlers.slack.mrkdwn import plain
from tests.conftest import intake_data
from tests.hostile.conftest import Bot, check
from tests.hostile.corpus import (
    ANSWERS,
    METADATA,
    REASON_METADATA,
    REFS,
    TYPED,
    Answer,
    Metadata,
    Ref,
    Typed,
)
from tests.slack.helpers import ANNA, CHEF, OUTSIDER, initial_text, user

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOTE_MAX = 1000
DRAFTS = [case for case in TYPED if case.field == "text"]
FORM_DRAFTS = [case for case in DRAFTS if not case.json_only]


def _ids(cases: list[Any]) -> list[str]:
    return [case.id for case in cases]


async def _modal_opened(bot: Bot, before: int) -> dict[str, Any]:
    calls = await bot.api.wait_for("views.open", before + 1)
    return dict(calls[-1].args["view"])


def _stored_whole(bot: Bot, field: str, value: Any) -> None:
    stored = getattr(bot.latest().intake, field)
    expected = value.strip() if isinstance(value, str) else value
    assert stored == expected


# -- free text --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", FORM_DRAFTS, ids=_ids(FORM_DRAFTS))
async def test_slash_command_text_prefills_the_modal(bot: Bot, case: Typed) -> None:
    window, before = bot.window(), len(bot.api.calls_to("views.open"))

    reply = await bot.command(case.value)

    assert reply.status == 200
    view = await _modal_opened(bot, before)
    draft = case.value.strip()
    assert initial_text(view) == (draft[:3000] or None)
    assert bot.counts() == window.counts
    assert await check(bot, window, probe=case.probe) == []


@pytest.mark.parametrize("case", DRAFTS, ids=_ids(DRAFTS))
async def test_message_shortcut_text_prefills_the_modal(bot: Bot, case: Typed) -> None:
    window, before = bot.window(), len(bot.api.calls_to("views.open"))

    reply = await bot.slack_payload({
        "type": "message_action", "callback_id": ids.SHORTCUT, "trigger_id": "trigger-sc",
        "team": {"id": "T0NORDDJURS", "domain": "norddjurs"}, "user": user(ANNA),
        "channel": {"id": "CGENERAL", "name": "general"}, "message_ts": "1.2",
        "response_url": bot.api.response_url("sc"), "token": "x", "api_app_id": "A1",
        "message": {"type": "message", "user": OUTSIDER, "ts": "1.2", "text": case.value},
    })

    assert reply.status == 200
    view = await _modal_opened(bot, before)
    assert initial_text(view) == (plain(case.value).strip()[:3000] or None)
    assert bot.counts() == window.counts
    assert await check(bot, window, probe=case.probe) == []


@pytest.mark.parametrize("case", TYPED, ids=_ids(TYPED))
async def test_intake_modal_answer_is_stored_whole_or_refused_on_its_field(
    bot: Bot, case: Typed
) -> None:
    window = bot.window()

    reply = await bot.submit_intake(intake_data(**{case.field: case.value}))

    assert reply.status == 200
    answer = reply.json()
    if case.valid:
        assert answer["response_action"] == "update", answer
        assert bot.counts()["proposals"] == window.counts["proposals"] + 1
        _stored_whole(bot, case.field, None if case.blank else case.value)
    else:
        assert answer["response_action"] == "errors", answer
        assert list(answer["errors"]) == [case.field]
        assert answer["errors"][case.field].strip()
        assert bot.counts() == window.counts
    assert await check(bot, window, probe=case.probe) == []


@pytest.mark.parametrize("case", DRAFTS, ids=_ids(DRAFTS))
async def test_a_reason_is_stored_whole_or_refused_on_its_field(bot: Bot, case: Typed) -> None:
    proposal = bot.proposal()
    window = bot.window()
    metadata = json.dumps({"proposal_id": proposal.id, "decision": "request_changes"})

    reply = await bot.submit_reason(metadata, case.value)

    assert reply.status == 200
    decided = bot.core.workflow.get(proposal.id)
    if case.valid and len(case.value.strip()) <= NOTE_MAX:
        assert reply.body == ""  # the modal closes
        assert decided.status == "changes_requested"
        assert decided.decision_note == case.value.strip()
    else:
        answer = reply.json()
        assert answer["response_action"] == "errors" and list(answer["errors"]) == ["note"]
        assert decided.status == "pending"
        assert bot.counts() == window.counts
    assert await check(bot, window, probe=case.probe) == []


# -- forged answers ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ANSWERS, ids=_ids(ANSWERS))
async def test_a_forged_answer_is_refused_on_its_field(bot: Bot, case: Answer) -> None:
    window = bot.window()
    answers = intake_data(**case.extra, **{case.field: case.value})

    reply = await bot.submit_intake(answers)

    answer = reply.json()
    if case.valid:
        assert answer["response_action"] == "update", answer
        assert bot.counts()["proposals"] == window.counts["proposals"] + 1
    else:
        assert answer["response_action"] == "errors", answer
        assert list(answer["errors"]) == [case.field]
        assert bot.counts() == window.counts
    assert await check(bot, window) == []


# -- where a proposal number belongs ----------------------------------------------------------

BUTTONS = [(ids.APPROVE, CHEF), (ids.REQUEST_CHANGES, CHEF), (ids.RESUBMIT, ANNA),
           (ids.WITHDRAW, ANNA)]


@pytest.mark.parametrize("case", REFS, ids=_ids(REFS))
async def test_a_button_value_that_names_no_proposal_is_answered_and_changes_nothing(
    bot: Bot, case: Ref
) -> None:
    window = bot.window()
    for action_id, clicker in BUTTONS:
        before = len(bot.api.calls_to("chat.postEphemeral"))

        reply = await bot.click(action_id, case.value, user_id=clicker)

        assert reply.status == 200, action_id
        (answer,) = (await bot.api.wait_for("chat.postEphemeral", before + 1))[before:]
        assert answer.args["user"] == clicker
        assert "findes ikke" in answer.args["text"], (action_id, answer.args["text"])
    assert bot.counts() == window.counts
    assert await check(bot, window) == []


METADATA_STORES = {"not-json", "json-list"}  # no proposal named: a new proposal, whole


@pytest.mark.parametrize("case", METADATA, ids=_ids(METADATA))
async def test_intake_metadata_cannot_edit_someone_elses_proposal(
    bot: Bot, case: Metadata
) -> None:
    theirs = bot.proposal(proposer=ANNA)
    window = bot.window()
    metadata = case.value.replace("{proposal}", str(theirs.id))

    reply = await bot.submit_intake(intake_data(text="Overtaget"), user_id=OUTSIDER,
                                    metadata=metadata)

    answer = reply.json()
    assert answer["response_action"] == "update"
    texts = json.dumps(answer["view"], ensure_ascii=False)
    after = bot.core.workflow.get(theirs.id)
    assert after.revision == 1 and after.intake.text != "Overtaget"
    if case.id in METADATA_STORES:
        assert "er gemt" in texts
        assert bot.counts()["proposals"] == window.counts["proposals"] + 1
        assert bot.latest().proposer.user_id == OUTSIDER
    else:
        assert "er gemt" not in texts and ("findes ikke" in texts or "Kun den" in texts)
        assert bot.counts() == window.counts
    assert await check(bot, window) == []


@pytest.mark.parametrize("case", REASON_METADATA, ids=_ids(REASON_METADATA))
async def test_reason_metadata_that_names_no_decision_is_a_field_error(
    bot: Bot, case: Metadata
) -> None:
    proposal = bot.proposal()
    window = bot.window()

    reply = await bot.submit_reason(case.value.replace("{proposal}", str(proposal.id)),
                                    "En begrundelse")

    answer = reply.json()
    assert answer["response_action"] == "errors" and list(answer["errors"]) == ["note"]
    assert bot.core.workflow.get(proposal.id).status == "pending"
    assert bot.counts() == window.counts
    assert await check(bot, window) == []
