"""What reviewers and proposers see of a user's text is that text, verbatim: every Slack payload
the bot sends holds user strings only where Slack shows them as written.

A user's text may sit in a plain_text object, or in a mrkdwn object with `"verbatim": true`
(escaped: `&lt;!channel&gt;` shows as typed, pings nobody), or in a field Slack doesn't render
(a modal's private_metadata, an input's initial_value). A message's top-level `text` is the
notification and fallback text; Slack renders it as mrkdwn and it can't be verbatim, so there
a user's text must be escaped (`handlers.slack.mrkdwn.escape`/`escaped`), and we never send
`link_names`, so a bare "@channel" stays text. Anywhere else, e.g. a mrkdwn object without
verbatim (Slack would link URLs and names in it by itself), is a failure.

One run of the whole life of proposals through the real server and the fake Web API: every
kind of message the Slack sender delivers, the modals and their updates, the acks of commands
and submissions. Each user field carries a marker ("MARK-…") behind a mention Slack would act
on; the test walks the JSON of every recorded call and finds each marker.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bot import digest, schedule
from bot.platform import Kind
from bot.proposal import Actor
from handlers.slack import ids
from opslag.server import SCHEDULER_KEY
from policy import parse_intake
from tests.conftest import FakeClock, intake_data
from tests.fakes.slack_api import TEAM, FakeSlackApi, wait_until
from tests.slack.helpers import (
    ANNA,
    CHEF,
    REVIEW_CHANNEL,
    Reply,
    SlackServer,
    delivered,
    review_posts,
    user,
    view_action,
    view_submission,
)

# Every free-text answer, each behind a mention or link Slack would act on if it were live.
MARKS = {
    "title": "<!channel> MARK-title",
    "department": "<!here> MARK-dept",
    "alt_text": "<@U0FORGED> MARK-alt",
    "text": "<!everyone> MARK-text se https://evil.example/MARK-url og <https://evil.example|"
            "norddjurs.dk>",
    "link": "https://norddjurs.dk/MARK-link",
}
NAME = "<!channel> MARK-name"  # the proposer's Slack name (shown where a mention can't be)
TEAMS_NAME = "<!here> MARK-teams"  # a proposer on Teams, shown by name in Slack
NOTE = "<!here> MARK-note <@U0FORGED>"  # a reviewer's reason
DRAFT = "<!channel> MARK-draft"  # the slash command's text, the modal's draft
SHARED = "<!here> MARK-shared"  # a message proposed through the message shortcut
LINK = "https://www.facebook.com/norddjurs/MARK-published<!channel>"  # a published post's link
MARKERS = ("MARK-title", "MARK-dept", "MARK-alt", "MARK-text", "MARK-url", "MARK-link",
           "MARK-name", "MARK-teams", "MARK-note", "MARK-draft", "MARK-shared", "MARK-published")
# What a user typed and Slack would act on: never raw in anything rendered as mrkdwn.
LIVE = ("<!channel>", "<!here>", "<!everyone>", "<@U0FORGED>", "<https://evil.example")
# Fields that hold a user's text but are not shown as mrkdwn (and their element types).
UNRENDERED: dict[str, tuple[str, ...]] = {
    "private_metadata": (), "initial_value": ("plain_text_input", "url_text_input"),
}
# Calls whose top-level `text` is a message's notification and fallback text.
MESSAGES = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url", "ack")


def misplaced(source: str, payload: Any) -> list[str]:
    """Every user string in `payload` (a call's arguments or an ack) outside plain_text,
    verbatim mrkdwn or an unrendered field; every live mention in rendered mrkdwn."""
    problems: list[str] = []

    def visit(node: Any, parent: dict[str, Any] | None, key: str, top: bool) -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                visit(value, node, name, node is payload)
        elif isinstance(node, list):
            for item in node:
                visit(item, None, key, False)
        elif isinstance(node, str):
            problems.extend(f"{source}: {p}" for p in _placement(node, parent, key, top, source))

    visit(payload, None, "", False)
    return problems


def _placement(text: str, parent: dict[str, Any] | None, key: str, top: bool,
               source: str) -> list[str]:
    kind = parent.get("type") if parent is not None else None
    rendered_mrkdwn = (kind == "mrkdwn" and key == "text") or (
        top and key == "text" and source.split(" ")[0] in MESSAGES)
    problems = [f"live {live!r} in mrkdwn {text[:120]!r}" for live in LIVE
                if rendered_mrkdwn and live in text]
    if not any(marker in text for marker in MARKERS):
        return problems
    if kind == "plain_text" and key == "text":
        return problems
    if kind == "mrkdwn" and key == "text":
        if parent is not None and parent.get("verbatim") is not True:
            problems.append(f"user text in mrkdwn without verbatim: {text[:120]!r}")
        return problems
    if rendered_mrkdwn:  # the top-level text: escaped is all it can be
        return problems
    if key in UNRENDERED and (not UNRENDERED[key] or kind in UNRENDERED[key]):
        return problems
    return [*problems, f"user text in {kind or 'a list'}.{key}: {text[:120]!r}"]


# -- driving it as users do ------------------------------------------------------------------


class Session:
    """The server, the fake API and every ack the server answered with."""

    def __init__(self, server: SlackServer) -> None:
        self.server = server
        self.api: FakeSlackApi = server.api
        self.acks: list[tuple[str, Any]] = []

    def _ack(self, what: str, reply: Reply) -> Any:
        assert reply.status == 200, (what, reply.body[:300])
        body = reply.json()
        if body is not None:
            self.acks.append((what, body))
        return body

    async def command(self, text: str, *, user: str = ANNA) -> Any:
        return self._ack(f"/foreslå-opslag {text[:20]}", await self.server.command(text, user=user))

    async def modal(self, trigger_id: str, count: int = 1) -> dict[str, Any]:
        calls = await self.api.wait_for("views.open", count, trigger_id=trigger_id)
        return dict(calls[-1].args["view"])

    async def submit(self, view: dict[str, Any], answers: dict[str, Any], *, user: str = ANNA,
                     name: str | None = None) -> Any:
        payload = view_submission(view, answers, user)
        if name is not None:
            payload["user"]["name"] = payload["user"]["username"] = name
        return self._ack(f"submit {view.get('callback_id')}",
                         await self.server.post_payload(payload))

    async def send(self, view: dict[str, Any], answers: dict[str, Any], *,
                   name: str) -> Any:
        """The questions answered, then Send pressed on the advice they are answered with."""
        view = {**view, "id": view.get("id") or f"V{len(self.acks)}"}
        advice = await self.submit(view, answers, name=name)
        assert advice["view"]["callback_id"] == ids.ADVICE_VIEW, advice
        return await self.submit({**advice["view"], "id": view["id"]}, {}, name=name)

    async def click(self, action_id: str, value: str, *, user: str = CHEF,
                    channel: str = REVIEW_CHANNEL) -> None:
        self._ack(f"click {action_id}",
                  await self.server.click(action_id, value, user=user, channel=channel))

    async def propose(self, answers: dict[str, Any]) -> int:
        """The slash command with a draft, then the modal submitted by ANNA (named NAME)."""
        opened = len(self.api.calls_to("views.open", trigger_id=f"trigger-{ANNA}"))
        await self.command(DRAFT)
        view = await self.modal(f"trigger-{ANNA}", opened + 1)
        answer = await self.send(view, answers, name=NAME)
        assert answer["response_action"] == "update", answer
        await delivered(self.server)
        return self.server.core.store.list_proposals()[-1].id

    def button(self, action_id: str, pid: int) -> str:
        """The value of a decision button on proposal `pid`'s review message as it is now."""
        shown = [element["value"]
                 for call in [*review_posts(self.api), *self.api.sent("chat.update")]
                 for block in call.args["blocks"] if block["type"] == "actions"
                 for element in block["elements"]
                 if element["action_id"] == action_id
                 and element["value"].split(":")[0] == str(pid)]
        return shown[-1]

    def payloads(self) -> list[tuple[str, Any]]:
        calls = [(f"{call.method} {call.args.get('channel', '')}".strip(), call.args)
                 for call in self.api.calls]
        return calls + [(f"ack {what}", body) for what, body in self.acks]


async def whole_life(session: Session, clock: FakeClock) -> None:
    server, core = session.server, session.server.core
    next_week = (clock() + dt.timedelta(days=2)).date().isoformat()  # in this week's digest

    # A proposal sent back with a reason, edited (the modal redrawn), resubmitted, approved.
    first = await session.propose(intake_data(**MARKS, planned_for=next_week))
    await session.click("request_changes", session.button("request_changes", first))
    reason = await session.modal("trigger-request_changes")
    await session.submit(reason, {ids.REASON_BLOCK: NOTE}, user=CHEF)
    await delivered(server)
    await session.click("resubmit", str(first), user=ANNA, channel=f"D{ANNA}")
    edit = await session.modal("trigger-resubmit")
    redraw = view_action(edit, {**intake_data(**MARKS), "content_type": "jobopslag"},
                         "content_type")
    session._ack("form change", await server.post_payload(redraw))
    await session.api.wait_for("views.update")
    await session.send(edit, intake_data(**MARKS, planned_for=next_week), name=NAME)
    await delivered(server)
    approve = session.button("approve", first)
    await session.click("approve", approve)
    await delivered(server)
    await session.click("approve", approve)  # again: "already approved", only the chef sees it

    # Published with a link, then taken down by its proposer (consent withdrawn): the
    # publisher is told with the links and the reason.
    await session.click("publish", session.button("publish", first))
    links = await session.modal("trigger-publish")
    await session.submit(links, {ids.link_block("facebook"): LINK}, user=CHEF)
    await delivered(server)
    await session.click("take_down", str(first), user=ANNA, channel=f"D{ANNA}")
    await session.submit(await session.modal("trigger-take_down"), {ids.TAKEDOWN_BLOCK: NOTE},
                         user=ANNA, name=NAME)
    await delivered(server)

    # One rejected, one approved without a date (the digest's tray), one pending from Teams.
    rejected = await session.propose(intake_data(**MARKS))
    await session.click("reject", session.button("reject", rejected))
    await session.submit(await session.modal("trigger-reject"), {ids.REASON_BLOCK: NOTE},
                         user=CHEF)
    await delivered(server)
    undated = await session.propose(intake_data(**MARKS, planned_for=None))
    await session.click("approve", session.button("approve", undated))
    # Its image has no alt text (the modal was not redrawn for it): approved anyway, with a
    # reason.
    await session.submit(await session.modal("trigger-approve"), {ids.REASON_BLOCK: NOTE},
                         user=CHEF)
    teams = Actor(platform="teams", user_id="aad-teams", name=TEAMS_NAME)
    waiting = core.workflow.submit(parse_intake(intake_data(**MARKS)), teams, source="teams")
    await delivered(server)
    # Reminders: to publish the undated one (as on its day), to review the one from Teams.
    await wait_until(lambda: core.workflow.get(undated).status == "approved")
    assert core.workflow.remind_publisher(undated, clock().date())
    assert core.workflow.remind_reviewers(waiting.id, clock().date(), dt.timedelta(hours=50))
    await delivered(server)
    # ... then stopped before it went out: the publish reminder says so, without its button.
    chef = Actor(platform="slack", user_id=CHEF, name=NAME)
    assert core.workflow.take_down(undated, chef, NOTE).changed
    await delivered(server)

    # A crisis nobody decides: the channel is alerted and each central member by DM; the DM
    # to the chef can't be delivered, so the central team gets a notice about it.
    session.api.fail("chat.postMessage", error="user_not_found", channel=f"D{CHEF}")
    await session.propose(intake_data(**MARKS, crisis=True))
    clock.advance(minutes=core.settings.opslag_crisis_escalate_minutes + 1)
    server.app[SCHEDULER_KEY].escalate()
    await delivered(server)

    # A message proposed through the shortcut; a modal that can't open (its trigger expired)
    # is explained through the response_url; a mention is answered with help.
    await server.post_payload({
        "type": "message_action", "callback_id": ids.SHORTCUT, "trigger_id": "trigger-sc",
        "team": {"id": TEAM}, "user": user(ANNA), "channel": {"id": "CGENERAL"},
        "message_ts": "1.2", "response_url": session.api.response_url("sc"),
        "message": {"type": "message", "user": CHEF, "ts": "1.2", "text": SHARED},
    })
    await session.modal("trigger-sc")
    session.api.fail("views.open", error="expired_trigger_id")
    await session.command(DRAFT)
    await session.api.wait_for("response_url")
    await server.event({"type": "app_mention", "user": ANNA, "text": f"<@UBOT> {DRAFT}",
                        "ts": "7.7", "channel": "CGENERAL", "event_ts": "7.7"}, "EvVerbatim")
    await session.api.wait_for("chat.postMessage", channel="CGENERAL")

    # The weekly digest, and the week on demand.
    week = digest.coming_week(clock().date())
    assert schedule.post_digest(core, week, schedule.digest_targets(core))
    await delivered(server)
    await session.command("uge")


# -- the test --------------------------------------------------------------------------------


async def test_every_user_string_the_bot_sends_to_slack_is_plain_text_or_verbatim(
    start_server: Any, clock: FakeClock
) -> None:
    server = await start_server()
    session = Session(server)

    await whole_life(session, clock)

    payloads = session.payloads()
    problems = [problem for source, payload in payloads
                for problem in misplaced(source, payload)]
    assert problems == []
    # The run reached everything it is about: every kind of message the sender delivers...
    delivered_kinds = {row.kind for row in server.core.store.outbox_rows()
                       if row.platform == "slack"}
    # The monthly summary is not about a proposal: its own tests check its text.
    assert set(Kind) - {Kind.MONTHLY_REPORT} <= delivered_kinds  # one method per kind
    # ... with the markers in them: each one is somewhere, the digest and the week show them.
    everything = json.dumps([payload for _, payload in payloads], ensure_ascii=False)
    assert [marker for marker in MARKERS if marker not in everything] == []
    (posted_digest,) = [args for source, args in payloads
                        if source.startswith("chat.postMessage") and "Strategien i ugen"
                        in json.dumps(args, ensure_ascii=False)]
    week_answer = session.acks[-1][1]
    for shown in (posted_digest, week_answer):
        text = json.dumps(shown, ensure_ascii=False)
        assert "MARK-title" in text and "MARK-name" in text and "MARK-teams" in text


def test_the_walk_finds_user_text_out_of_place() -> None:
    """The rules above, each shown failing once (the run above must be able to fail)."""
    title = "&lt;!channel&gt; MARK-title"

    def section(text: str, **extra: Any) -> dict[str, Any]:
        return {"type": "section", "text": {"type": "mrkdwn", "text": text, **extra}}

    fine = {"text": f"Forslag: {title}", "blocks": [
        section(title, verbatim=True), {"type": "header", "text": {"type": "plain_text",
                                                                 "text": "<!here> MARK-title"}}]}
    assert misplaced("chat.postMessage", fine) == []
    assert misplaced("views.open", {"view": {"private_metadata": "MARK-title", "blocks": [
        {"type": "input", "element": {"type": "plain_text_input",
                                      "initial_value": "<!channel> MARK-draft"}}]}}) == []
    wrong = {
        "not verbatim": {"blocks": [section(title)]},
        "live in verbatim": {"blocks": [section("<!channel> MARK-title", verbatim=True)]},
        "live in the top-level text": {"text": "<!channel> MARK-title"},
        "in a button's value": {"blocks": [{"type": "actions", "elements": [
            {"type": "button", "value": "MARK-title"}]}]},
        "bare in a list": {"blocks": [{"type": "section", "fields": ["MARK-dept"]}]},
    }
    for case, payload in wrong.items():
        assert misplaced("chat.postMessage", payload), case
