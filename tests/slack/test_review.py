"""Deciding in the review channel over real HTTP: who may, what each decision changes in
Slack (thread reply, updated review message, DM), double clicks and resubmission."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

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
    block_action,
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
    """Whether the post offers a decision (approve, ask for changes, reject); a decided one
    offers what comes after, such as "Markér som udgivet"."""
    decisions = {"approve", "request_changes", "reject"}
    return any(element["action_id"] in decisions for block in call.args["blocks"]
               if block["type"] == "actions" for element in block["elements"])


def thread_replies(api: FakeSlackApi, ts: str) -> list[Call]:
    return api.sent("chat.postMessage", channel=REVIEW_CHANNEL, thread_ts=ts)


def dms(api: FakeSlackApi, user: str = ANNA) -> list[Call]:
    return api.sent("chat.postMessage", channel=f"D{user}")


async def reason_modal(
    server: SlackServer, action: str, value: str, *, user: str = CHEF
) -> dict[str, Any]:
    """Click a button that asks for a reason; the modal that opens."""
    api = server.api
    before = len(api.sent("views.open"))
    await server.click(action, value, user=user)
    view = (await api.wait_for("views.open", before + 1))[-1].args["view"]
    assert view["callback_id"] == "decision_reason"
    return dict(view)


async def decide_with_reason(
    server: SlackServer, action: str, pid: int, note: str, *, user: str = CHEF,
    value: str | None = None,
) -> dict[str, Any]:
    """Click a button that asks for a reason, then submit the reason modal."""
    view = await reason_modal(server, action, value or str(pid), user=user)
    reply = await server.submit(view, {"note": note}, user=user)
    return reply.json() or {}


def button_values(call: Call) -> dict[str, str]:
    """action_id -> value of the decision buttons a review post (or its update) shows."""
    return {
        element["action_id"]: element["value"]
        for block in call.args["blocks"] if block["type"] == "actions"
        for element in block["elements"]
    }


def latest_review(api: FakeSlackApi) -> Call:
    """The review post as the channel shows it now: its last update, else the post."""
    return (api.sent("chat.update") or review_posts(api))[-1]


async def sent_back_and_resubmitted(server: SlackServer, pid: int, text: str) -> None:
    """The central team asks for changes on the first revision; the proposer sends `text`."""
    api = server.api
    first = button_values(latest_review(api))
    await decide_with_reason(server, "request_changes", pid, "Ret teksten",
                             value=first["request_changes"])
    await delivered(server)
    await server.click("resubmit", str(pid), user=ANNA, channel=f"D{ANNA}")
    (edit,) = await api.wait_for("views.open", trigger_id="trigger-resubmit")
    reply = await server.send(edit.args["view"], intake_data(text=text))
    assert "rettede udgave" in json.dumps(reply.json(), ensure_ascii=False)
    await delivered(server)


def stored(server: SlackServer, pid: int) -> tuple[object, ...]:
    """What a refused decision must leave as it was: the proposal, its history, the outbox."""
    core = server.core
    proposal = core.workflow.get(pid)
    return (proposal.status, proposal.revision, proposal.history, len(core.store.outbox_rows()))


OUTDATED_V2 = (
    "Forslaget er blevet rettet, siden du så det (nu version 2). "
    "Se den nye tekst i gennemgangen og beslut igen."
)


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
    reply = await server.send(view, intake_data(text="Kortere tekst."))
    assert "rettede udgave" in json.dumps(reply.json(), ensure_ascii=False)
    await delivered(server)

    assert len(review_posts(slack_api)) == 1
    updates = slack_api.sent("chat.update")
    assert [u.args["ts"] for u in updates] == [ts, ts]
    assert has_buttons(updates[-1]) and "Kortere tekst." in texts(updates[-1].args)
    assert "rettet udgave (version 2)" in texts(thread_replies(slack_api, ts)[-1].args)
    assert "Din rettede udgave er sendt til godkendelse" in texts(dms(slack_api)[-1].args)
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


# -- decisions name the revision they were made on ------------------------------------------


async def test_approve_on_a_replaced_revision_is_refused_and_the_current_one_decides(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await propose(server, text="Første udgave af teksten.")
    seen = button_values(latest_review(slack_api))
    assert seen == {"approve": f"{pid}:1", "request_changes": f"{pid}:1", "reject": f"{pid}:1"}
    await sent_back_and_resubmitted(server, pid, "Anden udgave af teksten.")
    current = latest_review(slack_api)  # the same post, updated: the new text and buttons
    assert "Anden udgave af teksten." in texts(current.args)
    assert "Første udgave" not in texts(current.args)
    assert button_values(current)["approve"] == f"{pid}:2"
    before = stored(server, pid)

    await server.click("approve", seen["approve"])
    await server.click("reject", seen["reject"])

    refusals = await slack_api.wait_for("chat.postEphemeral", 2, user=CHEF)
    assert [(c.args["channel"], c.args["text"]) for c in refusals] == [
        (REVIEW_CHANNEL, OUTDATED_V2)
    ] * 2
    assert slack_api.calls_to("views.open", trigger_id="trigger-reject") == []
    await delivered(server)
    assert stored(server, pid) == before  # no decision, no history row, no message

    await server.click("approve", button_values(current)["approve"])
    await wait_until(lambda: server.core.workflow.get(pid).status is Status.APPROVED)
    decided = server.core.workflow.get(pid).history[-1]
    assert (decided.event, decided.revision, decided.actor_id) == ("approved", 2, CHEF)
    await delivered(server)
    assert "Godkendt" in texts(latest_review(slack_api).args)


async def test_a_reason_written_on_a_replaced_revision_is_refused_in_its_form(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await propose(server, text="Første udgave af teksten.")
    seen = button_values(latest_review(slack_api))
    stale = await reason_modal(server, "reject", seen["reject"])  # left open meanwhile
    assert json.loads(stale["private_metadata"]) == {
        "proposal_id": pid, "decision": "reject", "revision": 1
    }
    await sent_back_and_resubmitted(server, pid, "Anden udgave af teksten.")
    before = stored(server, pid)

    reply = await server.submit(stale, {"note": "Passer ikke"}, user=CHEF)

    assert reply.json() == {"response_action": "errors", "errors": {"note": OUTDATED_V2}}
    await delivered(server)
    assert stored(server, pid) == before

    current = button_values(latest_review(slack_api))["reject"]
    assert await decide_with_reason(server, "reject", pid, "Passer ikke", value=current) == {}
    decided = server.core.workflow.get(pid).history[-1]
    assert (decided.event, decided.revision, decided.note) == ("rejected", 2, "Passer ikke")


async def click_legacy(server: SlackServer, pid: int, block_id: str) -> None:
    """Approve on a post from before values carried the revision: the number alone."""
    payload = block_action("approve", str(pid), CHEF, REVIEW_CHANNEL, "1.0")
    payload["actions"][0]["block_id"] = block_id
    assert (await server.post_payload(payload)).status == 200


async def test_buttons_posted_before_values_carried_the_revision(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    """Such a post's actions block is named after the revision it showed ("review-7-2"): the
    one it was clicked on. Without that name the post can only be from the first revision."""
    pid = await propose(server)
    await sent_back_and_resubmitted(server, pid, "Anden udgave af teksten.")
    before = stored(server, pid)

    await click_legacy(server, pid, f"review-{pid}-1")
    await click_legacy(server, pid, "b")
    await click_legacy(server, pid, f"review-{pid + 1}-2")  # another proposal's block

    refusals = await slack_api.wait_for("chat.postEphemeral", 3, user=CHEF)
    assert {c.args["text"] for c in refusals} == {OUTDATED_V2}
    assert stored(server, pid) == before

    await click_legacy(server, pid, f"review-{pid}-2")
    await wait_until(lambda: server.core.workflow.get(pid).status is Status.APPROVED)
    assert server.core.workflow.get(pid).history[-1].revision == 2


@pytest.mark.parametrize("value, answer", [
    ("{pid}:", "findes ikke"),
    (":1", "findes ikke"),
    ("{pid}:1:1", "findes ikke"),
    ("{pid}:x", "findes ikke"),
    ("{pid}:-1", "findes ikke"),
    ("{pid}: 1", "findes ikke"),
    ("{pid}:1.0", "findes ikke"),
    ("{pid}:\u0661", "findes ikke"),  # Arabic-Indic one: a digit to str.isdigit, not to us
    ("{pid}:" + "9" * 20, "findes ikke"),
    ("{pid}:0", "beslut igen"),
    ("{pid}:2", "beslut igen"),  # a revision that doesn't exist yet
])
async def test_a_forged_revision_in_a_button_decides_nothing(
    server: SlackServer, slack_api: FakeSlackApi, value: str, answer: str
) -> None:
    pid = await propose(server)
    before = stored(server, pid)
    forged = value.format(pid=pid)

    for action in ("approve", "reject"):
        await server.click(action, forged)

    refusals = await slack_api.wait_for("chat.postEphemeral", 2, user=CHEF)
    assert all(answer in call.args["text"] for call in refusals), refusals
    assert slack_api.calls_to("views.open", trigger_id="trigger-reject") == []
    assert stored(server, pid) == before
