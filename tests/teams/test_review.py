"""The central team decides on the review card: who may, what everyone then sees."""

from __future__ import annotations

from typing import Any

import pytest

from bot import readout
from bot.advice import TITLE_REVISED as ADVICE_REVISED
from bot.proposal import Status
from handlers.teams import TEAMS_REVIEW_REF
from handlers.teams import text as T
from tests.conftest import intake_data
from tests.fakes.connector import Call
from tests.teams import activities as A
from tests.teams.conftest import (
    AFTER_APPROVAL,
    Teams,
    action_data,
    card_form,
    inputs,
    shows,
    verbs,
)


async def _posted(teams: Teams, **overrides: object) -> tuple[int, Call]:
    """A proposal whose review card is in the review channel; connector calls cleared."""
    await teams.choose_review_channel()
    proposal_id = await teams.submit(**overrides)
    await teams.deliver()
    (post,) = teams.review_posts()
    teams.connector.clear()
    return proposal_id, post


async def test_only_a_central_member_in_a_channel_chooses_the_review_channel(
    teams: Teams,
) -> None:
    await teams.say("godkendelseskanal", A.COLLEAGUE, where="channel")
    await teams.say("godkendelseskanal", A.CENTRAL)  # personal chat: not a channel
    assert teams.core.store.get_ref(TEAMS_REVIEW_REF) is None

    await teams.choose_review_channel()

    refused, wrong_place, confirmed = teams.connector.calls
    assert refused.text == T.REVIEW_CHANNEL_NOT_CENTRAL
    assert wrong_place.text == T.REVIEW_CHANNEL_ONLY_IN_CHANNEL
    assert confirmed.text == T.REVIEW_CHANNEL_SET
    assert confirmed.thread is not None  # the confirmation answers in the command's thread
    ref = teams.core.store.get_ref(TEAMS_REVIEW_REF)
    assert ref is not None and ref["conversation"]["id"] == A.REVIEW_CHANNEL  # not the thread
    assert "teams" in teams.core.workflow.review_platforms()


async def test_a_non_member_is_refused_and_only_they_see_it(teams: Teams) -> None:
    proposal_id, post = await _posted(teams)

    card = await teams.click_card("approve", {"proposal_id": proposal_id}, A.COLLEAGUE,
                                  on=post)

    assert shows(card, "Kun den centrale kommunikationsafdeling")
    assert verbs(card) == []  # no buttons for them
    assert teams.core.workflow.get(proposal_id).status is Status.PENDING
    assert await teams.deliver() == 0
    assert teams.connector.calls == []  # the card everyone sees is unchanged


async def test_approve_updates_the_card_in_place_replies_and_tells_the_proposer(
    teams: Teams,
) -> None:
    proposal_id, post = await _posted(teams)
    card_id = post.new_id

    mine = await teams.click_card("approve", {"proposal_id": proposal_id}, A.CENTRAL, on=post)

    # No decision buttons any more: what comes after approval (issue 12 §6).
    assert shows(mine, f"Godkendt af {A.CENTRAL.name}") and verbs(mine) == AFTER_APPROVAL
    assert await teams.deliver() == 3
    update, reply, notice = _by_kind(teams.connector.calls)
    assert update.conversation_id == A.REVIEW_CHANNEL and update.activity_id == card_id
    assert shows(update.card, f"Godkendt af {A.CENTRAL.name} 23. nov. 2026 kl. 10.00")
    assert verbs(update.card) == AFTER_APPROVAL
    assert reply.thread == (A.REVIEW_CHANNEL, card_id)
    assert shows(reply.card, f"{A.CENTRAL.name} har godkendt")
    assert notice.conversation_id == A.PROPOSER.personal_chat
    assert shows(notice.card, readout.NOTICE["approved"].format(id=proposal_id))


async def test_request_changes_asks_for_a_reason_first(teams: Teams) -> None:
    proposal_id, post = await _posted(teams)

    card = await teams.click_card("request_changes", {"proposal_id": proposal_id},
                                  A.CENTRAL, on=post)

    assert shows(card, "Skriv en kort begrundelse")
    assert "request_changes" in verbs(card)
    assert teams.core.workflow.get(proposal_id).status is Status.PENDING
    assert await teams.deliver() == 0


async def test_changes_then_resubmission_update_the_same_card(teams: Teams) -> None:
    proposal_id, post = await _posted(teams)
    card_id = post.new_id

    await teams.click_card("request_changes", {"proposal_id": proposal_id,
                                               "note_changes": "Skriv datoen i teksten."},
                           A.CENTRAL, on=post)
    await teams.deliver()
    update, reply, notice = _by_kind(teams.connector.calls)
    assert shows(update.card, "Sendt tilbage til ændringer af")
    assert shows(update.card, "Skriv datoen")
    assert shows(reply.card, "Skriv datoen i teksten.")
    assert shows(notice.card, "Skriv datoen i teksten.")
    assert "resubmit" in verbs(notice.card)
    assert inputs(notice.card)["text"]["value"] == intake_data()["text"]

    teams.connector.clear()
    fixed = {**card_form(text="Vi planter træer ved Grenaa lørdag den 28. november."),
             "proposal_id": proposal_id}
    advice = await teams.click_card("resubmit", fixed, A.PROPOSER)
    assert shows(advice, ADVICE_REVISED) and verbs(advice) == ["send", "edit", "drop"]
    assert await teams.deliver() == 0  # nothing sent again before Send
    again = await teams.click_card("edit", action_data(advice, "edit"), A.PROPOSER)
    assert verbs(again) == ["resubmit"]  # the same edit, answers kept
    assert inputs(again)["text"]["value"] == fixed["text"]
    answer = await teams.send(advice)
    assert shows(answer, "Tak – den rettede udgave af forslag nr. 1 er sendt til godkendelse")
    assert shows(await teams.send(advice), T.ALREADY_SUBMITTED)  # a double click: once
    await teams.deliver()

    update, reply, recommendation = _by_kind(teams.connector.calls)
    assert update.activity_id == card_id  # the same card, not a new one
    assert shows(update.card, "28. november") and shows(update.card, "version 2")
    assert verbs(update.card) == ["approve", "request_changes", "reject"]
    assert reply.thread == (A.REVIEW_CHANNEL, card_id)
    assert shows(recommendation.card, T.RECEIPT_AGAIN_TITLE)  # a receipt, not the advice
    assert not shows(recommendation.card, ADVICE_REVISED)
    assert teams.review_posts() == []
    assert [e.event for e in teams.core.workflow.get(proposal_id).history] == [
        "submitted", "changes_requested", "resubmitted"]


async def test_resubmission_errors_come_back_on_the_form(teams: Teams) -> None:
    proposal_id, post = await _posted(teams)
    await teams.click_card("request_changes", {"proposal_id": proposal_id,
                                               "note_changes": "Kortere tekst."},
                           A.CENTRAL, on=post)
    form = card_form(text="")
    form.pop("text")

    card = await teams.click_card("resubmit", {**form, "proposal_id": proposal_id},
                                  A.PROPOSER)

    assert shows(card, "Skriv teksten til opslaget.") and "resubmit" in verbs(card)
    assert teams.core.workflow.get(proposal_id).status is Status.CHANGES_REQUESTED


async def test_only_the_proposer_can_resubmit(teams: Teams) -> None:
    proposal_id, post = await _posted(teams)
    await teams.click_card("request_changes", {"proposal_id": proposal_id,
                                               "note_changes": "Kortere tekst."},
                           A.CENTRAL, on=post)

    card = await teams.click_card("resubmit", {**card_form(), "proposal_id": proposal_id},
                                  A.COLLEAGUE)
    assert shows(card, "Kun den, der har stillet forslaget")

    advice = await teams.click_card("resubmit", {**card_form(), "proposal_id": proposal_id},
                                    A.PROPOSER)
    sent = await teams.send(advice, A.COLLEAGUE)  # the proposer's advice card, forwarded
    assert shows(sent, "Kun den, der har stillet forslaget")
    assert teams.core.workflow.get(proposal_id).status is Status.CHANGES_REQUESTED


async def test_reject_with_a_reason(teams: Teams) -> None:
    proposal_id, post = await _posted(teams)

    mine = await teams.click_card("reject", {"proposal_id": proposal_id,
                                             "note_reject": "Hører til på intranettet."},
                                  A.CENTRAL, on=post)

    assert shows(mine, "Afvist af") and shows(mine, "Hører til på intranettet.")
    await teams.deliver()
    update, reply, notice = _by_kind(teams.connector.calls)
    assert verbs(update.card) == [] and shows(reply.card, "Hører til på intranettet.")
    assert shows(notice.card, readout.NOTICE["rejected"].format(id=proposal_id))
    assert "resubmit" not in verbs(notice.card)


async def test_a_double_click_decides_once(teams: Teams) -> None:
    proposal_id, post = await _posted(teams)

    first = await teams.click_card("approve", {"proposal_id": proposal_id}, A.CENTRAL, on=post)
    second = await teams.click_card("approve", {"proposal_id": proposal_id}, A.CENTRAL,
                                    on=post)

    assert first == second
    history = [e.event for e in teams.core.workflow.get(proposal_id).history]
    assert history == ["submitted", "approved"]
    assert await teams.deliver() == 3
    assert len(teams.connector.of("update")) == 1


async def test_a_later_conflicting_decision_is_explained(teams: Teams) -> None:
    proposal_id, post = await _posted(teams)
    await teams.click_card("approve", {"proposal_id": proposal_id}, A.CENTRAL, on=post)

    card = await teams.click_card("reject", {"proposal_id": proposal_id,
                                             "note_reject": "Alligevel ikke."},
                                  A.CENTRAL, on=post)

    assert shows(card, "er allerede godkendt")
    assert teams.core.workflow.get(proposal_id).status is Status.APPROVED


async def test_an_unknown_proposal(teams: Teams) -> None:
    for user in (A.CENTRAL, A.COLLEAGUE):
        card = await teams.click_card("approve", {"proposal_id": 999}, user)

        assert shows(card, "Forslag nr. 999 findes ikke.")


async def test_a_channel_chosen_later_gets_a_fresh_card_on_the_next_change(
    teams: Teams,
) -> None:
    proposal_id = await teams.submit()
    await teams.deliver()
    await teams.choose_review_channel()  # after the proposal: no review post exists
    teams.connector.clear()

    await teams.click_card("approve", {"proposal_id": proposal_id}, A.CENTRAL)
    await teams.deliver()

    fresh, reply, _notice = _by_kind(teams.connector.calls)
    assert fresh.kind == "send" and fresh.conversation_id == A.REVIEW_CHANNEL
    assert shows(fresh.card, "Godkendt af")
    assert reply.thread is not None and reply.thread[0] == A.REVIEW_CHANNEL


def _by_kind(calls: list[Call]) -> tuple[Call, Call, Call]:
    """(card update or fresh card, thread reply, message to the proposer)."""
    card = next(c for c in calls if c.kind == "update" or (
        c.conversation_id == A.REVIEW_CHANNEL and c.kind == "send"))
    thread = next(c for c in calls if c.thread is not None)
    personal = next(c for c in calls if c.conversation_id == A.PROPOSER.personal_chat)
    return card, thread, personal


# -- decisions name the revision they were made on ------------------------------------------

OUTDATED_V2 = (
    "Forslaget er blevet rettet, siden du så det (nu version 2). "
    "Se den nye tekst i gennemgangen og beslut igen."
)
FIRST = "Første udgave: vi planter træer i Grenaa."
SECOND = "Anden udgave: vi planter 500 træer ved Grenaa lørdag den 28. november."


async def _resubmitted(teams: Teams) -> tuple[int, Call, dict[str, Any]]:
    """A review card sent back on revision 1 and resubmitted as revision 2: the proposal, the
    card as first posted, and the card as the channel now shows it. Connector calls cleared."""
    proposal_id, post = await _posted(teams, text=FIRST)
    asked = {**action_data(post.card, "request_changes"), "note_changes": "Skriv datoen."}
    await teams.click_card("request_changes", asked, A.CENTRAL, on=post)
    await teams.deliver()
    fixed = {**card_form(text=SECOND), "proposal_id": proposal_id}
    await teams.send(await teams.click_card("resubmit", fixed, A.PROPOSER))
    await teams.deliver()
    current = teams.connector.of("update")[-1]
    teams.connector.clear()
    return proposal_id, post, current.card


def _stored(teams: Teams, proposal_id: int) -> tuple[object, ...]:
    proposal = teams.core.workflow.get(proposal_id)
    return (proposal.status, proposal.revision, proposal.history,
            len(teams.core.store.outbox_rows()))


async def test_approve_on_a_replaced_revision_is_refused_and_the_current_one_decides(
    teams: Teams,
) -> None:
    proposal_id, post, current = await _resubmitted(teams)
    seen = action_data(post.card, "approve")
    assert seen == {"proposal_id": proposal_id, "revision": 1}
    assert shows(current, SECOND) and not shows(current, FIRST)
    assert action_data(current, "approve") == {"proposal_id": proposal_id, "revision": 2}
    before = _stored(teams, proposal_id)

    refused = await teams.click_card("approve", seen, A.CENTRAL, on=post)
    rejected = await teams.click_card(
        "reject", {**action_data(post.card, "reject"), "note_reject": "Nej tak."}, A.CENTRAL,
        on=post)

    for card in (refused, rejected):  # to the clicker alone: the current card, and why
        assert shows(card, OUTDATED_V2)
        assert shows(card, SECOND) and not shows(card, FIRST)
        assert verbs(card) == ["approve", "request_changes", "reject"]
        assert action_data(card, "approve")["revision"] == 2
    assert _stored(teams, proposal_id) == before  # no decision, history row or message
    assert await teams.deliver() == 0
    assert teams.connector.calls == []

    mine = await teams.click_card("approve", action_data(refused, "approve"), A.CENTRAL,
                                  on=post)
    assert shows(mine, f"Godkendt af {A.CENTRAL.name}")
    decided = teams.core.workflow.get(proposal_id).history[-1]
    assert (decided.event, decided.revision) == ("approved", 2)
    assert await teams.deliver() == 3


async def test_a_card_from_before_cards_carried_the_revision(teams: Teams) -> None:
    """Such a card can only be from the first revision: refused once there is a second, and
    the clicker gets the current card, whose buttons name it."""
    proposal_id, post, _current = await _resubmitted(teams)
    before = _stored(teams, proposal_id)

    card = await teams.click_card("approve", {"proposal_id": proposal_id}, A.CENTRAL, on=post)

    assert shows(card, OUTDATED_V2) and shows(card, SECOND)
    assert _stored(teams, proposal_id) == before
    again = await teams.click_card("approve", action_data(card, "approve"), A.CENTRAL, on=post)
    assert shows(again, "Godkendt af")


@pytest.mark.parametrize("revision", [
    0, 2, -1, 1.5, "1.0", " 1", "+1", "1_0", "\u0661", "abc", "", True, None, [1], {"$gt": 0},
    10**30,
], ids=repr)
async def test_a_forged_revision_in_card_data_decides_nothing(
    teams: Teams, revision: Any
) -> None:
    proposal_id, post = await _posted(teams)
    before = _stored(teams, proposal_id)

    for verb, extra in (("approve", {}), ("reject", {"note_reject": "Nej"})):
        card = await teams.click_card(
            verb, {"proposal_id": proposal_id, "revision": revision, **extra}, A.CENTRAL,
            on=post)
        assert shows(card, "beslut igen"), card

    assert _stored(teams, proposal_id) == before
    assert await teams.deliver() == 0


async def test_the_notice_offers_the_edit_only_when_the_workflow_allows_it(
    teams: Teams, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether the proposer may edit is the workflow's to say (`can_resubmit`), not the
    card's reading of the status."""
    proposal_id, post = await _posted(teams)
    monkeypatch.setattr(teams.core.workflow, "can_resubmit", lambda proposal, actor: False)
    await teams.click_card("request_changes", {"proposal_id": proposal_id,
                                               "note_changes": "Kortere tekst."},
                           A.CENTRAL, on=post)
    await teams.deliver()

    _update, _reply, notice = _by_kind(teams.connector.calls)
    assert shows(notice.card, "Kortere tekst.")
    assert "resubmit" not in verbs(notice.card)
