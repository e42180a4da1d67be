"""From approved to published (issue 12 §6), as Teams drives it: "Markér som udgivet" with a
link per platform and "Tag ned" with a reason on the review card, the publish reminder in the
publisher's personal chat, and the review reminder in the thread naming the reviewers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot import readout
from bot.proposal import Actor, Decision, Proposal, Publication, Status
from bot.reminders import Reminders
from bot.workflow import BAD_LINK, CENTRAL_REVIEWERS, NO_LINKS, NOT_PUBLISHER
from handlers.teams import cards
from handlers.teams import text as T
from policy import parse_intake, recommend
from tests.conftest import intake_data
from tests.fakes.connector import Call
from tests.teams import activities as A
from tests.teams.conftest import (
    AFTER_APPROVAL,
    Start,
    Teams,
    action_data,
    assert_valid_card,
    elements,
    inputs,
    shows,
    verbs,
)

POST = "https://www.facebook.com/norddjurs/posts/123"
SITE = "https://www.norddjurs.dk/nyheder/traeer"
# The test clock starts Monday 23 November 2026, 09:00 UTC (10:00 in Copenhagen).
TODAY = "2026-11-23"
REASON = "Forælderen har trukket sit samtykke tilbage."


async def _approved(teams: Teams, **overrides: Any) -> tuple[int, Call]:
    """An approved proposal and its review card (as first posted); connector calls cleared."""
    await teams.choose_review_channel()
    pid = await teams.submit(**overrides)
    await teams.deliver()
    (post,) = teams.review_posts()
    await teams.click_card("approve", action_data(post.card, "approve"), A.CENTRAL, on=post)
    await teams.deliver()
    teams.connector.clear()
    return pid, post


def _stored(teams: Teams, pid: int) -> tuple[object, ...]:
    proposal = teams.core.workflow.get(pid)
    return (proposal.status, proposal.publication, proposal.takedown, proposal.history,
            len(teams.core.store.outbox_rows()))


def _links(card: Any) -> list[str]:
    """The addresses a card opens when clicked (TextRuns' selectAction)."""
    found: list[str] = []
    for e in elements(card):
        action = e.get("selectAction")
        if e.get("type") == "TextRun" and isinstance(action, dict):
            assert action["type"] == "Action.OpenUrl" and action["url"] == e["text"]
            found.append(action["url"])
    return found


def _in_personal_chat(teams: Teams, user: A.User) -> list[Call]:
    return teams.connector.in_conversation(user.personal_chat)


# -- Markér som udgivet -------------------------------------------------------------------------


async def test_an_approved_post_is_marked_published_with_its_links(teams: Teams) -> None:
    pid, post = await _approved(teams)
    card = (await teams.click_card("approve", {"proposal_id": pid}, A.CENTRAL, on=post))
    assert verbs(card) == AFTER_APPROVAL
    form = inputs(card)
    assert form["link_facebook"]["style"] == "Url" and not form["link_facebook"].get(
        "isRequired")
    assert list(form)[:3] == ["link_facebook", "link_website", "link_linkedin"]  # advised first

    data = {**action_data(card, "publish"), "link_facebook": POST, "link_website": "",
            "link_linkedin": "  "}
    mine = await teams.click_card("publish", data, A.CENTRAL, on=post)

    assert shows(mine, f"Udgivet af {A.CENTRAL.name}") and _links(mine) == [POST]
    assert verbs(mine) == ["take_down"]  # published: only "Tag ned" is left
    published = teams.core.workflow.get(pid)
    assert published.status is Status.PUBLISHED
    row = published.history[-1]
    assert (row.event, row.actor_id, row.details) == (
        "published", A.CENTRAL.aad, {"links": {"facebook": POST}})

    assert await teams.deliver() == 3
    (update,) = teams.connector.of("update")
    assert update.activity_id == post.new_id  # the card everyone sees, in place
    assert shows(update.card, "📣 Udgivet af") and _links(update.card) == [POST]
    assert verbs(update.card) == ["take_down"]
    (reply,) = [c for c in teams.connector.calls if c.thread is not None]
    assert reply.thread == (A.REVIEW_CHANNEL, post.new_id)
    assert shows(reply.card, f"{A.CENTRAL.name} har markeret opslaget som udgivet")
    assert _links(reply.card) == [POST]
    (notice,) = _in_personal_chat(teams, A.PROPOSER)
    assert shows(notice.card, readout.NOTICE["published"].format(id=pid))
    assert _links(notice.card) == [POST]
    assert verbs(notice.card) == ["take_down"]  # the proposer may ask for it to come down


async def test_an_outsider_is_refused_and_nothing_is_stored(teams: Teams) -> None:
    pid, post = await _approved(teams)
    before = _stored(teams, pid)

    card = await teams.click_card("publish", {"proposal_id": pid, "link_facebook": POST},
                                  A.COLLEAGUE, on=post)

    assert shows(card, NOT_PUBLISHER.format(reviewers=CENTRAL_REVIEWERS))
    assert verbs(card) == []  # no buttons for them
    assert _stored(teams, pid) == before
    assert await teams.deliver() == 0 and teams.connector.calls == []


async def test_a_bad_link_comes_back_on_the_card_and_nothing_is_stored(teams: Teams) -> None:
    pid, post = await _approved(teams)
    before = _stored(teams, pid)

    for typed in ("javascript:alert(1)", "ftp://norddjurs.dk/opslag", "https://"):
        card = await teams.click_card(
            "publish", {"proposal_id": pid, "link_facebook": typed, "link_website": SITE},
            A.CENTRAL, on=post)
        assert shows(card, BAD_LINK.format(platform="Facebook")), typed
        assert verbs(card) == AFTER_APPROVAL  # the form again, with what was typed
        assert inputs(card)["link_facebook"]["value"] == typed
        assert inputs(card)["link_website"]["value"] == SITE
    empty = await teams.click_card("publish", {"proposal_id": pid, "link_facebook": " "},
                                   A.CENTRAL, on=post)
    assert shows(empty, NO_LINKS)

    assert _stored(teams, pid) == before
    assert await teams.deliver() == 0


async def test_a_second_click_changes_nothing(teams: Teams) -> None:
    pid, post = await _approved(teams)
    data = {"proposal_id": pid, "link_facebook": POST}

    first = await teams.click_card("publish", data, A.CENTRAL, on=post)
    second = await teams.click_card("publish", {**data, "link_facebook": SITE}, A.CENTRAL,
                                    on=post)

    assert first == second and _links(second) == [POST]
    events = [e.event for e in teams.core.workflow.get(pid).history]
    assert events == ["submitted", "approved", "published"]
    assert await teams.deliver() == 3


# -- Tag ned ------------------------------------------------------------------------------------


async def test_the_proposer_takes_it_down_and_the_publisher_is_told_with_the_links(
    teams: Teams,
) -> None:
    pid, post = await _approved(teams)
    await teams.click_card("publish", {"proposal_id": pid, "link_facebook": POST}, A.CENTRAL,
                           on=post)
    await teams.deliver()
    (notice,) = _in_personal_chat(teams, A.PROPOSER)
    teams.connector.clear()

    asked = action_data(notice.card, "take_down")
    blank = await teams.click_card("take_down", {**asked, "note_take_down": "  "}, A.PROPOSER,
                                   on=notice)
    assert shows(blank, "Skriv, hvorfor opslaget skal tages ned.")
    assert verbs(blank) == ["take_down"]  # the notice again, to try once more
    assert teams.core.workflow.get(pid).status is Status.PUBLISHED
    mine = await teams.click_card("take_down", {**asked, "note_take_down": REASON},
                                  A.PROPOSER, on=notice)

    assert shows(mine, readout.TAKEN_DOWN_OK.format(id=pid)) and shows(mine, REASON)
    taken = teams.core.workflow.get(pid)
    assert taken.status is Status.TAKEN_DOWN
    row = taken.history[-1]
    assert (row.event, row.actor_id, row.note, row.details) == (
        "taken_down", A.PROPOSER.aad, REASON, {"links": {"facebook": POST}})

    assert await teams.deliver() == 3  # card, thread, publisher; not the proposer: they asked
    (update,) = teams.connector.of("update")
    assert shows(update.card, f"Skal tages ned: {A.PROPOSER.name} bad om det")
    assert shows(update.card, REASON) and _links(update.card) == [POST]
    assert verbs(update.card) == []
    (reply,) = [c for c in teams.connector.calls if c.thread is not None]
    assert shows(reply.card, REASON) and _links(reply.card) == [POST]
    # The publisher never wrote to Opslag in a personal chat: one is opened where they acted.
    (opened,) = teams.connector.of("create")
    assert opened.body["members"] == [{"id": A.CENTRAL.teams_id}]
    (told,) = teams.connector.in_conversation(str(opened.new_id))
    assert shows(told.card, readout.TAKEDOWN_NOTICE.format(id=pid))
    assert shows(told.card, REASON) and shows(told.card, readout.TAKEDOWN_NEXT)
    assert _links(told.card) == [POST]
    assert _in_personal_chat(teams, A.PROPOSER) == []


async def test_take_down_from_the_review_card_is_refused_to_an_outsider(teams: Teams) -> None:
    pid, post = await _approved(teams)
    before = _stored(teams, pid)

    card = await teams.click_card("take_down", {"proposal_id": pid, "note_take_down": REASON},
                                  A.COLLEAGUE, on=post)

    assert shows(card, "Kun forslagsstilleren") and verbs(card) == []
    assert _stored(teams, pid) == before
    mine = await teams.click_card("take_down", {"proposal_id": pid, "note_take_down": REASON},
                                  A.CENTRAL, on=post)
    assert shows(mine, "Skal tages ned") and verbs(mine) == []
    assert await teams.deliver() == 4  # card, thread, the approver (no links yet), proposer


# -- the reminders ------------------------------------------------------------------------------


async def test_the_publish_reminder_in_personal_chat_marks_it_published(
    start_teams: Start,
) -> None:
    teams = await start_teams(opslag_reminders=True)
    await teams.say("hjælp", A.CENTRAL)  # the approver's personal chat is known
    pid, _post = await _approved(teams, planned_for=TODAY)
    reminders = Reminders(teams.core)

    assert await teams.core.run(reminders.run_due) == 1
    assert await teams.core.run(Reminders(teams.core).run_due) == 0  # once, also for another
    assert await teams.deliver() == 1

    (reminder,) = _in_personal_chat(teams, A.CENTRAL)
    assert reminder.body["summary"] == T.SUMMARY_PUBLISH_REMINDER
    assert shows(reminder.card, readout.PUBLISH_REMINDER.format(id=pid))
    assert verbs(reminder.card) == ["publish"] and "link_facebook" in inputs(reminder.card)
    data = action_data(reminder.card, "publish")

    refused = await teams.click_card("publish", {**data, "link_facebook": "facebook"},
                                     A.CENTRAL, on=reminder)
    assert shows(refused, BAD_LINK.format(platform="Facebook"))
    assert inputs(refused)["link_facebook"]["value"] == "facebook"
    done = await teams.click_card("publish", {**data, "link_facebook": POST}, A.CENTRAL,
                                  on=reminder)

    assert shows(done, readout.PUBLISHED_OK.format(id=pid)) and _links(done) == [POST]
    assert teams.core.workflow.get(pid).status is Status.PUBLISHED
    events = [e.event for e in teams.core.workflow.get(pid).history]
    assert events == ["submitted", "approved", "publish_reminded", "published"]

    # For everyone else who sees the reminder, it then says so, without its form.
    teams.connector.clear()
    await teams.deliver()
    (settled,) = [c for c in _in_personal_chat(teams, A.CENTRAL) if c.kind == "update"]
    assert settled.activity_id == reminder.new_id
    assert verbs(settled.card) == [] and inputs(settled.card) == {}
    assert shows(settled.card, readout.PUBLISH_REMINDER_SETTLED[Status.PUBLISHED].format(
        who=teams.core.workflow.get(pid).publication.by.display))


async def test_a_publisher_without_a_personal_chat_is_reported_to_the_central_team(
    start_teams: Start,
) -> None:
    """The approver decided in the channel and never wrote to Opslag: Teams gives a bot no
    way to reach them, so the reminder is not posted in a channel but given up, and the
    central team is told why."""
    teams = await start_teams(opslag_reminders=True)
    pid, _post = await _approved(teams, planned_for=TODAY)

    assert await teams.core.run(Reminders(teams.core).run_due) == 1
    await teams.deliver()
    await teams.deliver()

    (told,) = teams.connector.calls
    assert told.conversation_id == A.REVIEW_CHANNEL and told.thread is None
    assert shows(told.card, T.NO_PERSONAL_CHAT)
    assert teams.core.workflow.get(pid).status is Status.APPROVED


async def test_an_older_client_submits_on_its_personal_card_only(start_teams: Start) -> None:
    """Clients without Universal Actions send Action.Submit (a message with a value): on the
    publish reminder in a personal chat the answer replaces that card; the review card in
    the channel has no such fallback, and a forged one changes nobody's card."""
    teams = await start_teams(opslag_reminders=True)
    await teams.say("hjælp", A.CENTRAL)
    pid, post = await _approved(teams, planned_for=TODAY)
    await teams.core.run(Reminders(teams.core).run_due)
    await teams.deliver()
    (reminder,) = _in_personal_chat(teams, A.CENTRAL)
    assert all("fallback" not in action for action in _actions(post.card))
    (execute,) = _actions(reminder.card)
    value = {**execute["fallback"]["data"], "link_facebook": POST}
    assert value["verb"] == "publish"

    channel = A.message("", A.CENTRAL, teams.url, where="channel")
    channel.pop("text")
    channel.pop("entities")
    channel.update(replyToId=str(post.new_id), value=value)
    teams.connector.clear()
    assert (await teams.post(channel)).status in (200, 202)
    assert teams.connector.calls == [] and teams.core.workflow.get(pid).status is Status.APPROVED

    personal = A.message("", A.CENTRAL, teams.url)
    personal.pop("text")
    personal.update(replyToId=str(reminder.new_id), value=value)
    assert (await teams.post(personal)).status in (200, 202)
    (update,) = teams.connector.calls
    assert update.kind == "update" and update.activity_id == reminder.new_id
    assert shows(update.card, readout.PUBLISHED_OK.format(id=pid))
    assert teams.core.workflow.get(pid).status is Status.PUBLISHED


def _actions(card: Any) -> list[dict[str, Any]]:
    """Every Action.Execute on a card, show-cards included."""
    return [e for e in elements(card) if e.get("type") == "Action.Execute"]


async def test_the_review_reminder_in_the_thread_names_the_reviewers(
    start_teams: Start,
) -> None:
    teams = await start_teams(opslag_reminders=True,
                              teams_central_users=[A.CENTRAL.aad, "aad-dorte-central"])
    await teams.say("hjælp", A.CENTRAL)  # Teams has told Opslag her name
    await teams.choose_review_channel()
    pid = await teams.submit(title="Til <at>Alle</at> i kommunen")
    await teams.deliver()
    (post,) = teams.review_posts()
    teams.connector.clear()
    teams.clock.advance(hours=49)  # Wednesday 11:00 in Copenhagen: past the 48 hours

    assert await teams.core.run(Reminders(teams.core).run_due) == 1
    assert await teams.deliver() == 1

    (reply,) = teams.connector.calls
    assert reply.thread == (A.REVIEW_CHANNEL, post.new_id)
    card = reply.card
    assert shows(card, readout.REVIEW_REMINDER.format(id=pid, hours=49))
    named = f"<at>{A.CENTRAL.name}</at>, <at>{T.UNNAMED_REVIEWER}</at>"
    assert shows(card, readout.REVIEW_REMINDER_WHO.format(who=named))
    assert card["msteams"]["entities"] == [
        {"type": "mention", "text": f"<at>{A.CENTRAL.name}</at>",
         "mentioned": {"id": A.CENTRAL.aad, "name": A.CENTRAL.name}},
        {"type": "mention", "text": f"<at>{T.UNNAMED_REVIEWER}</at>",
         "mentioned": {"id": "aad-dorte-central", "name": T.UNNAMED_REVIEWER}},
    ]
    assert shows(card, "Til <\u200bat>Alle</\u200bat> i kommunen")  # the title: no mention
    teams.clock.advance(hours=1)
    assert await teams.core.run(Reminders(teams.core).run_due) == 0  # once a day


def test_a_reviewer_name_can_neither_format_nor_mention() -> None:
    proposal = _proposal_for_cards()
    card = cards.review_reminder_card(proposal, 50, [
        ("aad-1", "**Kim** <at>Alle</at> [x](y)"),
        ("aad-2", "Kim atAlleat xy"),  # the same name once cleaned: numbered
        ("29:teams-id", ""),
        ("not an id", "Ingen"),  # never mentioned
    ])

    assert_valid_card(card)
    texts = [e["text"] for e in card["msteams"]["entities"]]
    assert texts == ["<at>Kim atAlleat xy 1</at>", "<at>Kim atAlleat xy 2</at>",
                     f"<at>{T.UNNAMED_REVIEWER}</at>"]
    assert [e["mentioned"]["id"] for e in card["msteams"]["entities"]] == [
        "aad-1", "aad-2", "29:teams-id"]


def test_every_new_card_is_valid_and_shows_links_as_links() -> None:
    proposal = _proposal_for_cards(published=True)
    zone = "Europe/Copenhagen"
    for built in (cards.publish_reminder_card(proposal, notice="Nej <at>x</at>",
                                              typed={"facebook": "x" * 5000}),
                  cards.takedown_card(proposal, zone),
                  cards.done_card(proposal, zone, readout.PUBLISHED_OK),
                  cards.review_card(proposal, zone),
                  cards.notice_card(proposal, zone, takeable=True),
                  cards.thread_card("published", proposal)):
        assert_valid_card(built)
        assert "msteams" not in built
    assert _links(cards.review_card(proposal, zone)) == [POST]


def _proposal_for_cards(*, published: bool = False) -> Proposal:
    intake = parse_intake(intake_data())
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    central = Actor(platform="teams", user_id="aad-c", name="Kim")
    return Proposal(
        id=7, created_at=now, updated_at=now, source="teams",
        proposer=Actor(platform="teams", user_id="aad-x", name="Eva"), intake=intake,
        recommendation=recommend(intake), policy_version="test",
        status=Status.PUBLISHED if published else Status.APPROVED,
        decision=Decision.APPROVE, decided_by=central, decided_at=now,
        publication=Publication(links={"facebook": POST}, by=central, at=now)
        if published else None,
    )
