"""The hostile corpus through every Teams surface: message text, the intake card's submit data,
Action.Execute data (decisions, resubmission), and the message extension (its message and its
dialog's submit data).

Each case gets a card or a message back (field errors on the card, a short Danish message),
stores a proposal whole or nothing at all, sends no mention and shows user text only as plain
text, and leaves the server serving (the shared invariants in conftest.check).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from handlers.teams import text as T
from handlers.teams.extension import COMMAND_ID
from tests.hostile.conftest import Bot, Reply, check, teams_form
from tests.hostile.corpus import ANSWERS, REFS, TYPED, Answer, Ref, Typed
from tests.teams import activities as A
from tests.teams.conftest import card_texts, inputs

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOTE_MAX = 1000
SENT = "er sendt til godkendelse"  # the receipt after Send
DRAFTS = [case for case in TYPED if case.field == "text"]
_forms = itertools.count(1)


def _ids(cases: list[Any]) -> list[str]:
    return [case.id for case in cases]


def _card(reply: Reply) -> dict[str, Any]:
    """The card an Action.Execute click gets back."""
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["statusCode"] == 200, body
    return dict(body["value"])


def _form(**answers: Any) -> dict[str, Any]:
    return {**teams_form(**answers), "form_id": f"hostile-{next(_forms)}"}


def _teams_value(value: Any) -> Any:
    """An answer as the card's input sends it: lists as comma-separated text."""
    return ",".join(value) if isinstance(value, list) else value


def _stored_whole(bot: Bot, field: str, value: Any) -> None:
    stored = getattr(bot.latest().intake, field)
    assert stored == (value.strip() if isinstance(value, str) else value)


def _shows_errors(card: dict[str, Any]) -> bool:
    return T.ERRORS_SUMMARY in card_texts(card) and "text" in inputs(card)


# -- message text -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", DRAFTS, ids=_ids(DRAFTS))
async def test_message_text_is_answered_and_prefills_the_card(bot: Bot, case: Typed) -> None:
    window = bot.window()

    unknown = await bot.say(case.value)
    command = await bot.say(f"foreslå-opslag {case.value}")

    assert unknown.status in (200, 202) and command.status in (200, 202)
    replies = bot.connector.calls[window.connector:]
    assert len(replies) == 2
    assert replies[0].text  # a short Danish answer (help, or "Det forstod jeg ikke")
    card = replies[1].card
    assert "text" in inputs(card)
    if case.probe:
        assert case.probe in inputs(card)["text"].get("value", "")
    assert bot.counts() == window.counts
    assert await check(bot, window, probe=case.probe) == []


@pytest.mark.parametrize("case", DRAFTS, ids=_ids(DRAFTS))
async def test_message_extension_prefills_the_dialog_from_any_message(
    bot: Bot, case: Typed
) -> None:
    window = bot.window()
    for content_type in ("text", "html"):
        reply = await bot.compose("composeExtension/fetchTask", {
            "commandId": COMMAND_ID, "commandContext": "message",
            "messagePayload": {"id": "1700000000001", "messageType": "message",
                               "body": {"contentType": content_type, "content": case.value}},
        })
        assert reply.status == 200, reply.body
        task = reply.json()["task"]
        assert task["type"] == "continue"
        assert "text" in inputs(task["value"]["card"]["content"])
    assert bot.counts() == window.counts
    assert await check(bot, window, probe=case.probe) == []


# -- the intake card and the extension's dialog -----------------------------------------------


@pytest.mark.parametrize("case", TYPED, ids=_ids(TYPED))
async def test_intake_card_answer_is_stored_whole_or_refused_on_its_field(
    bot: Bot, case: Typed
) -> None:
    window = bot.window()

    card = _card(await bot.propose(_form(**{case.field: case.value})))

    if case.valid:
        assert any(SENT in text for text in card_texts(card)), card_texts(card)
        assert bot.counts()["proposals"] == window.counts["proposals"] + 1
        _stored_whole(bot, case.field, case.kept)
    else:
        assert _shows_errors(card), card_texts(card)
        assert bot.counts() == window.counts
    assert await check(bot, window, probe=case.probe) == []


@pytest.mark.parametrize("case", TYPED, ids=_ids(TYPED))
async def test_extension_dialog_answer_is_stored_whole_or_refused(bot: Bot, case: Typed) -> None:
    window = bot.window()

    reply = await bot.compose_propose({
        "commandId": COMMAND_ID, "commandContext": "message",
        "data": _form(**{case.field: case.value}),
    })

    assert reply.status == 200, reply.body
    task = reply.json()["task"]
    if case.valid:
        assert task["type"] == "message" and SENT in task["value"]
        assert bot.counts()["proposals"] == window.counts["proposals"] + 1
        _stored_whole(bot, case.field, case.kept)
    else:
        assert task["type"] == "continue"
        assert _shows_errors(task["value"]["card"]["content"])
        assert bot.counts() == window.counts
    assert await check(bot, window, probe=case.probe) == []


@pytest.mark.parametrize("case", ANSWERS, ids=_ids(ANSWERS))
async def test_a_forged_answer_is_refused_on_the_card(bot: Bot, case: Answer) -> None:
    window = bot.window()
    answers = {**case.extra, case.field: _teams_value(case.value)}

    card = _card(await bot.propose(_form(**answers)))

    if case.valid:
        assert any(SENT in text for text in card_texts(card)), card_texts(card)
        assert bot.counts()["proposals"] == window.counts["proposals"] + 1
    else:
        assert _shows_errors(card), card_texts(card)
        assert bot.counts() == window.counts
    assert await check(bot, window) == []


# -- decisions and resubmission ---------------------------------------------------------------


@pytest.mark.parametrize("case", DRAFTS, ids=_ids(DRAFTS))
async def test_a_reason_on_the_card_is_stored_whole_or_refused(bot: Bot, case: Typed) -> None:
    proposal = bot.proposal()
    window = bot.window()

    card = _card(await bot.execute("request_changes",
                                   {"proposal_id": proposal.id, "note_changes": case.value},
                                   A.CENTRAL))

    decided = bot.core.workflow.get(proposal.id)
    if case.valid and len(case.value.strip()) <= NOTE_MAX:
        assert decided.status == "changes_requested"
        assert decided.decision_note == case.value.strip()
    else:
        assert decided.status == "pending"
        assert card.get("actions"), "the buttons stay so the reviewer can try again"
        assert bot.counts() == window.counts
    assert await check(bot, window, probe=case.probe) == []


@pytest.mark.parametrize("case", REFS, ids=_ids(REFS))
async def test_card_data_that_names_no_proposal_is_answered_and_changes_nothing(
    bot: Bot, case: Ref
) -> None:
    window = bot.window()
    for verb, who, data in (
        ("approve", A.CENTRAL, {}),
        ("reject", A.CENTRAL, {"note_reject": "Nej"}),
        ("resubmit", A.PROPOSER, teams_form()),
        ("send", A.PROPOSER, {"answers": teams_form(), "revision": 1}),
        ("edit", A.PROPOSER, {"answers": teams_form()}),
    ):
        card = _card(await bot.execute(verb, {**data, "proposal_id": case.value}, who))
        assert any("findes ikke" in text for text in card_texts(card)), (verb, card)
    assert bot.counts() == window.counts
    assert await check(bot, window) == []
