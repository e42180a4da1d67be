"""The department route (issue 12 §2), as Slack drives it: a department's own post is reviewed
in its channel by its reviewers; a reviewer of another department is refused; the central
team may step in; "Bed Kommunikation om hjælp" moves it to the central review; a department
without reviewers, and a crisis, go to the central team."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot import readout
from handlers.slack import ids
from handlers.slack import text as T
from handlers.slack.views import intake_modal
from tests.conftest import intake_data
from tests.fakes.slack_api import Call, FakeSlackApi
from tests.slack.conftest import StartServer
from tests.slack.helpers import (
    ANNA,
    CHEF,
    REVIEW_CHANNEL,
    SlackServer,
    advice_of,
    delivered,
    open_modal,
    propose,
    texts,
)

SCHOOL_CHANNEL, SCHOOL_REVIEWER = "CSKOLE", "USKOLE"
DEPARTMENT_NAMES = ("Børn og Skole", "Teknik og Miljø", "Kultur og Fritid")
OTHER_REVIEWER = "UTEKNIK"
DEPARTMENTS = f"""
departments:
  - name: Børn og Skole
    profiles: ["Aula til forældrene"]
    review_channel: {{slack: {SCHOOL_CHANNEL}}}
    reviewers: {{slack: [{SCHOOL_REVIEWER}]}}
  - name: Teknik og Miljø
    review_channel: {{slack: CTEKNIK}}
    reviewers: {{slack: [{OTHER_REVIEWER}]}}
  - name: Kultur og Fritid
"""
# One school's event: the department's own channels, by the strategy's koncernlinjen.
SCHOOL_EVENT = {"content_type": "begivenhed", "theme": "andet", "audience": ["borgere"],
                "title": "Julemarked på Auning Skole", "department": "Børn og Skole",
                "text": "Kom til julemarked på Auning Skole fredag kl. 16."}


@pytest.fixture
async def server(start_server: StartServer, tmp_path: Path) -> SlackServer:
    path = tmp_path / "afdelinger.yaml"
    path.write_text(DEPARTMENTS, encoding="utf-8")
    return await start_server(opslag_departments=path)


def posts_in(api: FakeSlackApi, channel: str) -> list[Call]:
    return [c for c in api.sent("chat.postMessage", channel=channel)
            if "thread_ts" not in c.args and "Forslag nr." in texts(c.args)]


def buttons(call: Call) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in call.args["blocks"] if b["type"] == "actions"
            for e in b["elements"]}


async def click(server: SlackServer, action: str, value: str, user: str, channel: str) -> str:
    """A button pressed in `channel`; what the clicker alone is told ("" for nothing)."""
    before = len(server.api.sent("chat.postEphemeral"))
    reply = await server.click(action, value, user=user, channel=channel)
    assert reply.status == 200
    await delivered(server)
    told = server.api.sent("chat.postEphemeral")[before:]
    return " ".join(str(c.args.get("text")) for c in told)


async def test_the_departments_own_post_is_decided_in_its_channel_by_its_reviewer(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await propose(server, **SCHOOL_EVENT)
    proposal = server.core.workflow.get(pid)
    assert proposal.review_route == "department"
    assert proposal.recommendation.summary[1] == "Godkendes af: Børn og Skole."
    (post,) = posts_in(slack_api, SCHOOL_CHANNEL)
    assert posts_in(slack_api, REVIEW_CHANNEL) == []  # not in the central team's queue
    value = buttons(post)[ids.APPROVE]
    assert ids.ASK_CENTRAL in buttons(post)

    refused = await click(server, ids.APPROVE, value, OTHER_REVIEWER, SCHOOL_CHANNEL)
    assert "Kun godkenderne i Børn og Skole" in refused
    assert server.core.workflow.get(pid).status == "pending"

    assert await click(server, ids.APPROVE, value, SCHOOL_REVIEWER, SCHOOL_CHANNEL) == ""
    assert server.core.workflow.get(pid).status == "approved"
    (reply,) = slack_api.sent("chat.postMessage", channel=SCHOOL_CHANNEL,
                              thread_ts=post.response["ts"])
    assert f"<@{SCHOOL_REVIEWER}> har godkendt forslaget" in texts(reply.args)


async def test_the_central_team_may_always_step_in(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await propose(server, **SCHOOL_EVENT)
    (post,) = posts_in(slack_api, SCHOOL_CHANNEL)
    assert await click(server, ids.APPROVE, buttons(post)[ids.APPROVE], CHEF,
                       SCHOOL_CHANNEL) == ""
    decided = server.core.workflow.get(pid)
    assert decided.status == "approved" and decided.decided_by.user_id == CHEF


async def test_asking_for_help_moves_it_to_the_central_review_with_a_line_in_the_history(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await propose(server, **SCHOOL_EVENT)
    (post,) = posts_in(slack_api, SCHOOL_CHANNEL)
    value = buttons(post)[ids.APPROVE]

    told = await click(server, ids.ASK_CENTRAL, str(pid), SCHOOL_REVIEWER, SCHOOL_CHANNEL)
    assert readout.ASK_CENTRAL_DONE.format(id=pid) in told
    moved = server.core.workflow.get(pid)
    assert moved.review_route == "central"
    assert [e.event for e in moved.history][-1] == "moved_to_central"
    # The department's post loses its buttons and says where it went; its thread is told.
    (update,) = slack_api.sent("chat.update", channel=SCHOOL_CHANNEL)
    assert readout.MOVED in texts(update.args) and not buttons(update)
    (line,) = slack_api.sent("chat.postMessage", channel=SCHOOL_CHANNEL,
                             thread_ts=post.response["ts"])
    assert "hjælp fra Kommunikation" in texts(line.args)
    (central,) = posts_in(slack_api, REVIEW_CHANNEL)
    assert ids.ASK_CENTRAL not in buttons(central)

    # Now the central team decides; the department's reviewer no longer may.
    refused = await click(server, ids.APPROVE, value, SCHOOL_REVIEWER, SCHOOL_CHANNEL)
    assert refused == T.NOT_CENTRAL
    assert await click(server, ids.APPROVE, buttons(central)[ids.APPROVE], CHEF,
                       REVIEW_CHANNEL) == ""
    assert server.core.workflow.get(pid).status == "approved"
    # Again: nothing changes.
    assert await click(server, ids.ASK_CENTRAL, str(pid), SCHOOL_REVIEWER, SCHOOL_CHANNEL)
    assert len(posts_in(slack_api, REVIEW_CHANNEL)) == 1


async def test_the_proposer_may_ask_for_help_from_the_receipt(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await propose(server, **SCHOOL_EVENT)
    (receipt,) = slack_api.sent("chat.postMessage", channel=f"D{ANNA}")
    assert buttons(receipt)[ids.ASK_CENTRAL] == str(pid)
    await click(server, ids.ASK_CENTRAL, str(pid), ANNA, f"D{ANNA}")
    assert server.core.workflow.get(pid).review_route == "central"
    assert len(posts_in(slack_api, REVIEW_CHANNEL)) == 1


@pytest.mark.parametrize("overrides", [
    {"department": "Kultur og Fritid"},  # in the file, without reviewers
    {"department": None},  # no department named
    {"crisis": True},  # a crisis is always the central team's
])
async def test_without_the_departments_reviewers_it_goes_to_the_central_team(
    server: SlackServer, slack_api: FakeSlackApi, overrides: dict[str, Any]
) -> None:
    pid = await propose(server, **{**SCHOOL_EVENT, **overrides})
    proposal = server.core.workflow.get(pid)
    assert proposal.review_route == "central"
    assert len(posts_in(slack_api, REVIEW_CHANNEL)) == 1
    assert posts_in(slack_api, SCHOOL_CHANNEL) == []
    if not overrides.get("crisis"):  # the proposer is told why, in the advice they read
        advice = proposal.recommendation
        assert "ingen godkendere i Opslag" in advice.review.reason
        assert advice.summary[1].startswith("Godkendes af: Den centrale kommunikationsafdeling")


async def test_the_modal_offers_the_departments_as_a_choice(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    """Issue 12 §1: with a departments file, "Hvilken afdeling…" is a choice from it in the
    Slack modal, and the chosen department routes the proposal."""
    view = await open_modal(server)
    (block,) = [b for b in view["blocks"] if b.get("block_id") == "department"]
    assert block["element"]["type"] == "static_select"
    assert tuple(o["value"] for o in block["element"]["options"]) == DEPARTMENT_NAMES
    answers = intake_data(**SCHOOL_EVENT)
    # The modal as Slack shows it once the media answer has added its questions.
    view = {**view, "id": "VDEPT",
            "blocks": intake_modal(answers, departments=DEPARTMENT_NAMES)["blocks"]}
    shown = advice_of(await server.submit(view, answers))
    assert shown is not None
    reply = await server.press_send(shown, "VDEPT")
    assert reply.status == 200 and "sendt til godkendelse" in reply.body
    await delivered(server)
    proposal = server.core.store.list_proposals()[-1]
    assert (proposal.intake.department, proposal.review_route) == ("Børn og Skole", "department")
    assert len(posts_in(slack_api, SCHOOL_CHANNEL)) == 1
