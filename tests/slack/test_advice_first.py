"""Advice first, then send, as Slack drives the modal: the questions are answered with the
advice in the same modal; only Send stores; Ret brings the questions back with every answer;
the details are one click away; Drop (the modal's close) stores nothing."""

from __future__ import annotations

import json
from typing import Any

from handlers.slack import ids
from handlers.slack import text as T
from tests.conftest import FakeClock, intake_data
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.helpers import (
    ANNA,
    CHEF,
    SlackServer,
    advice_of,
    delivered,
    initial_text,
    open_modal,
    review_posts,
    view_button,
)

DRAFT = "Vi planter 5.000 træer i Grenaa på lørdag. Kom og vær med!"


async def _advice(server: SlackServer, view_id: str, **answers: Any) -> dict[str, Any]:
    view = {**await open_modal(server), "id": view_id}
    reply = await server.submit(view, intake_data(text=DRAFT, **answers))
    assert reply.status == 200 and reply.json()["response_action"] == "update"
    advice = advice_of(reply)
    assert advice is not None, reply.body
    return advice


def _shown(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


async def test_the_questions_are_answered_with_the_advice_and_nothing_is_stored(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    advice = await _advice(server, "VADV")
    assert advice["submit"]["text"] == "Send til godkendelse"
    assert advice["close"]["text"] == "Drop" and not advice.get("notify_on_close")
    shown = _shown(advice)
    kept = server.core.previews.recall("slack:view:VADV", f"slack:{ANNA}")
    assert kept is not None and kept.intake.text == DRAFT
    recommendation = server.core.workflow.advise(kept.intake)
    for line in recommendation.summary:  # the short answer, at most three lines, is shown
        assert line in shown
    assert 1 <= len(recommendation.summary) <= 3
    buttons = [e["action_id"] for b in advice["blocks"] if b["type"] == "actions"
               for e in b["elements"]]
    assert buttons == [ids.ADVICE_DETAILS, "edit"]
    # The reasons and tips wait behind the details button.
    assert "Tone" not in shown and "Platforme" not in shown

    await delivered(server)
    assert server.core.store.list_proposals() == []
    assert server.core.store.outbox_rows() == []
    assert review_posts(slack_api) == [] and slack_api.sent("chat.postMessage") == []


async def test_the_details_are_pushed_on_top_and_closing_them_goes_back(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    advice = await _advice(server, "VDET")
    reply = await server.post_payload(view_button(advice, "VDET", ids.ADVICE_DETAILS))
    assert reply.status == 200
    (push,) = await slack_api.wait_for("views.push")
    details = push.args["view"]
    assert push.args["trigger_id"] == f"trigger-{ids.ADVICE_DETAILS}"
    assert details["close"]["text"] == T.ADVICE_BACK and "submit" not in details
    assert "Platforme" in _shown(details) and "Hvem godkender" in _shown(details)
    assert server.core.store.list_proposals() == []


async def test_ret_brings_back_the_questions_with_every_answer(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    advice = await _advice(server, "VRET", title="Træer i Grenaa", department="Park og Vej")
    await server.post_payload(view_button(advice, "VRET", ids.ADVICE_EDIT))
    (update,) = await slack_api.wait_for("views.update")
    assert update.args["view_id"] == "VRET"
    questions = update.args["view"]
    assert questions["callback_id"] == ids.INTAKE_VIEW
    assert initial_text(questions) == DRAFT
    assert "Træer i Grenaa" in _shown(questions) and "Park og Vej" in _shown(questions)
    assert server.core.store.list_proposals() == []

    # Changed and answered again: the advice is for the new answers; Send stores those.
    reply = await server.send({**questions, "id": "VRET"},
                              intake_data(text="Kortere tekst om træer."))
    assert "sendt til godkendelse" in _shown(reply.json())
    (stored,) = server.core.store.list_proposals()
    assert stored.intake.text == "Kortere tekst om træer."


async def test_send_stores_once_and_the_receipt_does_not_repeat_the_advice(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    advice = await _advice(server, "VSEND1")
    first = await server.press_send(advice, "VSEND1")
    again = await server.press_send(advice, "VSEND1")  # a double click, or Slack's retry
    assert "Forslag nr. 1 er gemt og sendt til godkendelse" in _shown(first.json())
    assert T.ALREADY_SUBMITTED in _shown(again.json())
    await delivered(server)
    assert len(server.core.store.list_proposals()) == 1
    assert len(review_posts(slack_api)) == 1
    (dm,) = slack_api.sent("chat.postMessage", channel=f"D{ANNA}")
    assert "Dit forslag er sendt til godkendelse" in _shown(dm.args)
    for line in server.core.store.list_proposals()[0].recommendation.summary:
        assert line not in _shown(dm.args)


async def test_nobody_else_can_send_the_answers_someone_is_reading_advice_on(
    server: SlackServer,
) -> None:
    advice = await _advice(server, "VMINE")
    reply = await server.press_send(advice, "VMINE", user=CHEF)
    assert T.ADVICE_GONE.split(" (")[0] in _shown(reply.json())
    assert server.core.store.list_proposals() == []


async def test_answers_kept_for_more_than_two_days_are_not_sent(
    server: SlackServer, clock: FakeClock
) -> None:
    advice = await _advice(server, "VOLD")
    clock.advance(days=2, minutes=1)
    reply = await server.press_send(advice, "VOLD")
    assert "Start forfra" in _shown(reply.json())
    assert server.core.store.list_proposals() == []
