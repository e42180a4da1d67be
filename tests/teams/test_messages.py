"""Commands written to the bot, the intake card it answers with, and the references it keeps."""

from __future__ import annotations

import unicodedata

import pytest

from handlers.teams import TEAMS_REVIEW_REF
from handlers.teams import text as T
from handlers.teams.listeners import split_command
from handlers.teams.refs import user_key
from policy import questions
from tests.teams import activities as A
from tests.teams.conftest import Teams, inputs, shows, verbs


@pytest.mark.parametrize("typed", [
    "foreslå-opslag", "foreslaa-opslag", "/foreslå-opslag", "Foreslå-Opslag",
    unicodedata.normalize("NFD", "foreslå-opslag"),
])
async def test_each_spelling_of_the_command_answers_with_the_intake_card(
    teams: Teams, typed: str
) -> None:
    await teams.say(typed)

    (reply,) = teams.connector.calls
    assert reply.kind == "reply" and reply.conversation_id == A.PROPOSER.personal_chat
    assert shows(reply.card, T.INTAKE_TITLE)
    assert verbs(reply.card) == ["submit_intake"]


async def test_the_card_asks_the_policy_questions_by_field_name_and_machine_key(
    teams: Teams,
) -> None:
    await teams.say("foreslå-opslag")

    fields = inputs(teams.connector.calls[0].card)
    assert list(fields) == [q.id for q in questions()]
    for question in questions():
        field = fields[question.id]
        if question.options:
            assert [c["value"] for c in field["choices"]] == [o.value for o in question.options]
        if question.kind == "bool":
            values = (
                {field["valueOn"], field["valueOff"]} if field["type"] == "Input.Toggle"
                else {c["value"] for c in field["choices"]}
            )
            assert values == {"true", "false"}
    assert fields["audience"]["isMultiSelect"] is True
    assert fields["planned_for"]["type"] == "Input.Date"
    assert fields["text"]["isMultiline"] is True


async def test_text_after_the_command_prefills_the_draft(teams: Teams) -> None:
    await teams.say("foreslå-opslag Kom til åbent hus på Grenaa Bibliotek\npå lørdag kl. 10")

    fields = inputs(teams.connector.calls[0].card)
    assert fields["text"]["value"] == "Kom til åbent hus på Grenaa Bibliotek\npå lørdag kl. 10"


async def test_a_mention_in_a_channel_answers_in_that_thread(teams: Teams) -> None:
    await teams.say("foreslå-opslag", A.COLLEAGUE, where="channel", channel_id=A.OTHER_CHANNEL)

    (reply,) = teams.connector.calls
    assert reply.kind == "reply"
    assert reply.thread is not None and reply.thread[0] == A.OTHER_CHANNEL
    assert shows(reply.card, T.INTAKE_TITLE)


async def test_help_unknown_and_week_overview(teams: Teams) -> None:
    await teams.say("hjælp")
    await teams.say("hvad kan du?")
    await teams.say("ugeoversigt")

    help_reply, unknown, week = teams.connector.calls
    assert "foreslå-opslag" in help_reply.text and "godkendelseskanal" in help_reply.text
    assert unknown.text == T.UNKNOWN_COMMAND
    # The same card the Monday digest posts, for the coming week.
    assert shows(week.card, "Uge ") and shows(week.card, "Strategien i ugen")


async def test_no_typing_indicator_is_sent(teams: Teams) -> None:
    await teams.say("hjælp")
    await teams.say("foreslå-opslag")

    assert [call.body["type"] for call in teams.connector.calls] == ["message", "message"]


def test_split_command() -> None:
    assert split_command("  /Foreslå-opslag  Min tekst\nlinje 2 ") == (
        "foreslå-opslag", "Min tekst\nlinje 2")
    assert split_command("hjælp\xa0") == ("hjælp", "")
    assert split_command("") == ("", "")


async def test_first_words_in_the_personal_chat_store_the_reference(teams: Teams) -> None:
    assert teams.core.store.get_ref(user_key(A.PROPOSER.aad)) is None

    await teams.say("hjælp")

    ref = teams.core.store.get_ref(user_key(A.PROPOSER.aad))
    assert ref is not None
    assert ref["conversation"]["id"] == A.PROPOSER.personal_chat
    assert ref["serviceUrl"] == teams.url
    assert "activityId" not in ref


async def test_install_stores_the_reference_and_welcomes_once(teams: Teams) -> None:
    await teams.post(A.installation(A.PROPOSER, teams.url))
    await teams.post(A.members_added(A.PROPOSER, teams.url))

    assert teams.core.store.get_ref(user_key(A.PROPOSER.aad)) is not None
    (welcome,) = teams.connector.calls
    assert welcome.text == T.WELCOME_PERSONAL


async def test_adding_the_bot_to_a_team_explains_the_review_channel(teams: Teams) -> None:
    await teams.post(A.members_added(A.CENTRAL, teams.url, where="channel"))

    (welcome,) = teams.connector.calls
    assert welcome.text == T.WELCOME_TEAM
    assert teams.core.store.get_ref(TEAMS_REVIEW_REF) is None


async def test_channel_messages_store_no_personal_reference(teams: Teams) -> None:
    await teams.say("hjælp", A.COLLEAGUE, where="channel")

    assert teams.core.store.get_ref(user_key(A.COLLEAGUE.aad)) is None
