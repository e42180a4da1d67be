"""Gates before approval on the Teams review card (issue 12 §4): while consent is missing the
card offers no Approve that would be refused, but "Godkend alligevel" with a written reason,
which is kept with the decision."""

from __future__ import annotations

from bot import readout
from bot.proposal import Status
from tests.teams import activities as A
from tests.teams.conftest import AFTER_APPROVAL, Teams, shows, verbs

NURSERY = {"people_in_media": "boern", "consent": "false", "media_kind": "foto"}


async def _posted(teams: Teams) -> tuple[int, object]:
    await teams.choose_review_channel()
    pid = await teams.submit(**NURSERY)
    await teams.deliver()
    (post,) = teams.review_posts()
    return pid, post


async def test_a_missing_consent_replaces_approve_with_approve_anyway(teams: Teams) -> None:
    pid, post = await _posted(teams)
    card = post.card
    assert shows(card, readout.GATES) and shows(card, "samtykke")
    assert "approve" not in verbs(card) and "approve_anyway" in verbs(card)

    data = {"proposal_id": pid, "revision": 1}
    refused = await teams.click_card("approve_anyway", data, A.CENTRAL, on=post)
    assert shows(refused, "Skriv, hvorfor forslaget skal godkendes alligevel")
    assert teams.core.workflow.get(pid).status is Status.PENDING

    why = "Forældrene har givet samtykke på papir; det ligger i institutionen."
    decided = await teams.click_card("approve_anyway", {**data, "note_override": why},
                                     A.CENTRAL, on=post)
    assert verbs(decided) == AFTER_APPROVAL
    approved = teams.core.workflow.get(pid)
    assert approved.status is Status.APPROVED
    assert approved.overridden == ["consent_missing"] and approved.decision_note == why


async def test_a_plain_approve_from_an_old_card_is_refused_with_what_is_missing(
    teams: Teams,
) -> None:
    pid, post = await _posted(teams)
    card = await teams.click_card("approve", {"proposal_id": pid, "revision": 1}, A.CENTRAL,
                                  on=post)
    assert shows(card, "samtykke") and "approve_anyway" in verbs(card)
    assert teams.core.workflow.get(pid).status is Status.PENDING
