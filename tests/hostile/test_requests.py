"""Hostile requests as a whole: malformed bodies, wrong content types, odd headers, bodies over
the size limit, odd invokes, replayed requests and identities claimed in data fields.

Only the platform's own identity field counts: Slack's signed `user` (a request body can't be
changed without the signing secret), Teams' `from.aadObjectId` on the msteams channel. A
proposal number in a button, a modal's metadata or a card's data is only ever a reference,
checked against who is acting.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest

from bot import digest, schedule
from bot.proposal import Actor, Decision
from handlers.slack import ids
from handlers.slack import text as ST
from handlers.teams import text as TT
from tests.conftest import intake_data
from tests.hostile.conftest import (
    A_MONDAY,
    Bot,
    check,
    execute_data,
    intake_view,
    sign,
    teams_form,
)
from tests.hostile.corpus import FORM, INVOKES, JSON, RAW, SLACK, TEAMS, Invoke, Raw
from tests.slack.helpers import ANNA, CHEF, OUTSIDER, block_action, command_fields, fill, user
from tests.teams import activities as A
from tests.teams.conftest import card_texts

TEAMS_SENT = "er sendt til godkendelse"  # Teams' receipt after Send

pytestmark = pytest.mark.asyncio(loop_scope="module")

ONE_MB = 1024 * 1024


def _ids(cases: list[Any]) -> list[str]:
    return [case.id for case in cases]


def _texts(reply_body: Any) -> str:
    return json.dumps(reply_body, ensure_ascii=False)


def _chef() -> Actor:
    return Actor(platform="slack", user_id=CHEF, name="chef")


def _teams_actor(who: A.User) -> Actor:
    return Actor(platform="teams", user_id=who.aad, name=who.name)


# -- malformed bodies, content types, headers -------------------------------------------------


@pytest.mark.parametrize("case", RAW, ids=_ids(RAW))
async def test_a_malformed_request_is_refused_with_a_4xx_and_touches_nothing(
    bot: Bot, case: Raw
) -> None:
    window = bot.window()

    if case.path == SLACK:
        reply = await bot.slack(case.body, case.content_type, signed=case.signed,
                                headers=case.headers)
    else:
        headers = {"Content-Type": case.content_type} if case.content_type else {}
        reply = await bot.request("POST", TEAMS, case.body, headers)

    assert reply.status == case.status, reply.body
    assert bot.counts() == window.counts
    assert [c for c in bot.api.calls[window.slack:] if c.method != "auth.test"] == []
    assert bot.connector.calls[window.connector:] == []
    assert await check(bot, window) == []


@pytest.mark.parametrize("path", [SLACK, TEAMS])
@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
async def test_a_body_over_one_megabyte_is_refused_with_413(
    bot: Bot, path: str, chunked: bool
) -> None:
    window = bot.window()
    text = "x" * ONE_MB
    body = (f"payload={text}" if path == SLACK else json.dumps({"type": "message", "text": text})
            ).encode()
    headers = {"Content-Type": FORM if path == SLACK else JSON, **sign(body)}

    async def pieces() -> Any:
        for start in range(0, len(body), 64 * 1024):
            yield body[start:start + 64 * 1024]

    reply = await bot.request("POST", path, pieces() if chunked else body,  # type: ignore[arg-type]
                              headers)

    assert reply.status == 413
    assert bot.counts() == window.counts
    assert await check(bot, window) == []


async def test_a_body_just_under_the_limit_is_read_and_its_draft_cut(bot: Bot) -> None:
    """A 900 KB draft in the slash command: the modal opens with the first 3,000 characters
    and says so; the Teams command's card is cut the same way."""
    window, before = bot.window(), len(bot.api.calls_to("views.open"))
    draft = "Langt udkast. " * 64_000

    reply = await bot.command(draft)
    teams = await bot.say(f"foreslå-opslag {draft}")

    assert reply.status == 200 and teams.status in (200, 202)
    view = (await bot.api.wait_for("views.open", before + 1))[-1].args["view"]
    assert ST.PREFILL_CUT.format(max=3000) in json.dumps(view, ensure_ascii=False)
    card = bot.connector.calls[-1].card
    prefill = next(item for item in card["body"] if item.get("id") == "text")["value"]
    assert len(prefill) <= 3000
    assert await check(bot, window) == []


@pytest.mark.parametrize("case", INVOKES, ids=_ids(INVOKES))
async def test_an_odd_invoke_gets_an_answer_and_touches_nothing(bot: Bot, case: Invoke) -> None:
    window = bot.window()
    activity = A.compose(case.name, A.CENTRAL, bot.connector.service_url, {})
    activity["value"] = case.value

    reply = await bot.teams(activity)

    assert reply.status == case.status, reply.body
    if case.status == 200:
        assert reply.json(), "an invoke is answered in its body"
    else:
        assert reply.body == ""
    assert bot.counts() == window.counts
    assert await check(bot, window, not_implemented=case.status == 501) == []


@pytest.mark.parametrize("form_id", ["\ud800", "x" * 10_000, "'); DROP TABLE runs;--"],
                         ids=["lone-surrogate", "long", "sql"])
async def test_an_odd_form_id_still_stores_the_form_once(bot: Bot, form_id: str) -> None:
    window = bot.window()
    data = {**teams_form(), "form_id": form_id}

    first = (await bot.propose(data)).json()  # the questions, then Send on the advice
    second = (await bot.propose(data)).json()  # the same card answered and sent again

    assert any(TEAMS_SENT in text for text in card_texts(first["value"]))
    assert TT.ALREADY_SUBMITTED in card_texts(second["value"])
    assert bot.counts()["proposals"] == window.counts["proposals"] + 1
    assert await check(bot, window) == []


# -- replayed requests ------------------------------------------------------------------------


async def _twice(bot: Bot, body: str | bytes, content_type: str = FORM) -> list[Any]:
    """The same signed request, byte for byte, sent twice within Slack's five minutes."""
    raw = body.encode() if isinstance(body, str) else body
    headers = sign(raw)
    return [await bot.slack(raw, content_type, signed=False, headers=headers) for _ in (1, 2)]


def _payload(payload: dict[str, Any]) -> str:
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


async def test_a_replayed_slash_command_only_opens_the_modal_again(bot: Bot) -> None:
    window, before = bot.window(), len(bot.api.calls_to("views.open"))
    fields = command_fields(bot.api, "Gentaget <!channel>", ANNA, "/foreslå-opslag")

    replies = await _twice(bot, urllib.parse.urlencode(fields))

    assert [reply.status for reply in replies] == [200, 200]
    await bot.api.wait_for("views.open", before + 2)
    assert bot.counts() == window.counts
    assert await check(bot, window) == []


async def test_a_replayed_event_is_handled_once(bot: Bot) -> None:
    window = bot.window()
    mention = {"type": "app_mention", "user": ANNA, "text": "<@UBOT> <!channel>", "ts": "9.1",
               "channel": "CREPLAY", "event_ts": "9.1"}
    body = json.dumps({"token": "x", "team_id": "T0NORDDJURS", "api_app_id": "A1",
                       "type": "event_callback", "event_id": "EvReplay1", "event_time": 1,
                       "event": mention})

    replies = await _twice(bot, body, JSON)

    assert [reply.status for reply in replies] == [200, 200]
    await bot.api.wait_for("chat.postMessage", 1, channel="CREPLAY")
    assert await check(bot, window) == []
    assert len(bot.api.calls_to("chat.postMessage", channel="CREPLAY")) == 1


async def _advice_sent(bot: Bot, view: dict[str, Any], answers: dict[str, Any]) -> str:
    """The questions answered once; the Send that follows, as a request body to replay."""
    payload = {"type": "view_submission", "team": {"id": "T0NORDDJURS"}, "user": user(ANNA),
               "api_app_id": "A1", "token": "x", "trigger_id": "t",
               "view": {**view, "hash": "h1", "state": {"values": fill(view, answers)}}}
    advice = (await bot.slack(_payload(payload), FORM)).json()["view"]
    assert advice["callback_id"] == ids.ADVICE_VIEW
    send = {**payload, "view": {**advice, "id": view["id"], "hash": "h2",
                                "state": {"values": {}}}}
    return _payload(send)


async def test_a_replayed_view_submission_stores_one_proposal(bot: Bot) -> None:
    window = bot.window()
    view = {**intake_view(), "id": "VREPLAY1"}
    send = await _advice_sent(bot, view, intake_data(text="Kun én gang"))
    assert bot.counts()["proposals"] == window.counts["proposals"]  # the advice stores nothing

    first, second = await _twice(bot, send)

    assert first.json()["response_action"] == "update"
    assert ST.ALREADY_SUBMITTED in _texts(second.json())
    assert bot.counts()["proposals"] == window.counts["proposals"] + 1
    assert await check(bot, window) == []
    assert len([c for c in bot.api.calls[window.slack:] if "Kun én gang" in _texts(c.args)
                and c.args.get("channel") == "CREVIEW"]) == 1


async def test_a_replayed_resubmission_is_stored_once(bot: Bot) -> None:
    proposal = bot.proposal()
    bot.core.workflow.decide(proposal.id, Decision.REQUEST_CHANGES, _chef(), "Ret titlen")
    window = bot.window()
    view = {**intake_view(), "id": "VREPLAY2",
            "private_metadata": json.dumps({"proposal_id": proposal.id})}
    send = await _advice_sent(bot, view, intake_data(title="Ny titel"))

    first, second = await _twice(bot, send)

    assert first.json()["response_action"] == "update"
    assert ST.ALREADY_SUBMITTED in _texts(second.json())
    assert bot.core.workflow.get(proposal.id).revision == 2
    assert await check(bot, window) == []


async def test_a_replayed_approval_decides_once(bot: Bot) -> None:
    proposal = bot.proposal()
    window = bot.window()
    before = len(bot.api.calls_to("chat.postEphemeral"))

    replies = await _twice(bot, _payload(block_action(ids.APPROVE, str(proposal.id), CHEF,
                                                      "CREVIEW", "1.0")))

    assert [reply.status for reply in replies] == [200, 200]
    (answer,) = (await bot.api.wait_for("chat.postEphemeral", before + 1))[before:]
    assert "allerede godkendt" in answer.args["text"]
    assert [e.event for e in bot.core.store.history(proposal.id)] == ["submitted", "approved"]
    assert await check(bot, window) == []


async def test_a_replayed_reason_decides_once(bot: Bot) -> None:
    proposal = bot.proposal()
    window = bot.window()
    view = {"id": "VREASON1", "type": "modal", "callback_id": ids.REASON_VIEW, "hash": "h",
            "private_metadata": json.dumps({"proposal_id": proposal.id, "decision": "reject"}),
            "blocks": [], "state": {"values": {"note": {"note": {"type": "plain_text_input",
                                                                  "value": "Nej tak"}}}}}
    payload = {"type": "view_submission", "team": {"id": "T0NORDDJURS"}, "user": user(CHEF),
               "api_app_id": "A1", "token": "x", "trigger_id": "t", "view": view}

    first, second = await _twice(bot, _payload(payload))

    assert first.body == ""
    assert second.json()["response_action"] == "errors"
    assert "allerede afvist" in second.json()["errors"]["note"]
    assert [e.event for e in bot.core.store.history(proposal.id)] == ["submitted", "rejected"]
    assert await check(bot, window) == []


async def test_replayed_teams_activities_act_once(bot: Bot) -> None:
    window = bot.window()
    conversation, channel_data = A.personal(A.PROPOSER)
    advice = await bot.execute("submit_intake", {**teams_form(text="Teams én gang"),
                                                 "form_id": "replay-1"})
    send = A.card_action("send", execute_data(advice, "send") or {}, A.PROPOSER,
                         bot.connector.service_url, conversation=conversation,
                         channel_data=channel_data)
    first, second = [(await bot.teams(send)).json() for _ in (1, 2)]
    proposal = bot.latest()
    approve = A.card_action("approve", {"proposal_id": proposal.id}, A.CENTRAL,
                            bot.connector.service_url, conversation=conversation,
                            channel_data=channel_data)
    decided, again = [(await bot.teams(approve)).json() for _ in (1, 2)]

    assert any(TEAMS_SENT in text for text in card_texts(first["value"]))
    assert TT.ALREADY_SUBMITTED in card_texts(second["value"])
    assert bot.counts()["proposals"] == window.counts["proposals"] + 1
    assert proposal.intake.text == "Teams én gang"
    assert decided["statusCode"] == 200 and again["statusCode"] == 200
    assert [e.event for e in bot.core.store.history(proposal.id)] == ["submitted", "approved"]
    assert await check(bot, window) == []


# -- identities claimed in data fields --------------------------------------------------------


async def test_slack_trusts_only_the_signed_user_not_ids_in_the_payload(bot: Bot) -> None:
    theirs = bot.proposal(proposer=ANNA)
    window = bot.window()
    answers = []
    for action_id in (ids.WITHDRAW, ids.APPROVE):
        payload = block_action(action_id, str(theirs.id), OUTSIDER, "CREVIEW", "1.0")
        payload.update(user_id=ANNA, proposer=ANNA, central=True)  # claims, not identity
        payload["message"]["user"] = ANNA
        payload["actions"][0]["user"] = {"id": CHEF}
        before = len(bot.api.calls_to("chat.postEphemeral"))
        assert (await bot.slack_payload(payload)).status == 200
        answers += (await bot.api.wait_for("chat.postEphemeral", before + 1))[before:]
    reply = await bot.submit_reason(json.dumps({"proposal_id": theirs.id, "decision": "reject",
                                                "user": CHEF}), "Overtaget", user_id=OUTSIDER)

    assert [a.args["user"] for a in answers] == [OUTSIDER, OUTSIDER]
    assert "Kun den, der har stillet forslaget" in answers[0].args["text"]
    assert answers[1].args["text"] == ST.NOT_CENTRAL
    assert "Kun den centrale" in reply.json()["errors"]["note"]
    assert bot.core.workflow.get(theirs.id).status == "pending"
    assert bot.counts() == window.counts
    assert await check(bot, window) == []


async def test_slack_resubmit_button_for_someone_elses_proposal_is_refused(bot: Bot) -> None:
    theirs = bot.proposal(proposer=ANNA)
    bot.core.workflow.decide(theirs.id, Decision.REQUEST_CHANGES, _chef(), "Ret det")
    window, before = bot.window(), len(bot.api.calls_to("chat.postEphemeral"))

    await bot.click(ids.RESUBMIT, str(theirs.id), user_id=OUTSIDER)

    (answer,) = (await bot.api.wait_for("chat.postEphemeral", before + 1))[before:]
    assert answer.args["text"] == ST.NOT_PROPOSER
    assert [c for c in bot.api.calls[window.slack:] if c.method == "views.open"] == []
    assert await check(bot, window) == []


async def test_teams_trusts_only_from_aad_object_id_not_data_fields(bot: Bot) -> None:
    central = {"id": A.CENTRAL.teams_id, "aadObjectId": A.CENTRAL.aad, "name": A.CENTRAL.name}
    theirs = bot.proposal()
    window = bot.window()

    card = (await bot.execute("approve", {"proposal_id": theirs.id, "from": central,
                                          "aadObjectId": A.CENTRAL.aad,
                                          "user_id": A.CENTRAL.aad}, A.PROPOSER)).json()
    claims = {"proposer": A.CENTRAL.aad, "aadObjectId": A.CENTRAL.aad, "from": central}
    advice = await bot.execute("submit_intake", {
        **teams_form(text="Hvem er jeg?"), "form_id": "identity-1", **claims}, A.COLLEAGUE)
    stored = (await bot.execute("send", {**(execute_data(advice, "send") or {}), **claims},
                                A.COLLEAGUE)).json()

    assert any("Kun den centrale" in text for text in card_texts(card["value"]))
    assert bot.core.workflow.get(theirs.id).status == "pending"
    assert any(TEAMS_SENT in text for text in card_texts(stored["value"]))
    assert bot.latest().proposer.user_id == A.COLLEAGUE.aad
    assert bot.counts()["proposals"] == window.counts["proposals"] + 1
    assert await check(bot, window) == []


async def test_teams_resubmit_of_someone_elses_proposal_is_refused(bot: Bot) -> None:
    data = {**teams_form(), "form_id": "identity-2"}
    await bot.propose(data, A.PROPOSER)
    theirs = bot.latest()
    bot.core.workflow.decide(theirs.id, Decision.REQUEST_CHANGES,
                             _teams_actor(A.CENTRAL), "Ret det")
    window = bot.window()

    card = (await bot.execute("resubmit", {**teams_form(text="Overtaget"),
                                           "proposal_id": theirs.id,
                                           "aadObjectId": A.PROPOSER.aad}, A.COLLEAGUE)).json()

    # Send on an advice card of that proposal, forged or forwarded, is refused the same way.
    sent = (await bot.execute("send", {"proposal_id": theirs.id, "revision": 1,
                                       "answers": teams_form(text="Overtaget")},
                              A.COLLEAGUE)).json()

    for answer in (card, sent):
        assert any("Kun den, der har stillet forslaget" in t
                   for t in card_texts(answer["value"]))
    assert bot.core.workflow.get(theirs.id).revision == 1
    assert await check(bot, window) == []


@pytest.mark.parametrize("channel", ["webchat", "directline", "emulator"])
async def test_only_teams_vouches_for_who_someone_is(bot: Bot, channel: str) -> None:
    """From another Bot Framework channel the sender's ids are whatever the client says; they
    never match a central member configured by Entra object id."""
    theirs = bot.proposal()
    window = bot.window()
    conversation, channel_data = A.personal(A.CENTRAL)
    for sender in ({"id": A.CENTRAL.aad}, {"id": A.CENTRAL.teams_id,
                                            "aadObjectId": A.CENTRAL.aad}):
        activity = A.card_action("approve", {"proposal_id": theirs.id}, A.CENTRAL,
                                 bot.connector.service_url, conversation=conversation,
                                 channel_data=channel_data)
        activity.update(channelId=channel, **{"from": {**sender, "name": "Bente"}})

        reply = await bot.teams(activity)

        assert reply.status == 200
        assert any("Kun den centrale" in t for t in card_texts(reply.json()["value"]))
    assert bot.core.workflow.get(theirs.id).status == "pending"
    assert await check(bot, window) == []


# -- what the user wrote is shown, escaped, not acted on ---------------------------------------


async def test_a_draft_that_pings_is_shown_escaped_in_slack_and_verbatim_in_teams(
    bot: Bot,
) -> None:
    window = bot.window()
    draft = "<!channel> <!here> <@U0FORGED> [norddjurs.dk](https://evil.example)"

    reply = await bot.submit_intake(intake_data(text=draft, title="<!everyone>"))
    await bot.deliver()

    assert reply.json()["response_action"] == "update"
    number = f"Forslag nr. {bot.latest().id}"
    (review,) = [c for c in bot.api.calls[window.slack:] if c.method == "chat.postMessage"
                 and c.args.get("channel") == "CREVIEW" and number in _texts(c.args)]
    shown = _texts(review.args)
    assert "&lt;!channel&gt; &lt;!here&gt; &lt;@U0FORGED&gt;" in shown
    assert "&lt;!everyone&gt;" in shown
    (card,) = [c.card for c in bot.connector.calls[window.connector:]
               if c.conversation_id == A.REVIEW_CHANNEL and number in card_texts(c.card)]
    runs = [t for t in card_texts(card) if draft in t]
    assert runs, "the draft is on the review card, as written"
    assert await check(bot, window, probe="[norddjurs.dk](https://evil.example)") == []


async def test_an_approved_post_planned_for_the_last_day_keeps_the_calendar_working(
    bot: Bot,
) -> None:
    """A far-future date is a valid answer; the calendar feed must survive it (the post lies
    beyond the feed's 18 months, so it is left out)."""
    proposal = bot.proposal(planned_for="9999-12-31")
    bot.core.workflow.decide(proposal.id, Decision.APPROVE, _chef())
    window = bot.window()

    reply = await bot.request("GET", "/kalender.ics?token=kalender-hostile")

    assert reply.status == 200 and "VCALENDAR" in reply.body and "9999" not in reply.body
    assert await check(bot, window) == []


HOSTILE_NAME = "<!channel> [Bente](https://evil.example) <at>Alle</at>"


async def test_a_display_name_is_shown_as_plain_text_too(bot: Bot) -> None:
    """Names come from the platform, but people choose them: a reviewer whose Teams name
    looks like a ping and a link decides; those who click later are told who, as text."""
    proposal = bot.proposal()
    named = A.User("bente", HOSTILE_NAME, A.CENTRAL.aad)
    await bot.execute("reject", {"proposal_id": proposal.id, "note_reject": "Nej"}, named)
    window = bot.window()
    before = len(bot.api.calls_to("chat.postEphemeral"))

    refused = (await bot.execute("approve", {"proposal_id": proposal.id}, named)).json()
    await bot.click(ids.APPROVE, str(proposal.id), user_id=CHEF)

    assert any("allerede afvist" in t for t in card_texts(refused["value"]))
    (answer,) = (await bot.api.wait_for("chat.postEphemeral", before + 1))[before:]
    assert "&lt;!channel&gt;" in answer.args["text"]
    assert await check(bot, window, probe="[Bente](https://evil.example)") == []


async def test_the_week_overview_and_digest_show_hostile_titles_as_text(bot: Bot) -> None:
    title = "<!channel> [Klik](https://evil.example) <at>Alle</at>"
    planned = bot.proposal(title=title, planned_for="2026-11-25")
    bot.core.workflow.decide(planned.id, Decision.APPROVE, _chef())
    bot.proposal(title=None, text="<!here> [Klik](https://evil.example) står i første linje")
    window = bot.window()

    week = await bot.command("uge")
    overview = await bot.say("ugeoversigt")
    posted = schedule.post_digest(bot.core, digest.coming_week(A_MONDAY.date()),
                                  schedule.digest_targets(bot.core))

    assert week.status == 200 and "&lt;!channel&gt;" in week.body
    assert overview.status in (200, 202)
    assert {target.platform for target in posted} == {"slack", "teams"}
    assert await check(bot, window, probe="[Klik](https://evil.example)") == []
    shown = [c for c in bot.api.calls[window.slack:] if c.method == "chat.postMessage"]
    assert any("&lt;!here&gt;" in _texts(c.args) for c in shown)
