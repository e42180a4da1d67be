"""From approved to published (issue 12 §6), as Slack drives it: "Markér som udgivet" with a
link per platform, "Tag ned" with a reason, the reminder on the planned day (exactly once,
across a restart and with two servers) and the review reminders' rhythm past the SLA."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot import readout
from bot.proposal import Actor, Decision
from bot.workflow import BAD_LINK, CENTRAL_REVIEWERS, NO_LINKS, NOT_PUBLISHER
from handlers.slack import ids
from opslag.server import SCHEDULER_KEY
from policy import parse_intake
from tests.conftest import FakeClock, intake_data
from tests.fakes.slack_api import Call, FakeSlackApi
from tests.slack.conftest import StartServer
from tests.slack.helpers import (
    ANNA,
    CHEF,
    REVIEW_CHANNEL,
    SlackServer,
    delivered,
    propose,
    texts,
)

SLACK_CHEF = Actor(platform="slack", user_id=CHEF, name="chef")
POST = "https://www.facebook.com/norddjurs/posts/123"
# The test clock starts Monday 23 November 2026, 09:00 UTC (10:00 in Copenhagen).
TODAY = "2026-11-23"


async def approved(server: SlackServer, **overrides: Any) -> int:
    pid = await propose(server, **overrides)
    await server.core.run(server.core.workflow.decide, pid, Decision.APPROVE, SLACK_CHEF)
    await delivered(server)
    return pid


def told(api: FakeSlackApi, before: int) -> str:
    """What the clicker alone was told since `before` ephemeral messages."""
    return " ".join(str(c.args.get("text")) for c in api.sent("chat.postEphemeral")[before:])


def buttons(call: Call) -> list[str]:
    return [e["action_id"] for b in call.args["blocks"] if b["type"] == "actions"
            for e in b["elements"]]


def dms(api: FakeSlackApi, user: str) -> list[Call]:
    return api.sent("chat.postMessage", channel=f"D{user}")


def thread_replies(api: FakeSlackApi) -> list[Call]:
    return [c for c in api.sent("chat.postMessage", channel=REVIEW_CHANNEL)
            if "thread_ts" in c.args]


async def open_publish_form(server: SlackServer, pid: int, *, user: str = CHEF,
                            channel: str = REVIEW_CHANNEL) -> dict[str, Any]:
    before = len(server.api.calls_to("views.open"))
    assert (await server.click(ids.PUBLISH, str(pid), user=user, channel=channel)).status == 200
    calls = await server.api.wait_for("views.open", before + 1)
    return dict(calls[-1].args["view"])


async def test_an_approved_post_is_marked_published_with_its_links(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await approved(server)
    (update,) = slack_api.sent("chat.update")
    assert buttons(update) == [ids.PUBLISH, ids.TAKE_DOWN]

    form = await open_publish_form(server, pid)
    inputs = [b["block_id"] for b in form["blocks"] if b["type"] == "input"]
    assert ids.link_block("facebook") in inputs and len(inputs) >= 3
    reply = await server.submit(form, {ids.link_block("facebook"): POST}, user=CHEF)
    assert reply.status == 200 and reply.body == ""  # the modal closes
    await delivered(server)

    proposal = server.core.workflow.get(pid)
    assert proposal.status == "published"
    assert proposal.publication is not None and proposal.publication.links == {"facebook": POST}
    assert (proposal.history[-1].event, proposal.history[-1].details) == (
        "published", {"links": {"facebook": POST}})
    post = slack_api.sent("chat.update")[-1]
    assert f"<{POST}>" in texts(post.args) and "Udgivet af <@UCHEF>" in texts(post.args)
    assert buttons(post) == [ids.TAKE_DOWN]  # published: only "Tag ned" is left
    assert "har markeret opslaget som udgivet" in texts(thread_replies(slack_api)[-1].args)
    notice = dms(slack_api, ANNA)[-1]
    assert f"Dit forslag nr. {pid} er udgivet" in texts(notice.args)
    assert f"<{POST}>" in texts(notice.args) and buttons(notice) == [ids.TAKE_DOWN]


async def test_only_the_approver_and_the_publishers_may_mark_it_published(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await approved(server)
    opened = len(slack_api.calls_to("views.open"))
    ephemeral = len(slack_api.sent("chat.postEphemeral"))
    await server.click(ids.PUBLISH, str(pid), user=ANNA)
    await slack_api.wait_for("chat.postEphemeral", ephemeral + 1)
    assert told(slack_api, ephemeral) == NOT_PUBLISHER.format(reviewers=CENTRAL_REVIEWERS)
    assert len(slack_api.calls_to("views.open")) == opened  # no form for them

    # A form someone else got hold of is refused all the same, and nothing is stored.
    form = await open_publish_form(server, pid)
    reply = await server.submit(form, {ids.link_block("facebook"): POST}, user=ANNA)
    assert reply.json()["response_action"] == "errors"
    assert server.core.workflow.get(pid).status == "approved"


async def test_a_form_without_links_or_with_a_bad_one_stores_nothing(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await approved(server)
    form = await open_publish_form(server, pid)
    empty = await server.submit(form, {}, user=CHEF)
    assert list(empty.json()["errors"].values()) == [NO_LINKS]
    bad = await server.submit(form, {ids.link_block("linkedin"): "javascript:alert(1)"},
                              user=CHEF)
    assert list(bad.json()["errors"].values()) == [BAD_LINK.format(platform="LinkedIn")]
    proposal = server.core.workflow.get(pid)
    assert (proposal.status, proposal.publication) == ("approved", None)
    assert [e.event for e in proposal.history] == ["submitted", "approved"]


async def test_a_second_marking_changes_nothing(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await approved(server)
    form = await open_publish_form(server, pid)
    await server.submit(form, {ids.link_block("facebook"): POST}, user=CHEF)
    again = await server.submit(form, {ids.link_block("instagram"): POST}, user=CHEF)
    assert "allerede udgivet" in str(again.json()["errors"])
    assert server.core.workflow.get(pid).publication.links == {"facebook": POST}  # type: ignore[union-attr]


async def test_the_proposer_takes_it_down_and_the_publisher_gets_the_links(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await approved(server)
    form = await open_publish_form(server, pid)
    await server.submit(form, {ids.link_block("facebook"): POST}, user=CHEF)
    await delivered(server)

    # From the notice in the proposer's own DM: "Tag ned", and why.
    before = len(slack_api.calls_to("views.open"))
    await server.click(ids.TAKE_DOWN, str(pid), user=ANNA, channel=f"D{ANNA}")
    (call,) = (await slack_api.wait_for("views.open", before + 1))[before:]
    modal = dict(call.args["view"])
    assert modal["title"]["text"] == readout.TAKE_DOWN_TITLE
    refused = await server.submit(modal, {ids.TAKEDOWN_BLOCK: "  "}, user=ANNA)
    assert "Skriv, hvorfor opslaget skal tages ned." in str(refused.json()["errors"])
    reason = "Forælderen har trukket samtykket tilbage"
    assert (await server.submit(modal, {ids.TAKEDOWN_BLOCK: reason}, user=ANNA)).body == ""
    await delivered(server)

    proposal = server.core.workflow.get(pid)
    assert proposal.status == "taken_down" and proposal.takedown is not None
    assert (proposal.takedown.by.user_id, proposal.takedown.reason) == (ANNA, reason)
    last = proposal.history[-1]
    assert (last.event, last.actor_id, last.note, last.details) == (
        "taken_down", ANNA, reason, {"links": {"facebook": POST}})
    # The publisher (the chef) is told what to remove, where, and why.
    notice = texts(dms(slack_api, CHEF)[-1].args)
    assert f"Opslaget fra forslag nr. {pid} skal tages ned" in notice
    assert f"<{POST}>" in notice and reason in notice and "<@UANNA> bad om det" in notice
    post = texts(slack_api.sent("chat.update")[-1].args)
    assert "Skal tages ned: <@UANNA> bad om det" in post and reason in post
    assert buttons(slack_api.sent("chat.update")[-1]) == []
    assert "har bedt om at få opslaget taget ned" in texts(thread_replies(slack_api)[-1].args)


async def test_an_outsider_cannot_take_it_down(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await approved(server)
    ephemeral = len(slack_api.sent("chat.postEphemeral"))
    await server.click(ids.TAKE_DOWN, str(pid), user="UOUTSIDER")
    await slack_api.wait_for("chat.postEphemeral", ephemeral + 1)
    assert told(slack_api, ephemeral).startswith("Kun forslagsstilleren")
    assert server.core.workflow.get(pid).status == "approved"


# -- the reminder on the planned day -------------------------------------------------------------


async def test_the_publish_reminder_comes_once_across_a_restart_and_two_servers(
    start_server: StartServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    first = await start_server(background=False, opslag_reminders=True)
    clock.now = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)  # the day before
    pid = await first.core.run(_approve_planned, first, "2026-11-23")
    assert first.app[SCHEDULER_KEY].remind() == 0  # not its day yet

    clock.now = dt.datetime(2026, 11, 23, 6, 30, tzinfo=dt.UTC)  # 07:30 in Copenhagen
    assert first.app[SCHEDULER_KEY].remind() == 0  # its day, but not yet 08:00
    clock.now = dt.datetime(2026, 11, 23, 7, 5, tzinfo=dt.UTC)  # 08:05
    second = await start_server(background=False, opslag_reminders=True)  # on the same file
    sent = [first.app[SCHEDULER_KEY].remind(), second.app[SCHEDULER_KEY].remind(),
            first.app[SCHEDULER_KEY].remind()]
    await first.stop()
    restarted = await start_server(background=False, opslag_reminders=True)
    sent.append(restarted.app[SCHEDULER_KEY].remind())
    assert sorted(sent) == [0, 0, 0, 1]
    while await restarted.core.outbox.run_once():
        pass

    (reminder,) = [c for c in dms(slack_api, CHEF) if "planlagte dag" in texts(c.args)]
    assert f"I dag er den planlagte dag for forslag nr. {pid}" in texts(reminder.args)
    assert buttons(reminder) == [ids.PUBLISH]
    events = [e.event for e in restarted.core.workflow.get(pid).history]
    assert events.count("publish_reminded") == 1

    # Its button opens the form, and the form marks it published.
    form = await open_publish_form(restarted, pid, channel=f"D{CHEF}")
    await restarted.submit(form, {ids.link_block("facebook"): POST}, user=CHEF)
    assert restarted.core.workflow.get(pid).status == "published"

    # The reminder itself then says so, without its button (a second click has nothing to do).
    while await restarted.core.outbox.run_once():
        pass
    (settled,) = slack_api.sent("chat.update", channel=f"D{CHEF}")
    assert settled.args["ts"] == reminder.response["ts"]
    assert buttons(settled) == []
    assert "har markeret opslaget som udgivet. Der er ikke mere at gøre her" in texts(
        settled.args)


async def test_a_post_never_reminded_has_no_reminder_to_settle(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await approved(server)
    await server.core.run(server.core.workflow.take_down, pid, SLACK_CHEF, "Fejl i teksten")
    await delivered(server)
    kinds = [row.kind for row in server.core.store.outbox_rows()]
    assert "takedown_notice" in kinds and "publish_reminder_update" not in kinds
    assert slack_api.sent("chat.update", channel=f"D{CHEF}") == []


def _approve_planned(server: SlackServer, day: str) -> int:
    workflow = server.core.workflow
    anna = Actor(platform="slack", user_id=ANNA, name="anna")
    pid = workflow.submit(parse_intake(intake_data(planned_for=day)), anna).id
    workflow.decide(pid, Decision.APPROVE, SLACK_CHEF)
    return pid


# -- review reminders past the SLA ---------------------------------------------------------------


async def test_review_reminders_come_once_a_working_day_past_the_sla(
    start_server: StartServer, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    server = await start_server(background=False, opslag_reminders=True,
                                opslag_review_sla_hours=24)
    scheduler = server.app[SCHEDULER_KEY]
    # Proposed Thursday 26 November at 14:00 in Copenhagen.
    clock.now = dt.datetime(2026, 11, 26, 13, 0, tzinfo=dt.UTC)
    pid = await server.core.run(_propose_only, server)

    def at(day: int, hour: int, minute: int = 0) -> int:
        """Run a round of reminders at this local (winter time: UTC+1) moment."""
        clock.now = dt.datetime(2026, 11, day, hour - 1, minute, tzinfo=dt.UTC)
        return scheduler.remind()

    assert at(27, 13) == 0  # Friday 13:00: 23 hours, not past the SLA yet
    assert at(27, 14, 5) == 1  # Friday 14:05: past it, in working hours
    assert at(27, 15) == 0  # at most one a day
    assert at(28, 10) == 0  # Saturday
    assert at(29, 10) == 0  # Sunday
    assert at(30, 7, 59) == 0  # Monday before working hours
    assert at(30, 8) == 1  # Monday 08:00
    # A second server on the same file, and a restarted one, know it was reminded today.
    other = await start_server(background=False, opslag_reminders=True,
                               opslag_review_sla_hours=24)
    assert other.app[SCHEDULER_KEY].remind() == 0
    await other.stop()
    assert (await start_server(background=False, opslag_reminders=True,
                               opslag_review_sla_hours=24)).app[SCHEDULER_KEY].remind() == 0
    assert at(30, 16) == 0  # after working hours, and reminded today already
    server.core.workflow.decide(pid, Decision.APPROVE, SLACK_CHEF)
    clock.now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    assert scheduler.remind() == 0  # decided: no more
    while await server.core.outbox.run_once():
        pass

    reminders = [c for c in thread_replies(slack_api) if "Påmindelse" in texts(c.args)]
    assert len(reminders) == 2
    assert "<@UCHEF>: tag stilling til det" in texts(reminders[0].args)
    assert "har ventet på godkendelse i 24 timer" in texts(reminders[0].args)
    history = server.core.workflow.get(pid).history
    reminded = [e for e in history if e.event == "reminded"]
    assert [e.details["reviewers"] for e in reminded] == [{"slack": [CHEF]}] * 2


def _propose_only(server: SlackServer) -> int:
    anna = Actor(platform="slack", user_id=ANNA, name="anna")
    return server.core.workflow.submit(parse_intake(intake_data()), anna).id
