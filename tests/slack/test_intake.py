"""Proposing over real HTTP: the command, the shortcut, a mention, the modal and its submission."""

from __future__ import annotations

import json
import time
from typing import Any

from handlers.slack import text as T
from policy import intake_errors
from tests.conftest import intake_data
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.helpers import (
    ANNA,
    REVIEW_CHANNEL,
    SlackServer,
    delivered,
    initial_text,
    open_modal,
    propose,
    review_posts,
    texts,
    view_action,
)


async def test_command_acks_at_once_and_opens_the_modal_with_the_typed_draft(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    reply = await server.command("Vi planter træer på lørdag")
    assert (reply.status, reply.body) == (200, "")
    (call,) = await slack_api.wait_for("views.open")
    assert call.args["trigger_id"] == f"trigger-{ANNA}"
    assert call.token == "xoxb-test"
    view = call.args["view"]
    assert view["callback_id"] == "intake"
    assert initial_text(view) == "Vi planter træer på lørdag"


async def test_the_ascii_spelling_of_the_command_works_too(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    reply = await server.command("", command="/foreslaa-opslag")
    assert reply.status == 200
    (call,) = await slack_api.wait_for("views.open")
    assert initial_text(call.args["view"]) is None


async def test_the_ack_does_not_wait_for_slow_work(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    slack_api.fail("views.open", delay=0.5)
    started = time.perf_counter()
    reply = await server.command("tekst")
    assert reply.status == 200 and time.perf_counter() - started < 0.4
    await slack_api.wait_for("views.open")


async def test_help_and_week_answer_only_the_asker_without_a_modal(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    help_reply = (await server.command("hjælp")).json()
    assert help_reply["response_type"] == "ephemeral"
    assert "/foreslå-opslag" in json.dumps(help_reply, ensure_ascii=False)
    assert '"action_id": "open_intake"' in json.dumps(help_reply)
    week_reply = (await server.command("uge")).json()
    assert week_reply["response_type"] == "ephemeral"
    # The digest of the coming week, only for the one who asked.
    assert week_reply["text"].startswith("Uge ")
    assert any("Strategien i ugen" in json.dumps(block) for block in week_reply["blocks"])
    assert slack_api.calls_to("views.open") == []


async def test_an_expired_trigger_is_explained_through_the_response_url(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    slack_api.fail("views.open", error="expired_trigger_id")
    await server.command("tekst")
    (answer,) = await slack_api.wait_for("response_url")
    assert answer.args["text"] == T.MODAL_FAILED
    assert answer.args["response_type"] == "ephemeral"


async def test_submission_sends_the_recommendation_by_dm_and_posts_for_review(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    view = await open_modal(server)
    reply = await server.send(view, intake_data(department="Skole og Dagtilbud"))
    body = reply.json()
    assert body["response_action"] == "update"
    assert "Forslag nr. 1 er gemt og sendt til godkendelse" in json.dumps(body, ensure_ascii=False)
    await delivered(server)

    assert [c.args["users"] for c in slack_api.sent("conversations.open")] == [ANNA]
    (dm,) = slack_api.sent("chat.postMessage", channel=f"D{ANNA}")
    # A receipt: who approves and when, not the advice the proposer read before sending.
    assert "Dit forslag er sendt til godkendelse" in texts(dm.args)
    assert "Hvem godkender" in texts(dm.args) and "Hvornår" in texts(dm.args)
    assert "Platforme" not in texts(dm.args) and "Tone" not in texts(dm.args)
    (post,) = review_posts(slack_api)
    shown = texts(post.args)
    for expected in (f"<@{ANNA}>", "Skole og Dagtilbud", "Træplantning i Grenaa",
                     "> Vi planter 5.000 træer"):
        assert expected in shown
    actions = next(b for b in post.args["blocks"] if b["type"] == "actions")["elements"]
    assert [(a["action_id"], a["value"]) for a in actions] == [
        ("approve", "1:1"), ("request_changes", "1:1"), ("reject", "1:1"),  # proposal:revision
    ]
    rows = {row.kind: row for row in server.core.store.outbox_rows()}
    assert rows["review_post"].result == {"channel": REVIEW_CHANNEL, "ts": post.response["ts"]}


async def test_invalid_answers_come_back_as_danish_field_errors_and_nothing_is_stored(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    view = await open_modal(server)
    answers = intake_data(audience=[], theme=None, link="ftp://example.dk/fil")
    reply = await server.submit(view, answers)
    body = reply.json()
    assert reply.status == 200 and body["response_action"] == "errors"
    expected = intake_errors({k: v for k, v in answers.items() if v not in (None, [])})
    assert body["errors"] == {name: expected[name] for name in ("audience", "theme", "link")}
    assert server.core.store.list_proposals() == []
    assert server.core.store.outbox_rows() == []


async def test_a_draft_that_mentions_everyone_pings_nobody(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    await propose(server, text="Hej <!channel> og <@U123> & <!here|here>",
                  title="<!everyone> læs")
    (post,) = review_posts(slack_api)
    assert "&lt;!channel&gt; og &lt;@U123&gt; &amp; &lt;!here|here&gt;" in texts(post.args)
    for call in slack_api.calls:
        sent = json.dumps(call.args)
        for raw in ("<!channel>", "<@U123>", "<!here", "<!everyone>"):
            assert raw not in sent


async def test_choosing_a_job_ad_adds_the_job_level_question_and_keeps_the_answers(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    view = await open_modal(server, "Vi søger en skoleleder")
    payload = view_action(view, {"content_type": "jobopslag", "text": "Vi søger"}, "content_type")
    assert (await server.post_payload(payload)).status == 200
    (update,) = await slack_api.wait_for("views.update")
    assert (update.args["view_id"], update.args["hash"]) == ("VOPEN", "h-open")
    new_view = update.args["view"]
    blocks = [b["block_id"] for b in new_view["blocks"] if b["type"] == "input"]
    assert "job_level" in blocks
    assert initial_text(new_view) == "Vi søger"
    reply = await server.submit(new_view, intake_data(content_type="jobopslag"))
    assert reply.json() == {
        "response_action": "errors", "errors": {"job_level": intake_errors(
            intake_data(content_type="jobopslag"))["job_level"]},
    }


async def test_message_shortcut_opens_the_modal_with_the_message_as_draft(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    payload = {
        "type": "message_action", "callback_id": "foreslaa_som_opslag",
        "trigger_id": "trigger-shortcut", "team": {"id": "T0NORDDJURS", "domain": "n"},
        "user": {"id": ANNA, "name": "anna"}, "channel": {"id": "CGENERAL", "name": "general"},
        "message": {"type": "message", "user": "UBO", "ts": "1.2",
                    "text": "Åbent hus på &lt;skolen&gt; – se <https://norddjurs.dk|her>"},
        "message_ts": "1.2", "response_url": slack_api.response_url("shortcut"),
    }
    assert (await server.post_payload(payload)).status == 200
    (call,) = await slack_api.wait_for("views.open", trigger_id="trigger-shortcut")
    assert initial_text(call.args["view"]) == (
        "Åbent hus på <skolen> – se her (https://norddjurs.dk)"
    )


async def test_a_mention_answers_with_help_and_a_button_that_opens_the_modal(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    event = {"type": "app_mention", "user": ANNA, "text": "<@UBOT> hvordan?", "ts": "5.5",
             "channel": "CGENERAL", "event_ts": "5.5"}
    assert (await server.event(event, "Ev1")).status == 200
    (answer,) = await slack_api.wait_for("chat.postMessage", channel="CGENERAL")
    assert answer.args["thread_ts"] == "5.5"
    assert '"action_id": "open_intake"' in json.dumps(answer.args["blocks"])
    await server.click("open_intake", "", user=ANNA, channel="CGENERAL", message_ts="5.6")
    (call,) = await slack_api.wait_for("views.open", trigger_id="trigger-open_intake")
    assert call.args["view"]["callback_id"] == "intake"


async def test_a_refusal_no_field_error_named_still_comes_back_as_a_danish_field_error(
    server: SlackServer, slack_api: FakeSlackApi, monkeypatch: Any
) -> None:
    """The one path to a stored proposal (bot/submission.py) answers the intake's own refusal
    too: the Slack modal once let it escape as an error, where Teams showed it on the card."""
    monkeypatch.setattr("bot.submission.intake_errors", lambda data: {})
    view = await open_modal(server)
    reply = await server.submit(view, intake_data(content_type="jobopslag"))
    missing = intake_errors(intake_data(content_type="jobopslag"))["job_level"]
    # job_level is not on this modal: its error goes to the question that asks for it.
    assert reply.json() == {"response_action": "errors", "errors": {"content_type": missing}}
    assert server.core.store.list_proposals() == []
