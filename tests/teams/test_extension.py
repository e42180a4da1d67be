"""The message action "Foreslå som opslag": a Teams message becomes a proposal's draft."""

from __future__ import annotations

from typing import Any

from bot.advice import TITLE as ADVICE_TITLE
from handlers.teams import text as T
from handlers.teams.extension import COMMAND_ID
from handlers.teams.form import html_to_text
from handlers.teams.refs import user_key
from tests.teams import activities as A
from tests.teams.conftest import Teams, assert_valid_card, card_form, inputs, shows

MESSAGE_HTML = (
    "<p>Kære alle</p><p>Vi holder <strong>åbent hus</strong> på Kulturhuset&nbsp;lørdag."
    "<br>Alle er velkomne &amp; der er kaffe.</p>"
)


def _value(**extra: Any) -> dict[str, Any]:
    return {
        "commandId": COMMAND_ID,
        "commandContext": "message",
        "context": {"theme": "default"},
        "messagePayload": {
            "id": "1700000009999",
            "messageType": "message",
            "body": {"contentType": "html", "content": MESSAGE_HTML},
            "from": {"user": {"id": A.COLLEAGUE.aad, "displayName": A.COLLEAGUE.name}},
        },
        **extra,
    }


async def _invoke(teams: Teams, name: str, value: dict[str, Any]) -> dict[str, Any]:
    response = await teams.post(A.compose(name, A.PROPOSER, teams.url, value))
    assert response.status == 200
    return dict(await response.json())


def _dialog_card(body: dict[str, Any]) -> dict[str, Any]:
    task = body["task"]
    assert task["type"] == "continue"
    assert task["value"]["title"] == T.EXTENSION_TITLE
    attachment = task["value"]["card"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert_valid_card(attachment["content"])
    return dict(attachment["content"])


def _submits(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The dialog card's Action.Submit data by verb (dialogs submit with Action.Submit)."""
    assert all(action["type"] == "Action.Submit" for action in card["actions"])
    return {action["data"]["verb"]: action["data"] for action in card["actions"]}


async def _send_in_dialog(teams: Teams, form: dict[str, Any]) -> dict[str, Any]:
    """Answer the questions in the dialog, then press Send on the advice it shows."""
    advice = _dialog_card(await _invoke(teams, "composeExtension/submitAction",
                                        _value(data=form)))
    return await _invoke(teams, "composeExtension/submitAction",
                         _value(data=_submits(advice)["send"]))


def test_message_html_becomes_plain_text() -> None:
    assert html_to_text(MESSAGE_HTML) == (
        "Kære alle\nVi holder åbent hus på Kulturhuset lørdag.\n"
        "Alle er velkomne & der er kaffe."
    )


async def test_fetch_task_opens_the_form_with_the_message_as_draft(teams: Teams) -> None:
    card = _dialog_card(await _invoke(teams, "composeExtension/fetchTask", _value()))

    assert inputs(card)["text"]["value"] == html_to_text(MESSAGE_HTML)
    (submit,) = card["actions"]
    assert submit["type"] == "Action.Submit"  # dialogs submit with Action.Submit
    assert submit["data"]["verb"] == "submit_intake"


async def test_submit_with_errors_shows_the_dialog_again(teams: Teams) -> None:
    form = card_form(theme="")
    form.pop("theme")

    card = _dialog_card(await _invoke(teams, "composeExtension/submitAction",
                                      _value(data={**form, "form_id": "x1"})))

    assert shows(card, "Vælg et tema.")
    assert inputs(card)["text"]["value"] == form["text"]
    assert teams.core.store.list_proposals() == []


async def test_the_dialog_shows_the_advice_and_only_send_stores(teams: Teams) -> None:
    form = {**card_form(text=html_to_text(MESSAGE_HTML)), "form_id": "x2"}

    advice = _dialog_card(await _invoke(teams, "composeExtension/submitAction",
                                        _value(data=form)))

    assert shows(advice, ADVICE_TITLE) and shows(advice, T.ADVICE_SHOW)
    choices = _submits(advice)
    assert list(choices) == ["send", "edit", "drop"]
    assert teams.core.store.list_proposals() == []

    questions = _dialog_card(await _invoke(teams, "composeExtension/submitAction",
                                           _value(data=choices["edit"])))
    assert inputs(questions)["text"]["value"] == form["text"]  # answers kept
    dropped = await _invoke(teams, "composeExtension/submitAction",
                            _value(data=choices["drop"]))
    assert dropped == {"task": {"type": "message", "value": T.DROPPED}}
    assert teams.core.store.list_proposals() == []

    body = await _invoke(teams, "composeExtension/submitAction", _value(data=choices["send"]))

    (proposal,) = teams.core.store.list_proposals()
    assert body["task"]["type"] == "message"
    assert body["task"]["value"] == (
        f"Tak – forslag nr. {proposal.id} er sendt til godkendelse hos den centrale "
        "kommunikationsafdeling. Du kan forvente svar inden for 48 timer.")
    assert proposal.intake.text.startswith("Kære alle")
    assert proposal.proposer.user_id == A.PROPOSER.aad
    again = await _invoke(teams, "composeExtension/submitAction", _value(data=choices["send"]))
    assert shows(_dialog_card(again), T.ALREADY_SUBMITTED)
    assert len(teams.core.store.list_proposals()) == 1


async def test_the_recommendation_opens_a_personal_chat_when_there_is_none(
    teams: Teams,
) -> None:
    """Used from a channel by someone who never wrote to the bot: the bot opens a 1:1 chat
    rather than putting the proposer's recommendation in the channel."""
    await _send_in_dialog(teams, {**card_form(), "form_id": "x3"})

    assert await teams.deliver() == 1
    create, send = teams.connector.calls
    assert create.kind == "create"
    assert create.body["members"] == [{"id": A.PROPOSER.teams_id}]
    assert create.body["tenantId"] == A.TENANT
    assert send.conversation_id == "a:created-1" and send.kind == "send"
    ref = teams.core.store.get_ref(user_key(A.PROPOSER.aad))
    assert ref is not None and ref["conversation"]["id"] == "a:created-1"


async def test_if_no_personal_chat_can_be_opened_the_answer_goes_where_they_acted(
    teams: Teams,
) -> None:
    await _send_in_dialog(teams, {**card_form(), "form_id": "x4"})
    teams.connector.fail_next(403, kind="create")

    assert await teams.deliver() == 1
    (send,) = teams.connector.calls
    assert send.thread is not None and send.thread[0] == A.OTHER_CHANNEL
