"""Questions → advice → Send / Ret / Drop in Teams, driven as Teams drives it.

The questions card's submit is answered, in the invoke response, with the advice card: the
short answer shown, every reason and tip folded away. Nothing is stored until Send, and one
card stores once. After Send the proposer gets a receipt, not the advice again.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot import advice as ADV
from bot import readout
from bot.store import StoreUnavailable
from bot.workflow import Unavailable
from handlers.teams import text as T
from policy import parse_intake
from tests.conftest import intake_data
from tests.teams import activities as A
from tests.teams.conftest import (
    Teams,
    action_data,
    assert_valid_card,
    card_form,
    card_texts,
    inputs,
    shows,
    verbs,
)

RECEIPT = "Tak – forslag nr. {id} er sendt til godkendelse hos den centrale kommunikationsafdeling."
WHEN = "Du kan forvente svar inden for 48 timer."


def _advice_of(teams: Teams, **overrides: Any) -> Any:
    """The advice Teams would give on these answers (the core's model, to compare with)."""
    return ADV.advice(teams.core.workflow.advise(parse_intake(intake_data(**overrides))),
                      sla_hours=48, escalate_minutes=15)


def visible_texts(element: Any) -> list[str]:
    """What a person sees before unfolding anything: no hidden element, no action's data."""
    if isinstance(element, dict):
        if element.get("isVisible") is False:
            return []
        found = [element[key] for key in ("text", "title", "label")
                 if isinstance(element.get(key), str)]
        for key, value in element.items():
            if key not in ("data", "fallback"):
                found += visible_texts(value)
        return found
    if isinstance(element, list):
        return [text for item in element for text in visible_texts(item)]
    return []


def by_id(card: Any, element_id: str) -> dict[str, Any]:
    if isinstance(card, dict):
        if card.get("id") == element_id:
            return card
        children: list[Any] = list(card.values())
    elif isinstance(card, list):
        children = card
    else:
        return {}
    for child in children:
        found = by_id(child, element_id)
        if found:
            return found
    return {}


async def _questions_answered(teams: Teams, form_id: str = "f1", user: A.User = A.PROPOSER,
                              **overrides: Any) -> dict[str, Any]:
    return await teams.click_card("submit_intake", {**card_form(**overrides),
                                                    "form_id": form_id}, user)


def _nothing_stored(teams: Teams) -> None:
    assert teams.core.store.list_proposals() == []
    assert teams.core.store.outbox_rows() == []


async def test_the_answered_questions_come_back_as_the_advice_and_nothing_is_stored(
    teams: Teams,
) -> None:
    await teams.choose_review_channel()
    teams.connector.clear()
    expected = _advice_of(teams)

    card = await _questions_answered(teams)

    shown = visible_texts(card)
    assert shown[0] == ADV.TITLE
    assert 1 <= len(expected.summary) <= 3
    for line in expected.summary:  # the short answer, in bold, before anything is unfolded
        assert line in shown
        run = next(b for b in card["body"] if card_texts(b) == [line])
        assert run["inlines"][0]["weight"] == "Bolder"
    for fit in expected.fits:  # the platforms that fit are shown; the others are folded
        assert (fit.headline in shown) is (fit.key != "not_recommended")
    assert T.ADVICE_SHOW in shown and T.ADVICE_HIDE not in shown
    for reason in expected.fits[0].reasons:
        assert reason not in shown

    details = by_id(card, "advice_details")
    assert details["type"] == "Container" and details["isVisible"] is False
    folded = card_texts(details)
    assert ADV.PLATFORMS in folded
    for fit in expected.fits:
        assert fit.headline in folded and all(f"• {r}" in folded for r in fit.reasons)
    for section in expected.sections:
        assert section.title in folded
        for name, tips in section.subheads:
            assert name in folded and all(f"• {tip}" in folded for tip in tips)
    assert readout.REVIEW_BY in folded
    assert any(expected.review.reason in text for text in folded)
    assert f"{ADV.WHEN}: {WHEN}" in folded
    for button in ("advice_show", "advice_hide"):
        (toggle,) = by_id(card, button)["actions"]
        assert toggle["type"] == "Action.ToggleVisibility"
        assert set(toggle["targetElements"]) == {"advice_details", "advice_show", "advice_hide"}

    assert verbs(card) == ["send", "edit", "drop"]
    send, edit, drop = card["actions"]
    assert (send["title"], send["style"]) == (T.ADVICE_SEND, "positive")
    assert (edit["title"], drop["title"]) == (T.ADVICE_EDIT, T.ADVICE_DROP)
    for action in card["actions"]:  # older clients submit instead, with the verb in the data
        assert action["fallback"]["type"] == "Action.Submit"
        assert action["fallback"]["data"]["verb"] == action["verb"]

    _nothing_stored(teams)
    assert await teams.deliver() == 0
    assert teams.review_posts() == [] and teams.connector.calls == []


async def test_a_platform_advised_against_gets_one_line(teams: Teams) -> None:
    card = await _questions_answered(teams)

    folded = card_texts(by_id(card, "advice_details"))
    for fit in _advice_of(teams).fits:
        if fit.key == "not_recommended":
            after = folded[folded.index(fit.headline) + 1:]
            reasons = [text for text in after[:2] if text.startswith("• ")]
            assert len(reasons) <= 1


async def test_ret_brings_the_questions_back_with_every_answer(teams: Teams) -> None:
    form = card_form(audience="borgere,turister", title="Høstmarked i Ebeltoft")
    advice = await teams.click_card("submit_intake", {**form, "form_id": "f-ret"}, A.PROPOSER)

    questions = await teams.click_card("edit", action_data(advice, "edit"), A.PROPOSER)

    fields = inputs(questions)
    for name, value in form.items():
        assert fields[name]["value"] == value, name
    assert verbs(questions) == ["submit_intake"]
    assert action_data(questions, "submit_intake") == {"form_id": "f-ret"}  # the same card
    _nothing_stored(teams)

    again = await teams.click_card("submit_intake", {**form, "title": "Høstmarked 2026",
                                                     "form_id": "f-ret"}, A.PROPOSER)
    assert verbs(again) == ["send", "edit", "drop"]
    assert action_data(again, "send")["answers"]["title"] == "Høstmarked 2026"
    _nothing_stored(teams)


async def test_send_stores_once_and_the_proposer_gets_a_receipt_not_the_advice(
    teams: Teams,
) -> None:
    await teams.choose_review_channel()
    await teams.say("hjælp")  # the proposer's personal chat is known
    teams.connector.clear()
    advice = await _questions_answered(teams, "f-send")
    expected = _advice_of(teams)

    first = await teams.send(advice)
    second = await teams.send(advice)  # a double click, or Teams sending the invoke again

    (proposal,) = teams.core.store.list_proposals()
    assert shows(first, RECEIPT.format(id=proposal.id)) and shows(first, WHEN)
    assert shows(first, "Træplantning i Grenaa")
    assert verbs(first) == []
    assert shows(second, T.ALREADY_SUBMITTED)
    assert (proposal.source, proposal.proposer.user_id) == ("teams", A.PROPOSER.aad)

    assert await teams.deliver() == 2
    (post,) = teams.review_posts()
    assert shows(post.card, "Træplantning i Grenaa")
    (dm,) = [c for c in teams.connector.calls if c.conversation_id == A.PROPOSER.personal_chat]
    assert dm.body["summary"] == T.SUMMARY_RECEIPT
    texts = card_texts(dm.card)
    assert texts[0] == T.RECEIPT_TITLE
    assert shows(dm.card, T.RECEIPT_ABOUT.format(id=proposal.id))
    assert shows(dm.card, "Træplantning i Grenaa")
    assert shows(dm.card, readout.REVIEW_BY)
    assert shows(dm.card, "Den centrale kommunikationsafdeling") and shows(dm.card, WHEN)
    advice_words = [*expected.summary, ADV.PLATFORMS, *(f.headline for f in expected.fits),
                    *(r for f in expected.fits for r in f.reasons),
                    *(s.title for s in expected.sections), expected.review.reason]
    for words in advice_words:  # the advice is not repeated
        assert not shows(dm.card, words), words
    assert len(" ".join(texts)) < 300


async def test_one_questions_card_stores_once_through_ret(teams: Teams) -> None:
    """Ret keeps the card's id: an advice card from before Ret cannot store a second one."""
    before = await _questions_answered(teams, "f-once")
    await teams.click_card("edit", action_data(before, "edit"), A.PROPOSER)
    after = await _questions_answered(teams, "f-once", title="Træer i Grenaa")

    await teams.send(after)
    old = await teams.send(before)

    assert shows(old, T.ALREADY_SUBMITTED)
    (proposal,) = teams.core.store.list_proposals()
    assert proposal.title == "Træer i Grenaa"


async def test_drop_stores_nothing(teams: Teams) -> None:
    await teams.choose_review_channel()
    advice = await _questions_answered(teams)

    dropped = await teams.click_card("drop", action_data(advice, "drop"), A.PROPOSER)

    assert card_texts(dropped)[0] == T.DROPPED
    assert verbs(dropped) == []
    assert "answers" not in action_data(advice, "drop")  # Drop carries nothing to store
    _nothing_stored(teams)


async def test_send_checks_the_answers_again(teams: Teams) -> None:
    """The answers travel in the card's data, which the client may change: Send reads them
    the one way again, and answers that are not valid come back as the questions."""
    advice = await _questions_answered(teams, "f-forged")
    forged = action_data(advice, "send")
    forged["answers"] = {**forged["answers"], "text": "", "link": "javascript:alert(1)"}

    card = await teams.click_card("send", forged, A.PROPOSER)

    assert shows(card, T.ERRORS_SUMMARY) and shows(card, "Skriv teksten til opslaget.")
    assert inputs(card)["title"]["value"] == "Træplantning i Grenaa"
    assert verbs(card) == ["submit_intake"]
    _nothing_stored(teams)


@pytest.mark.parametrize("answers", [None, "x", [], {}, [1], {"text": ["a"]}], ids=repr)
async def test_send_without_valid_answers_stores_nothing(teams: Teams, answers: Any) -> None:
    card = await teams.click_card("send", {"form_id": "f", "answers": answers}, A.PROPOSER)

    assert verbs(card) == ["submit_intake"]  # the questions, to answer
    _nothing_stored(teams)


@pytest.mark.parametrize("data", [None, "x", []], ids=repr)
async def test_send_with_data_that_is_no_object_is_a_400(teams: Teams, data: Any) -> None:
    body = await teams.click("send", data, A.PROPOSER)  # type: ignore[arg-type]

    assert body["statusCode"] == 400
    _nothing_stored(teams)


async def test_a_database_that_cannot_write_keeps_the_advice_to_send_again(
    teams: Teams, monkeypatch: pytest.MonkeyPatch
) -> None:
    advice = await _questions_answered(teams, "f-locked", title="Høstmarked")

    def locked(*args: object, **kwargs: object) -> bool:
        raise StoreUnavailable("database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(teams.core.store, "first_time", locked)
        card = await teams.send(advice)

    assert shows(card, Unavailable().message)
    assert verbs(card) == ["send", "edit", "drop"]
    assert action_data(card, "send") == action_data(advice, "send")
    _nothing_stored(teams)

    sent = await teams.send(card)
    assert shows(sent, "er sendt til godkendelse")
    assert [p.title for p in teams.core.store.list_proposals()] == ["Høstmarked"]


async def test_an_action_submit_in_a_channel_never_replaces_the_card_it_names(
    teams: Teams,
) -> None:
    """A card in a channel is everyone's (the review card): an Action.Submit there naming it,
    from an older client or forged, is answered with a new message, never by replacing it."""
    activity = A.message("", A.PROPOSER, teams.url, where="channel")
    activity.pop("text")
    activity["replyToId"] = "review-card-1"
    activity["value"] = {**card_form(), "form_id": "in-channel", "verb": "drop"}
    teams.connector.clear()
    assert (await teams.post(activity)).status == 202
    assert [call.kind for call in teams.connector.calls] == ["reply"]
    _nothing_stored(teams)


async def test_action_submit_from_an_older_client_goes_the_same_way(teams: Teams) -> None:
    """Clients without Universal Actions send Action.Submit as a message with a value; each
    answer replaces the card they clicked."""

    async def submit(value: dict[str, Any]) -> dict[str, Any]:
        activity = A.message("", A.PROPOSER, teams.url)
        activity.pop("text")
        activity["replyToId"] = "card-17"
        activity["value"] = value
        teams.connector.clear()
        assert (await teams.post(activity)).status == 202
        (update,) = teams.connector.calls
        assert update.kind == "update" and update.activity_id == "card-17"
        assert_valid_card(update.card)
        return update.card

    advice = await submit({**card_form(), "form_id": "old-client", "verb": "submit_intake"})
    assert shows(advice, ADV.TITLE)
    _nothing_stored(teams)
    send, edit, drop = (action["fallback"]["data"] for action in advice["actions"])

    questions = await submit(edit)
    assert inputs(questions)["title"]["value"] == "Træplantning i Grenaa"
    assert shows(await submit(drop), T.DROPPED)
    _nothing_stored(teams)

    sent = await submit(send)
    assert shows(sent, RECEIPT.format(id=1))
    assert shows(await submit(send), T.ALREADY_SUBMITTED)
    assert len(teams.core.store.list_proposals()) == 1


async def test_the_advice_card_with_the_longest_draft_stays_small(teams: Teams) -> None:
    """The answers travel in Send's and Ret's data (and their fallbacks): a draft at its
    limit still makes a card well within what Teams takes (about 28 KB), its answers whole."""
    draft = ("Kære borgere i Ærø og Øster Hurup – æblerne er modne. " * 60)[:3000]
    response = await teams.post(A.card_action(
        "submit_intake", {**card_form(text=draft), "form_id": "f-long"}, A.PROPOSER, teams.url,
        conversation=A.personal(A.PROPOSER)[0], channel_data=A.personal(A.PROPOSER)[1]))

    size = len(await response.read())
    card = (await response.json())["value"]
    assert_valid_card(card)
    assert verbs(card) == ["send", "edit", "drop"]
    assert action_data(card, "send")["answers"]["text"] == draft
    assert action_data(card, "edit")["answers"]["text"] == draft
    assert size < 26_000, size
    sent = await teams.send(card)
    assert shows(sent, "er sendt til godkendelse")
    assert teams.core.store.list_proposals()[0].intake.text == draft


async def test_an_edit_that_names_no_proposal_is_not_taken_for_a_new_one(teams: Teams) -> None:
    card = await teams.click_card("resubmit", card_form(), A.PROPOSER)  # no proposal_id

    assert shows(card, "findes ikke") and verbs(card) == []
    _nothing_stored(teams)
