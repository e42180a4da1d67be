"""Submitting the intake card: field errors on the card, the review card in the review
channel. Questions → advice → Send is in test_advice.py."""

from __future__ import annotations

from typing import Any

from bot import advice as ADV
from bot import readout
from bot.proposal import Actor
from handlers.teams import text as T
from policy import parse_intake
from tests.conftest import intake_data
from tests.teams import activities as A
from tests.teams.conftest import Teams, card_form, card_texts, inputs, shows, verbs


async def test_field_errors_come_back_on_the_card_and_nothing_is_stored(teams: Teams) -> None:
    form = card_form(audience="", content_type="jobopslag", link="http://norddjurs.dk",
                     title="Pædagog søges")
    form.pop("audience")

    card = await teams.click_card("submit_intake", {**form, "form_id": "f1"}, A.PROPOSER)

    assert shows(card, T.ERRORS_SUMMARY)
    assert shows(card, "Vælg mindst én målgruppe.")
    assert shows(card, "Vælg, om stillingen er på chefniveau eller ej.")
    assert shows(card, "Skriv en webadresse")
    fields = inputs(card)
    assert fields["title"]["value"] == "Pædagog søges"  # what was typed is kept
    assert fields["content_type"]["value"] == "jobopslag"
    assert verbs(card) == ["submit_intake"]
    assert teams.core.store.list_proposals() == []
    assert teams.core.store.outbox_rows() == []


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


async def test_answers_to_questions_that_do_not_apply_are_dropped(teams: Teams) -> None:
    await teams.submit(has_media=False, alt_text="Et billede, der ikke findes")

    (proposal,) = teams.core.store.list_proposals()
    assert proposal.intake.has_media is False
    assert proposal.intake.alt_text is None


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


async def test_the_review_card_marks_each_platform_as_every_surface_does(teams: Teams) -> None:
    await teams.choose_review_channel()
    proposal_id = await teams.submit()
    await teams.deliver()

    (post,) = teams.review_posts()
    recommendation = teams.core.workflow.get(proposal_id).recommendation
    assert shows(post.card, ADV.PLATFORMS)
    for fit in recommendation.platforms:
        assert ADV.fit_line(fit.platform, fit.fit) in card_texts(post.card)
    assert shows(post.card, "✅ Facebook: Anbefales")
    assert not any(mark in text for text in card_texts(post.card) for mark in "✔✘")


async def test_via_names_the_platform_by_its_own_label(teams: Teams) -> None:
    platform = teams.core.platforms.get("teams")
    assert platform is not None
    platform.label = "Microsoft Teams"  # type: ignore[misc]  # a dataclass field
    await teams.choose_review_channel()
    await teams.submit()
    terminal = Actor(platform="console", user_id="jens", name="Jens i terminalen")
    teams.core.workflow.submit(parse_intake(intake_data(title="Fra terminalen")), terminal,
                               source="console")
    await teams.deliver()

    from_teams, from_terminal = teams.review_posts()
    assert _via(from_teams.card) == "Microsoft Teams"
    assert _via(from_terminal.card) == T.TERMINAL


def _via(card: dict[str, Any]) -> str:
    """The value of the card's "Via" fact."""
    for block in card["body"]:
        if block.get("type") == "ColumnSet" and card_texts(block)[0] == T.VIA:
            return card_texts(block)[1]
    raise AssertionError("no Via line")
