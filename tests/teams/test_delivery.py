"""The Teams sender under the outbox: retries, rate limits (no attempt used up), refusals and
the central team's Danish notice about them, threads that wait for their card, restarts, each
message once."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from bot import schedule
from bot.proposal import Actor, Decision
from bot.store import NewMessage
from handlers.teams import TEAMS_REVIEW_REF, sender
from handlers.teams import text as T
from handlers.teams.refs import user_key
from tests.teams import activities as A
from tests.teams.conftest import Start, Teams, assert_valid_card, card_texts, shows


def _row(teams: Teams, kind: str) -> Any:
    return next(r for r in teams.core.store.outbox_rows() if r.kind == kind)


async def test_a_server_error_is_retried_after_a_backoff(teams: Teams) -> None:
    await teams.submit()
    teams.connector.fail_next(500)

    assert await teams.deliver() == 0
    row = _row(teams, "recommendation")
    assert row.status == "pending" and row.attempts == 1 and "500" in (row.last_error or "")
    assert await teams.deliver() == 0  # not due yet: time has not moved

    wait = (row.next_attempt_at - teams.clock.now).total_seconds()
    assert 2 <= wait <= 3  # the backoff and a random part of up to half of it
    teams.clock.advance(seconds=wait)
    assert await teams.deliver() == 1
    assert len(teams.connector.calls) == 1 and len(teams.connector.failed) == 1


async def test_a_rate_limit_waits_as_long_as_retry_after_says(teams: Teams) -> None:
    await teams.submit()
    teams.connector.fail_next(429, retry_after="30")

    await teams.deliver()
    row = _row(teams, "recommendation")
    wait = (row.next_attempt_at - teams.clock.now).total_seconds()
    assert 30 <= wait <= 45 and row.attempts == 0  # being asked to wait is no attempt

    teams.clock.advance(seconds=wait - 1)
    assert await teams.deliver() == 0
    teams.clock.advance(seconds=1)
    assert await teams.deliver() == 1


async def test_a_rate_limit_never_uses_up_an_attempt(teams: Teams) -> None:
    await teams.submit()
    teams.connector.fail_next(429, times=40, retry_after="1")

    for _ in range(40):  # far more refusals than any count of attempts would allow
        assert await teams.deliver() == 0
        teams.clock.advance(seconds=2)
    assert await teams.deliver() == 1
    row = _row(teams, "recommendation")
    assert (row.status, row.attempts) == ("sent", 1)
    assert len(teams.connector.failed) == 40 and teams.core.store.outbox_rows(status="failed") == []


async def test_a_refusal_tells_the_central_team_in_danish_in_the_review_channel(
    teams: Teams,
) -> None:
    await teams.submit(title="Træer <at>i</at> Grenaa")  # only the recommendation is due
    await teams.choose_review_channel()
    teams.connector.clear()
    teams.connector.fail_next(403, kind="send")  # the recommendation, in the personal chat

    await teams.deliver()

    row = _row(teams, "recommendation")
    assert row.status == "failed"
    (notice,) = [c for c in teams.connector.calls if c.conversation_id == A.REVIEW_CHANNEL
                 and shows(c.card, "kunne ikke leveres")]
    assert_valid_card(notice.card)
    shown = card_texts(notice.card)
    assert shown[0] == "⚠️ En besked fra Opslag kunne ikke leveres"
    assert shown[1].startswith("Anbefalingen til forslagsstilleren for forslag nr. 1 «Træer ")
    assert "<at>" not in shown[1]  # the title is shown as plain text, it mentions nobody
    assert shown[2] == ("Årsag: Opslag har ikke adgang til samtalen i Teams (er appen fjernet "
                        "derfra?).")


async def test_a_thread_reply_waits_for_its_review_card_and_never_goes_top_level(
    teams: Teams,
) -> None:
    await teams.choose_review_channel()
    proposal_id = await teams.submit()
    teams.connector.fail_next(404, times=2, kind="send")  # the review card (and the receipt)
    await teams.deliver()
    chef = Actor(platform="teams", user_id=A.CENTRAL.aad, name="Bente")
    teams.core.workflow.decide(proposal_id, Decision.APPROVE, chef)
    teams.clock.advance(hours=30)
    teams.connector.clear()

    await teams.deliver()
    in_review = [c for c in teams.connector.calls if c.conversation_id.startswith(
        A.REVIEW_CHANNEL) and not shows(c.card, "kunne ikke leveres")]
    assert in_review == []
    lane = [(r.kind, r.status) for r in teams.core.store.outbox_rows() if r.lane == "review"]
    assert lane == [("review_post", "failed"), ("review_update", "pending"),
                    ("thread_reply", "pending")]

    assert teams.core.outbox.retry_failed(_row(teams, "review_post").id)
    await teams.deliver()
    post = next(c for c in teams.connector.calls if c.conversation_id == A.REVIEW_CHANNEL)
    (reply,) = [c for c in teams.connector.calls if c.thread is not None]
    assert reply.thread == (A.REVIEW_CHANNEL, post.new_id)


async def test_a_refusal_that_will_not_heal_is_given_up(teams: Teams) -> None:
    await teams.submit()
    teams.connector.fail_next(403)

    await teams.deliver()

    assert _row(teams, "recommendation").status == "failed"
    teams.clock.advance(hours=1)
    assert await teams.deliver() == 0


async def test_a_connector_that_does_not_answer_is_tried_again_later(
    teams: Teams, monkeypatch: pytest.MonkeyPatch
) -> None:
    await teams.submit()
    monkeypatch.setattr(sender, "SEND_TIMEOUT_SECONDS", 0.2)
    release = teams.connector.hang()

    assert await teams.deliver() == 0
    assert "svarede ikke" in (_row(teams, "recommendation").last_error or "")

    release.set()
    teams.clock.advance(seconds=3)  # the backoff and its random part
    assert await teams.deliver() == 1


async def test_each_message_is_delivered_once(teams: Teams) -> None:
    await teams.choose_review_channel()
    await teams.submit()
    teams.connector.clear()

    assert await teams.deliver() == 2
    assert await teams.deliver() == 0
    teams.clock.advance(hours=1)
    assert await teams.deliver() == 0
    assert len(teams.connector.calls) == 2


async def test_after_a_restart_stored_references_reach_the_same_conversations(
    start_teams: Start,
) -> None:
    first = await start_teams()
    await first.choose_review_channel()
    await first.say("hjælp")  # the proposer's personal chat is now known
    await first.submit()
    await first.client.close()  # the server stops before anything was delivered
    first.connector.clear()

    second = await start_teams(background=True)  # its own outbox loop delivers
    for _ in range(500):
        if {r.status for r in second.core.store.outbox_rows() if r.proposal_id} == {"sent"}:
            break
        await asyncio.sleep(0.01)

    sent = {(c.conversation_id, c.card["body"][0].get("text", "")) for c in second.connector.calls}
    assert (A.PROPOSER.personal_chat, T.RECEIPT_TITLE) in sent
    assert any(channel == A.REVIEW_CHANNEL and "Forslag nr. 1" in text
               for channel, text in sent)


async def test_a_crisis_alerts_the_review_channel_and_central_members_personally(
    teams: Teams,
) -> None:
    await teams.choose_review_channel()
    await teams.say("hjælp", A.CENTRAL)  # Bente has a personal chat with the bot
    proposal_id = await teams.submit(crisis=True)
    await teams.deliver()
    teams.connector.clear()

    teams.clock.advance(minutes=20)
    teams.core.workflow.escalate_overdue_crises(dt.timedelta(minutes=15))
    assert await teams.deliver() == 2

    alert = next(c for c in teams.connector.calls if c.conversation_id == A.REVIEW_CHANNEL)
    dm = next(c for c in teams.connector.calls if c.conversation_id == A.CENTRAL.personal_chat)
    for call in (alert, dm):
        assert shows(call.card, T.ESCALATION_TITLE.format(id=proposal_id))


async def test_an_escalation_dm_without_a_personal_chat_is_skipped(teams: Teams) -> None:
    proposal_id = await teams.submit(crisis=True)
    await teams.deliver()
    snapshot = teams.core.workflow.get(proposal_id).model_dump(mode="json", exclude={"history"})
    teams.core.store.enqueue(NewMessage(
        platform="teams", kind="escalation_dm", proposal_id=proposal_id, lane="dm:nobody",
        dedupe_key="dm-nobody", payload={"proposal": snapshot, "user": "aad-nobody"},
    ), teams.clock())
    teams.connector.clear()

    assert await teams.deliver() == 1
    assert teams.connector.calls == []
    assert teams.core.store.get_ref(user_key("aad-nobody")) is None
    assert _row(teams, "escalation_dm").result == {"skipped": "ingen personlig chat med "
                                                    "denne person"}


async def test_the_digest_goes_to_the_review_channel_as_its_card(teams: Teams) -> None:
    await teams.choose_review_channel()
    teams.connector.clear()
    digest = schedule.week_overview(teams.core)
    teams.core.store.enqueue(NewMessage(
        platform="teams", kind="digest", dedupe_key=f"digest:{digest.week}:teams",
        payload=digest.payload(TEAMS_REVIEW_REF),
    ), teams.clock())

    assert await teams.deliver() == 1
    (post,) = teams.connector.calls
    assert post.conversation_id == A.REVIEW_CHANNEL and shows(post.card, digest.title)


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert sender.retry_after({"Retry-After": "12"}) == 12.0
    assert sender.retry_after({}) is None
    assert sender.retry_after({"Retry-After": "soon"}) is None
    later = sender.retry_after({"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    assert later is not None and later > 0
