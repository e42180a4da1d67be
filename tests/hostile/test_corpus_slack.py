"""The hostile corpus through every Slack surface: the slash command's text, the intake modal's
answers, the message shortcut's text, a decision's reason, button values and private_metadata,
and whole signed requests in shapes Slack never sends.

Each case gets a clear answer (a field error, a notice in the modal, a short Danish message
only the clicker sees), stores a proposal whole or nothing at all, pings nobody, and leaves the
server serving (the shared invariants in conftest.check).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from handlers.slack import ids
from handlers.slack.mrkdwn import plain
from tests.conftest import intake_data
from tests.hostile.conftest import Bot, check, intake_view, reply_problems
from tests.hostile.corpus import (
    ANSWERS,
    JSON,
    METADATA,
    RAW,
    REASON_METADATA,
    REFS,
    SLACK,
    SLACK_MALFORMED,
    TYPED,
    Answer,
    Metadata,
    Raw,
    Ref,
    Typed,
)
from tests.slack.helpers import (
    ANNA,
    CHEF,
    OUTSIDER,
    REVIEW_CHANNEL,
    block_action,
    fill,
    initial_text,
    user,
    view_action,
)

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
        _stored_whole(bot, case.field, case.kept)
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


@pytest.mark.parametrize("case", ANSWERS, ids=_ids(ANSWERS))
async def test_a_forged_answer_in_a_form_change_redraws_the_modal(
    bot: Bot, case: Answer, caplog: pytest.LogCaptureFixture
) -> None:
    """Picking a content type redraws the modal with what was answered so far: a forged answer
    is left out of the redrawn modal (the submission refuses it), nothing is stored."""
    window, before = bot.window(), len(bot.api.calls_to("views.update"))
    view = intake_view()
    answers = intake_data(**case.extra, **{case.field: case.value})

    with caplog.at_level(logging.WARNING):
        reply = await bot.slack_payload(view_action(view, answers, "content_type"))
        redrawn = await bot.api.wait_for("views.update", before + 1)
        problems = await check(bot, window)

    assert reply.status == 200
    modal = redrawn[-1].args["view"]
    assert modal["callback_id"] == ids.INTAKE_VIEW
    for block in modal["blocks"]:  # a date Slack would refuse to show is not sent
        if "initial_date" in block.get("element", {}):
            dt.date.fromisoformat(block["element"]["initial_date"])
    assert bot.counts() == window.counts
    assert problems == []
    assert log_problems(caplog.records) == []


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


# -- whole requests in shapes Slack never sends -----------------------------------------------

# The new cases, and the malformed Slack requests of RAW again, here with the log watched.
MALFORMED = SLACK_MALFORMED + [case for case in RAW if case.path == SLACK]


def log_problems(records: list[logging.LogRecord]) -> list[str]:
    """A traceback, an error, or a crash's name in the log (a refusal's warning is fine)."""
    problems = []
    for record in records:
        text = record.getMessage()
        if record.exc_info or record.exc_text or record.stack_info:
            problems.append(f"{record.name}: traceback logged with {text[:200]!r}")
        elif record.levelno >= logging.ERROR:
            problems.append(f"{record.name}: {record.levelname} {text[:200]!r}")
        elif any(marker in text for marker in ("Traceback", "Error", "Exception")):
            problems.append(f"{record.name}: {text[:200]!r}")
    return problems


@pytest.mark.parametrize("case", MALFORMED, ids=_ids(MALFORMED))
async def test_a_malformed_request_is_refused_before_any_listener_without_a_traceback(
    bot: Bot, case: Raw, caplog: pytest.LogCaptureFixture
) -> None:
    """A 4xx (a 200 with a field error where only the answers are missing) and one warning:
    no listener ran, so nothing was half done and nothing reached Slack."""
    window = bot.window()

    with caplog.at_level(logging.WARNING):
        reply = await bot.slack(case.body, case.content_type, signed=case.signed,
                                headers=case.headers)
        problems = await check(bot, window)  # delivers, and asks /healthz: listeners have run

    assert reply.status == case.status, reply.body[:300]
    if case.status == 200:  # the modal stays open with a field error
        assert reply.json()["response_action"] == "errors", reply.body[:300]
    assert problems == []
    assert bot.counts() == window.counts
    assert [c.method for c in bot.api.calls[window.slack:] if c.method != "auth.test"] == []
    assert log_problems(caplog.records) == []


# -- every part of a real request in the wrong shape ------------------------------------------

_MISSING = object()
# In place of each part: nothing, a number, other text, an object. (null and a list showed
# nothing those four don't; each value costs a second or two.)
WRONG: tuple[Any, ...] = (_MISSING, 7, "x", {})
# Parts nothing reads, left alone.
UNREAD = frozenset({"token", "api_app_id", "domain", "username", "event_time", "message_ts",
                    "hint", "label", "optional", "dispatch_action", "emoji"})


def _real_payloads(proposal_id: int) -> dict[str, dict[str, Any]]:
    """One request of each kind the bot takes, as Slack sends them; the intake modal with one
    question of each kind (the others are shaped alike)."""
    view = intake_view()
    blocks = {block.get("element", {}).get("type"): block for block in view["blocks"]}
    modal = {**view, "blocks": [block for kind, block in blocks.items() if kind],
             "id": "VSHAPE", "hash": "h1"}
    click = block_action(ids.APPROVE, str(proposal_id), CHEF, REVIEW_CHANNEL, "1.0")
    return {
        "intake": {"type": "view_submission", "team": {"id": "T0NORDDJURS"}, "user": user(ANNA),
                   "api_app_id": "A1", "token": "x", "trigger_id": "t",
                   "view": {**modal, "state": {"values": fill(modal, intake_data())}}},
        "reason": {"type": "view_submission", "team": {"id": "T0NORDDJURS"}, "user": user(CHEF),
                   "api_app_id": "A1", "token": "x", "trigger_id": "t",
                   "view": {"id": "VREASON", "type": "modal", "callback_id": ids.REASON_VIEW,
                            "hash": "h1", "private_metadata": json.dumps(
                                {"proposal_id": proposal_id, "decision": "reject"}),
                            "blocks": [{"type": "input", "block_id": ids.REASON_BLOCK}],
                            "state": {"values": {ids.REASON_BLOCK: {ids.REASON_BLOCK: {
                                "type": "plain_text_input", "value": "Fordi"}}}}}},
        "shortcut": {"type": "message_action", "callback_id": ids.SHORTCUT, "trigger_id": "t",
                     "team": {"id": "T0NORDDJURS"}, "user": user(ANNA),
                     "channel": {"id": "CGENERAL"}, "message_ts": "1.2", "token": "x",
                     "response_url": "http://127.0.0.1:9/unused",
                     "message": {"type": "message", "user": OUTSIDER, "ts": "1.2",
                                 "text": "Et udkast"}},
        "click": click,
        "form-change": view_action(modal, {"content_type": "jobopslag"}, "content_type"),
        "mention": {"token": "x", "team_id": "T0NORDDJURS", "api_app_id": "A1",
                    "type": "event_callback", "event_id": "EvShape", "event_time": 1,
                    "event": {"type": "app_mention", "user": ANNA, "text": "<@UBOT>",
                              "ts": "7.7", "channel": "CGENERAL", "event_ts": "7.7"}},
    }


def _parts(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every part (each key of an object, the first two items of a list); a
    block's insides and a modal's title and buttons only as a whole: nothing reads them."""
    items = node.items() if isinstance(node, dict) else (
        enumerate(node[:2]) if isinstance(node, list) else ())
    for key, value in items:
        if key in UNREAD:
            continue
        yield (*path, key)
        inside_a_block = len(path) >= 2 and path[-2] == "blocks"
        if not inside_a_block and key not in ("title", "close", "submit"):
            yield from _parts(value, (*path, key))


def _replaced(payload: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(payload))
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    if value is _MISSING:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copy


@pytest.mark.parametrize("kind", ["intake", "reason", "shortcut", "click", "form-change",
                                  "mention"])
async def test_any_part_of_a_real_request_in_the_wrong_shape_gets_no_500_and_no_traceback(
    bot: Bot, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Each part of a real request, in turn, left out or replaced by a value of another type:
    a 4xx, or an answer as for the real request, never a server error or a traceback."""
    payload = _real_payloads(bot.proposal().id)[kind]
    window = bot.window()
    problems: list[str] = []

    with caplog.at_level(logging.WARNING):
        for number, path in enumerate(_parts(payload)):
            for value in WRONG:
                body = _replaced(payload, path, value)
                where = f"{'.'.join(map(str, path))}={'missing' if value is _MISSING else value!r}"
                if kind == "mention":
                    body["event_id"] = f"EvShape{number}-{value!r}"  # each one is new
                    reply = await bot.slack(json.dumps(body), JSON)
                else:
                    reply = await bot.slack_payload(body)
                problems += [f"{where}: {problem}" for problem in reply_problems(reply)]
        problems += await check(bot, window)

    assert problems == []
    assert log_problems(caplog.records) == []
