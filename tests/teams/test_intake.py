"""Submitting the intake card: field errors on the card, the proposer's recommendation, the
review card in the review channel."""

from __future__ import annotations

import pytest

from bot import readout
from bot.proposal import Status
from bot.store import StoreUnavailable
from bot.workflow import Unavailable
from handlers.teams import text as T
from tests.teams import activities as A
from tests.teams.conftest import Teams, card_form, card_texts, inputs, shows, verbs


async def test_field_errors_come_back_on_the_card_and_nothing_is_stored(teams: Teams) -> None:
    form = card_form(audience="", content_type="jobopslag", link="www.norddjurs.dk",
                     title="Pædagog søges")
    form.pop("audience")

    card = await teams.click_card("submit_intake", {**form, "form_id": "f1"}, A.PROPOSER)

    assert shows(card, T.ERRORS_SUMMARY)
    assert shows(card, "Vælg mindst én målgruppe.")
    assert shows(card, "Vælg, om stillingen er på chefniveau eller ej.")
    assert shows(card, "Linket skal begynde med https://")
    fields = inputs(card)
    assert fields["title"]["value"] == "Pædagog søges"  # what was typed is kept
    assert fields["content_type"]["value"] == "jobopslag"
    assert verbs(card) == ["submit_intake"]
    assert teams.core.store.list_proposals() == []
    assert teams.core.store.outbox_rows() == []


async def test_a_submission_gives_a_receipt_and_the_recommendation(teams: Teams) -> None:
    card = await teams.click_card("submit_intake", {**card_form(), "form_id": "f1"}, A.PROPOSER)

    (proposal,) = teams.core.store.list_proposals()
    assert shows(card, T.SUBMITTED_TITLE.format(id=proposal.id))
    assert proposal.source == "teams"
    assert proposal.proposer.user_id == A.PROPOSER.aad
    assert proposal.proposer.name == A.PROPOSER.name

    assert await teams.deliver() == 1  # no review channel yet: only the recommendation
    (sent,) = teams.connector.calls
    assert sent.kind == "send" and sent.conversation_id == A.PROPOSER.personal_chat
    rec = sent.card
    assert shows(rec, T.RECOMMENDATION_TITLE.format(id=proposal.id))
    for fit in proposal.recommendation.platforms:
        assert any(fit.reasons[0] in text for text in card_texts(rec))
    assert shows(rec, T.TONE)
    assert shows(rec, T.TEXT_CHECKS.format(words=proposal.recommendation.text_checks.words,
                                           lix=proposal.recommendation.text_checks.lix))
    assert shows(rec, T.REVIEW_ROUTE)
    assert shows(rec, proposal.recommendation.review.reason)


async def test_with_a_review_channel_the_proposal_card_is_posted_there(teams: Teams) -> None:
    await teams.choose_review_channel()
    proposal_id = await teams.submit()

    assert await teams.deliver() == 2
    (post,) = teams.review_posts()
    assert post.thread is None  # a new post in the channel, not a reply somewhere
    card = post.card
    assert shows(card, "Træplantning i Grenaa")
    assert shows(card, A.PROPOSER.name)
    assert shows(card, readout.STATUS_PENDING)
    assert verbs(card) == ["approve", "request_changes", "reject"]
    assert {"note_changes", "note_reject"} <= set(inputs(card))
    for action in card["actions"]:
        data = action.get("data") or action["card"]["actions"][0]["data"]
        assert data == {"proposal_id": proposal_id, "revision": 1}


async def test_the_same_form_sent_twice_is_stored_once(teams: Teams) -> None:
    form = {**card_form(), "form_id": "same-form"}
    await teams.click_card("submit_intake", form, A.PROPOSER)
    again = await teams.click_card("submit_intake", form, A.PROPOSER)

    assert shows(again, T.ALREADY_SUBMITTED)
    assert len(teams.core.store.list_proposals()) == 1


async def test_answers_to_questions_that_do_not_apply_are_dropped(teams: Teams) -> None:
    await teams.submit(has_media=False, alt_text="Et billede, der ikke findes")

    (proposal,) = teams.core.store.list_proposals()
    assert proposal.intake.has_media is False
    assert proposal.intake.alt_text is None


async def test_action_submit_from_an_older_client_replaces_the_card(teams: Teams) -> None:
    """Clients without Universal Actions send Action.Submit as a message with a value."""
    activity = A.message("", A.PROPOSER, teams.url)
    activity.pop("text")
    activity["replyToId"] = "card-17"
    activity["value"] = {**card_form(), "form_id": "old-client", "verb": "submit_intake"}

    response = await teams.post(activity)

    assert response.status == 202
    (update,) = teams.connector.calls
    assert update.kind == "update" and update.activity_id == "card-17"
    assert shows(update.card, "er gemt")
    assert teams.core.store.list_proposals()[0].status is Status.PENDING


async def test_a_malformed_card_action_is_a_400_in_the_body_not_a_500(teams: Teams) -> None:
    broken = A.card_action("approve", {}, A.CENTRAL, teams.url,
                           conversation=A.personal(A.CENTRAL)[0],
                           channel_data=A.personal(A.CENTRAL)[1])
    broken["value"] = {"action": "not an object"}
    unknown = A.card_action("launch_rocket", {}, A.CENTRAL, teams.url,
                            conversation=A.personal(A.CENTRAL)[0],
                            channel_data=A.personal(A.CENTRAL)[1])

    for activity in (broken, unknown):
        response = await teams.post(activity)
        assert response.status == 200
        body = await response.json()
        assert body["statusCode"] == 400
        assert body["type"] == "application/vnd.microsoft.error"


async def test_a_database_that_cannot_write_keeps_the_answers_on_the_card(
    teams: Teams, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*args: object, **kwargs: object) -> bool:
        raise StoreUnavailable("database is locked")

    monkeypatch.setattr(teams.core.store, "first_time", locked)

    card = await teams.click_card("submit_intake", {**card_form(title="Høstmarked"),
                                                    "form_id": "f-locked"}, A.PROPOSER)

    assert shows(card, Unavailable().message)
    assert inputs(card)["title"]["value"] == "Høstmarked"
    assert teams.core.store.list_proposals() == []
