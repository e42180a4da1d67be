"""Every request's signature and timestamp is checked; a bad one touches nothing. Slack's event
retries are handled once."""

from __future__ import annotations

import json
import time
import urllib.parse

from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_api import FakeSlackApi
from tests.slack.helpers import ANNA, SECRET, SlackServer, command_fields, view_submission

MENTION = {"type": "app_mention", "user": ANNA, "text": "<@UBOT>", "ts": "7.7",
           "channel": "CGENERAL", "event_ts": "7.7"}


def nothing_stored(server: SlackServer) -> bool:
    store = server.core.store
    return store.list_proposals() == [] and store.outbox_rows() == []


async def test_a_bad_signature_is_refused_and_touches_nothing(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    body = urllib.parse.urlencode(command_fields(slack_api, "hej", ANNA, "/foreslå-opslag"))
    reply = await server.post(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)
    assert reply.status == 401
    submission = view_submission({"blocks": [], "callback_id": "intake"}, {}, ANNA)
    reply = await server.post_payload(submission, signature="v0=bad")
    assert reply.status == 401
    assert nothing_stored(server)
    assert slack_api.calls_to("views.open") == []


async def test_a_stale_timestamp_is_refused_even_when_correctly_signed(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    six_minutes_ago = int(time.time()) - 6 * 60
    reply = await server.command("hej", timestamp=six_minutes_ago)
    assert reply.status == 401
    reply = await server.event(MENTION, "EvStale", timestamp=six_minutes_ago)
    assert reply.status == 401
    assert server.core.store.first_time("EvStale", server.clock())  # not recorded before
    assert nothing_stored(server)
    assert slack_api.calls_to("views.open") == [] and slack_api.calls_to("chat.postMessage") == []


async def test_a_tampered_body_fails_the_signature(server: SlackServer) -> None:
    body = json.dumps({"type": "event_callback", "event_id": "EvX", "event": MENTION})
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
    tampered = body.replace("EvX", "EvY")
    reply = await server.post(tampered, "application/json", timestamp=int(stamp),
                              signature=signature)
    assert reply.status == 401


async def test_a_retried_event_is_handled_once(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    first = await server.event(MENTION, "Ev42")
    retries = [
        await server.event(MENTION, "Ev42", headers={"X-Slack-Retry-Num": str(n),
                                                      "X-Slack-Retry-Reason": "http_timeout"})
        for n in (1, 2, 3)
    ]
    assert [r.status for r in (first, *retries)] == [200, 200, 200, 200]
    await slack_api.wait_for("chat.postMessage", channel="CGENERAL")
    other = await server.event({**MENTION, "ts": "8.8"}, "Ev43")
    assert other.status == 200
    await slack_api.wait_for("chat.postMessage", 2, channel="CGENERAL")
    assert len(slack_api.calls_to("chat.postMessage", channel="CGENERAL")) == 2


async def test_slacks_url_check_is_answered_with_the_challenge(server: SlackServer) -> None:
    body = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"})
    reply = await server.post(body, "application/json")
    assert reply.status == 200 and reply.json() == {"challenge": "c-123"}
