"""The department route in Teams (issue 12 §2): a department's reviewer chooses its review
channel with `godkendelseskanal <afdeling>`; its own proposals are posted and decided there;
a colleague who is no reviewer is refused; "Bed Kommunikation om hjælp" moves it to the
central team's channel."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import readout
from bot.proposal import Status
from tests.teams import activities as A
from tests.teams.conftest import AFTER_APPROVAL, Start, Teams, shows, verbs

SCHOOL_CHANNEL = "19:boern-og-skole@thread.tacv2"
REVIEWER = A.User("mette", "Mette Skoleleder", "aad-mette-skole")
SCHOOL_EVENT = {"content_type": "begivenhed", "theme": "andet", "audience": "borgere",
                "title": "Julemarked på Auning Skole", "department": "Børn og Skole",
                "text": "Kom til julemarked på Auning Skole fredag kl. 16."}


@pytest.fixture
async def teams(start_teams: Start, tmp_path: Path) -> Teams:
    path = tmp_path / "afdelinger.yaml"
    path.write_text(
        "departments:\n"
        "  - name: Børn og Skole\n"
        f"    reviewers: {{teams: [{REVIEWER.aad}]}}\n",
        encoding="utf-8",
    )
    running = await start_teams(opslag_departments=path)
    await running.choose_review_channel()
    return running


def posts_in(teams: Teams, channel: str) -> list[object]:
    return [c for c in teams.connector.of("send") if c.conversation_id == channel]


async def test_a_departments_reviewer_chooses_its_channel_and_decides_there(
    teams: Teams,
) -> None:
    await teams.say("godkendelseskanal Børn og Skole", A.COLLEAGUE, where="channel",
                    channel_id=SCHOOL_CHANNEL)
    assert "Kun godkenderne i Børn og Skole" in str(teams.connector.calls[-1].text)
    await teams.say("godkendelseskanal børn og skole", REVIEWER, where="channel",
                    channel_id=SCHOOL_CHANNEL)
    assert "godkendelseskanal for Børn og Skole" in str(teams.connector.calls[-1].text)

    pid = await teams.submit(**SCHOOL_EVENT)
    await teams.deliver()
    (post,) = posts_in(teams, SCHOOL_CHANNEL)
    assert teams.review_posts() == []  # not in the central team's channel
    assert "ask_central" in verbs(post.card)

    refused = await teams.click_card("approve", {"proposal_id": pid, "revision": 1},
                                     A.COLLEAGUE, on=post)
    assert shows(refused, "Kun godkenderne i Børn og Skole")
    decided = await teams.click_card("approve", {"proposal_id": pid, "revision": 1},
                                     REVIEWER, on=post)
    assert verbs(decided) == AFTER_APPROVAL
    assert teams.core.workflow.get(pid).status is Status.APPROVED


async def test_asking_for_help_moves_it_to_the_central_channel(teams: Teams) -> None:
    await teams.say("godkendelseskanal Børn og Skole", REVIEWER, where="channel",
                    channel_id=SCHOOL_CHANNEL)
    pid = await teams.submit(**SCHOOL_EVENT)
    await teams.deliver()
    (post,) = posts_in(teams, SCHOOL_CHANNEL)

    card = await teams.click_card("ask_central", {"proposal_id": pid}, REVIEWER, on=post)
    assert shows(card, readout.MOVED) and verbs(card) == []
    await teams.deliver()
    (central,) = teams.review_posts()
    assert "ask_central" not in verbs(central.card) and "approve" in verbs(central.card)
    assert teams.core.workflow.get(pid).review_route == "central"
    refused = await teams.click_card("approve", {"proposal_id": pid, "revision": 1},
                                     REVIEWER, on=post)
    assert shows(refused, "Kun den centrale kommunikationsafdeling")


def _inputs(element: object) -> list[dict[str, object]]:
    """Every input of a card, however deep (a ShowCard's card too)."""
    if isinstance(element, dict):
        own = [element] if str(element.get("type", "")).startswith("Input.") else []
        return own + [found for value in element.values() for found in _inputs(value)]
    if isinstance(element, list):
        return [found for item in element for found in _inputs(item)]
    return []


async def test_the_card_offers_the_departments_as_a_choice(teams: Teams) -> None:
    """Issue 12 §1: with a departments file, "Hvilken afdeling…" is a choice from it on the
    Teams card, and the chosen department routes the proposal."""
    await teams.say("foreslå-opslag")
    reply = teams.connector.calls[-1]
    (department,) = [i for i in _inputs(reply.card) if i.get("id") == "department"]
    assert department["type"] == "Input.ChoiceSet"
    assert [c["value"] for c in department["choices"]] == ["Børn og Skole"]  # type: ignore[index]
    pid = await teams.submit(**SCHOOL_EVENT)
    proposal = teams.core.workflow.get(pid)
    assert (proposal.intake.department, proposal.review_route) == ("Børn og Skole", "department")
