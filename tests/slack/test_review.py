"""Deciding in the review channel over real HTTP: who may, what each decision changes in
Slack (thread reply, updated review message, DM), double clicks and resubmission."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.proposal import Status
from handlers.slack import text as T
from tests.conftest import intake_data
from tests.fakes.slack_api import Call, FakeSlackApi, wait_until
from tests.slack.helpers import (
    ANNA,
    CHEF,
    OUTSIDER,
    REVIEW_CHANNEL,
    SlackServer,
    delivered,
    initial_text,
    propose,
    review_posts,
    texts,
)


def review_ts(api: FakeSlackApi) -> str:
    (post,) = review_posts(api)
    return str(post.response["ts"])


def has_buttons(call: Call) -> bool:
    return any(block["type"] == "actions" for block in call.args["blocks"])


def thread_replies(api: FakeSlackApi, ts: str) -> list[Call]:
    return api.sent("chat.postMessage", channel=REVIEW_CHANNEL, thread_ts=ts)


def dms(api: FakeSlackApi, user: str = ANNA) -> list[Call]:
    return api.sent("chat.postMessage", channel=f"D{user}")


async def decide_with_reason(
    server: SlackServer, action: str, pid: int, note: str, *, user: str = CHEF
) -> dict[str, Any]:
    """Click a button that asks for a reason, then submit the reason modal."""
    api = server.api
    before = len(api.sent("views.open"))
    await server.click(action, str(pid), user=user)
    view = (await api.wait_for("views.open", before + 1))[-1].args["view"]
    assert view["callback_id"] == "decision_reason"
    reply = await server.submit(view, {"note": note}, user=user)
    return reply.json() or {}


async def test_someone_outside_the_central_team_is_refused_politely_and_nothing_changes(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await propose(server)
    rows_before = len(server.core.store.outbox_rows())
    for action in ("approve", "request_changes", "reject"):
        await server.click(action, str(pid), user=OUTSIDER)
    refusals = await slack_api.wait_for("chat.postEphemeral", 3, user=OUTSIDER)
    assert {(c.args["channel"], c.args["text"]) for c in refusals} == {
        (REVIEW_CHANNEL, T.NOT_CENTRAL)
    }
    assert slack_api.calls_to("views.open", trigger_id="trigger-reject") == []
    assert server.core.workflow.get(pid).status is Status.PENDING
    assert len(server.core.store.outbox_rows()) == rows_before


async def test_approve_replies_in_the_thread_updates_the_post_and_tells_the_proposer(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await propose(server)
    ts = review_ts(slack_api)
    await server.click("approve", str(pid))
    await delivered(server)

    (update,) = slack_api.sent("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (REVIEW_CHANNEL, ts)
    assert not has_buttons(update)
    assert "Godkendt" in texts(update.args) and f"<@{CHEF}>" in texts(update.args)
    (reply,) = thread_replies(slack_api, ts)
    assert f"<@{CHEF}> har godkendt" in texts(reply.args)
    notice = dms(slack_api)[-1]
    assert "er godkendt" in texts(notice.args)
    assert server.core.workflow.get(pid).status is Status.APPROVED


async def test_a_double_click_decides_once(server: SlackServer, slack_api: FakeSlackApi) -> None:
    pid = await propose(server)
    ts = review_ts(slack_api)
    replies = await asyncio.gather(*(server.click("approve", str(pid)) for _ in range(2)))
    assert [r.status for r in replies] == [200, 200]
    (already,) = await slack_api.wait_for("chat.postEphemeral", user=CHEF)
    assert "allerede godkendt" in already.args["text"]
    await delivered(server)
    history = [e.event for e in server.core.workflow.get(pid).history]
    assert history == ["submitted", "approved"]
    assert len(slack_api.sent("chat.update")) == 1
    assert len(thread_replies(slack_api, ts)) == 1
    assert len(dms(slack_api)) == 2  # the recommendation and one decision notice


async def test_reject_asks_for_a_reason_and_passes_it_on_escaped(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await propose(server)
    ts = review_ts(slack_api)
    assert await decide_with_reason(server, "reject", pid, "Passer ikke <!channel>") == {}
    await delivered(server)
    (update,) = slack_api.sent("chat.update")
    assert "Afvist" in texts(update.args) and not has_buttons(update)
    (reply,) = thread_replies(slack_api, ts)
    assert "Passer ikke &lt;!channel&gt;" in texts(reply.args)
    assert "er afvist" in texts(dms(slack_api)[-1].args)
    assert "<!channel>" not in json.dumps([c.args for c in slack_api.calls])


async def test_an_empty_reason_comes_back_as_a_field_error(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await propose(server)
    body = await decide_with_reason(server, "request_changes", pid, "")
    assert body["response_action"] == "errors" and set(body["errors"]) == {"note"}
    assert server.core.workflow.get(pid).status is Status.PENDING


async def test_deciding_a_closed_proposal_is_refused_without_a_modal(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await propose(server)
    await server.click("approve", str(pid))
    await delivered(server)
    await server.click("reject", str(pid))
    (told,) = await slack_api.wait_for("chat.postEphemeral", user=CHEF)
    assert "allerede godkendt" in told.args["text"]
    assert slack_api.calls_to("views.open", trigger_id="trigger-reject") == []


async def test_changes_requested_then_resubmitted_updates_the_same_review_message(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await propose(server, text="Første udgave af teksten.")
    ts = review_ts(slack_api)
    await decide_with_reason(server, "request_changes", pid, "Gør teksten kortere")
    await delivered(server)
    (asked,) = thread_replies(slack_api, ts)
    assert f"<@{CHEF}> har bedt om ændringer" in texts(asked.args)
    assert "Gør teksten kortere" in texts(asked.args)
    (update,) = slack_api.sent("chat.update")
    assert "Sendt tilbage til ændringer" in texts(update.args) and not has_buttons(update)
    notice = dms(slack_api)[-1]
    assert "Gør teksten kortere" in texts(notice.args)
    assert '"action_id": "resubmit"' in json.dumps(notice.args["blocks"])

    await server.click("resubmit", str(pid), user=ANNA, channel=f"D{ANNA}")
    (edit,) = await slack_api.wait_for("views.open", trigger_id="trigger-resubmit")
    view = edit.args["view"]
    assert json.loads(view["private_metadata"]) == {"proposal_id": pid}
    assert initial_text(view) == "Første udgave af teksten."
    reply = await server.submit(view, intake_data(text="Kortere tekst."))
    assert "rettede udgave" in json.dumps(reply.json(), ensure_ascii=False)
    await delivered(server)

    assert len(review_posts(slack_api)) == 1
    updates = slack_api.sent("chat.update")
    assert [u.args["ts"] for u in updates] == [ts, ts]
    assert has_buttons(updates[-1]) and "Kortere tekst." in texts(updates[-1].args)
    assert "rettet udgave (version 2)" in texts(thread_replies(slack_api, ts)[-1].args)
    assert "Ny anbefaling" in texts(dms(slack_api)[-1].args)
    proposal = server.core.workflow.get(pid)
    assert (proposal.status, proposal.revision) == (Status.PENDING, 2)


async def test_only_the_proposer_can_resubmit(server: SlackServer, slack_api: FakeSlackApi) -> None:
    pid = await propose(server)
    await decide_with_reason(server, "request_changes", pid, "Ret")
    await server.click("resubmit", str(pid), user=OUTSIDER, channel="DOTHER")
    (told,) = await slack_api.wait_for("chat.postEphemeral", user=OUTSIDER)
    assert told.args["text"] == T.NOT_PROPOSER
    assert slack_api.calls_to("views.open", trigger_id="trigger-resubmit") == []


async def test_the_proposer_can_withdraw_and_the_review_post_says_so(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await propose(server)
    ts = review_ts(slack_api)
    await server.click("withdraw", str(pid), user=ANNA, channel=f"D{ANNA}")
    await slack_api.wait_for("chat.postEphemeral", user=ANNA)
    await delivered(server)
    (update,) = slack_api.sent("chat.update")
    assert "Trukket tilbage" in texts(update.args) and not has_buttons(update)
    assert "trukket forslaget tilbage" in texts(thread_replies(slack_api, ts)[-1].args)


async def test_a_crisis_is_urgent_and_the_user_group_decides(
    start_server: Any, slack_api: FakeSlackApi
) -> None:
    slack_api.usergroup_users = ["UGROUPMEMBER"]
    server = await start_server(slack_central_usergroup="S0CENTRAL", slack_central_users=[])
    await slack_api.wait_for("usergroups.users.list")
    pid = await propose(server, crisis=True)
    (post,) = review_posts(slack_api)
    assert "<!subteam^S0CENTRAL>" in post.args["text"]
    assert "HASTER" in texts(post.args)
    await server.click("approve", str(pid), user="UGROUPMEMBER")
    await wait_until(lambda: server.core.workflow.get(pid).status is Status.APPROVED)


async def test_without_a_paid_plan_the_configured_users_still_decide(
    start_server: Any, slack_api: FakeSlackApi
) -> None:
    slack_api.fail("usergroups.users.list", error="paid_only")
    server = await start_server(slack_central_usergroup="S0CENTRAL")
    await wait_until(lambda: bool(slack_api.calls_to("usergroups.users.list")))
    pid = await propose(server)
    await server.click("approve", str(pid), user=CHEF)
    await wait_until(lambda: server.core.workflow.get(pid).status is Status.APPROVED)
    assert len(slack_api.calls_to("usergroups.users.list")) == 1  # given up, not hammered
