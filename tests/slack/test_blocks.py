"""The Block Kit the Slack surface builds, without a server: the modal from the policy's
questions, escaping, and the worst-case message sizes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from bot import advice
from bot.proposal import Actor, Decision, Proposal, Status
from handlers.slack import messages
from handlers.slack.advice import advice_view, details_view
from handlers.slack.form import answers_from_state, block_errors
from handlers.slack.mrkdwn import escape, plain, quote
from handlers.slack.views import draft_answers, intake_modal, reason_modal
from policy import (
    TEXT_MAX,
    AdviceWarning,
    Finding,
    PlatformFit,
    Recommendation,
    Review,
    TextChecks,
    intake_errors,
    parse_intake,
    questions,
    recommend,
)
from policy.answers import applicable, from_intake
from tests.conftest import intake_data
from tests.fakes.slack_api import BLOCKS_MAX_CHARS, SECTION_MAX_CHARS
from tests.slack.helpers import fill

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
ELEMENT_FOR_KIND = {
    "choice": {"static_select"},
    "multi_choice": {"checkboxes", "multi_static_select"},
    "bool": {"radio_buttons"},
    "short_text": {"plain_text_input"},
    "long_text": {"plain_text_input"},
    "date": {"datepicker"},
    "url": {"url_text_input"},
}


def proposal(**overrides: Any) -> Proposal:
    intake = parse_intake(intake_data(**overrides.pop("intake", {})))
    values: dict[str, Any] = {
        "id": 7, "created_at": NOW, "updated_at": NOW, "source": "slack",
        "proposer": Actor(platform="slack", user_id="UANNA", name="anna"), "intake": intake,
        "recommendation": recommend(intake), "policy_version": "test", "status": Status.PENDING,
    }
    values.update(overrides)
    return Proposal(**values)


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def sizes(blocks: list[dict[str, Any]]) -> tuple[int, int]:
    """(whole message as JSON, largest section text)."""
    largest = max(len((b.get("text") or {}).get("text", "")) for b in blocks)
    return len(json.dumps(blocks, ensure_ascii=False)), largest


# -- the modal -------------------------------------------------------------------------------


def test_modal_is_built_from_the_policy_questions() -> None:
    view = intake_modal({})  # each block went through slack_sdk's limit checks
    blocks = inputs(view)
    unconditional = [q for q in questions() if not q.applies_when]
    assert list(blocks) == [q.id for q in unconditional]
    for question in unconditional:
        block = blocks[question.id]
        element = block["element"]
        assert block["label"]["text"] == question.label
        assert element["type"] in ELEMENT_FOR_KIND[question.kind]
        assert element["action_id"] == question.id
        assert block.get("optional", False) is (not question.required)
        values = [option["value"] for option in element.get("options", [])]
        if question.kind in ("choice", "multi_choice"):
            assert values == [option.value for option in question.options]
        if question.kind == "bool":
            assert values == ["true", "false"]
    assert view["callback_id"] == "intake"


def test_answers_that_decide_other_questions_dispatch_and_add_those_questions() -> None:
    plain_view = inputs(intake_modal({}))
    assert plain_view["content_type"]["dispatch_action"] is True
    assert plain_view["has_media"]["dispatch_action"] is True
    view = inputs(intake_modal({"content_type": "jobopslag", "has_media": True,
                                "media_kind": "video"}))
    assert view["media_kind"]["dispatch_action"] is True  # a video adds the subtitles question
    assert {"job_level", "alt_text", "captions"} <= set(view)
    assert not {"job_level", "alt_text", "captions"} & set(plain_view)


def test_an_intake_survives_prefill_and_submission_unchanged() -> None:
    intake = parse_intake(intake_data(
        content_type="jobopslag", job_level="chef", link="https://norddjurs.dk/job",
        audience=["borgere", "arbejdsmarked"], media_kind="video", captions=True,
    ))
    view = intake_modal(from_intake(intake))
    answers = applicable(answers_from_state(fill(view, from_intake(intake))))
    assert parse_intake(answers) == intake


def test_answers_to_questions_that_no_longer_apply_are_dropped() -> None:
    answers = applicable({**intake_data(has_media=False), "job_level": "chef"})
    assert "job_level" not in answers and "alt_text" not in answers


def test_an_error_for_a_hidden_question_lands_on_the_question_that_decides_it() -> None:
    answers = intake_data(content_type="jobopslag")
    errors = block_errors(intake_errors(answers), {"audience", "theme", "content_type", "text"})
    assert set(errors) == {"content_type"}
    assert errors["content_type"]  # the policy's Danish message


def test_a_long_draft_is_cut_to_the_allowed_length_with_a_notice() -> None:
    answers, notice = draft_answers("x" * (TEXT_MAX + 50))
    assert len(answers["text"]) == TEXT_MAX and notice
    view = intake_modal(answers, notice=notice)
    assert len(inputs(view)["text"]["element"]["initial_value"]) == TEXT_MAX


def test_reason_modal_asks_for_a_note_and_remembers_the_decision() -> None:
    view = reason_modal(proposal(revision=3), Decision.REJECT).to_dict()
    assert view["callback_id"] == "decision_reason"
    assert json.loads(view["private_metadata"]) == {
        "proposal_id": 7, "decision": "reject", "revision": 3
    }
    assert list(inputs(view)) == ["note"]


# -- escaping --------------------------------------------------------------------------------


def test_user_text_is_escaped_and_verbatim_everywhere_it_appears() -> None:
    nasty = "<!channel> <@U123> & <https://evil|klik>"
    p = proposal(
        intake={"text": nasty, "title": "<!here> titel", "department": "<@U9> afd"},
        status=Status.CHANGES_REQUESTED, decision=Decision.REQUEST_CHANGES,
        decided_by=Actor(platform="slack", user_id="UCHEF"), decided_at=NOW,
        decision_note="<!everyone> ret det",
    )
    built = [
        messages.review_message(p), messages.receipt_message(
            p, sla_hours=48, escalate_minutes=15), messages.decision_notice(p),
        messages.thread_message(p, "changes_requested"),
    ]
    # The advice quotes the person's words in its findings and names them in its summary.
    worded = _advice_with(nasty)
    views = [advice_view(worded, private_metadata=""), details_view(worded)]
    texts = [json.dumps([b.to_dict() for b in m.blocks]) + m.text for m in built]
    texts += [json.dumps(view.to_dict()) for view in views]
    assert any(nasty[:5].replace("<", "&lt;") in text for text in texts[-2:])
    for text in texts:
        for raw in ("<!channel>", "<@U123>", "<!here>", "<@U9>", "<!everyone>", "<https://evil"):
            assert raw not in text
    review = json.dumps([b.to_dict() for b in built[0].blocks])
    assert "&lt;!channel&gt; &lt;@U123&gt; &amp;" in review
    for block in built[0].blocks:
        text = block.to_dict().get("text") or {}
        if "&lt;" in text.get("text", ""):
            assert text.get("verbatim") is True


def test_quoting_never_cuts_an_escape_sequence_in_half() -> None:
    chunks, shown = quote("&" * 100, budget=52)
    assert "".join(chunks).count("&amp;") == shown
    assert not "".join(chunks).replace("&amp;", "").replace("> ", "").strip()


def test_escape_and_plain_are_opposites_for_typed_text() -> None:
    typed = "a < b & c > d"
    assert plain(escape(typed)) == typed
    assert plain("Se <https://norddjurs.dk|her> <@U1> <!channel>") == (
        "Se her (https://norddjurs.dk) @U1 @channel"
    )


# -- worst-case sizes ------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["a", "&", "<", "\n"])
def test_worst_case_review_post_stays_under_slacks_limit(char: str) -> None:
    """A 3,000-character draft of the costliest characters, the longest other fields, a crisis
    with a user group and a long decision note: under 12,000 characters, no section over
    3,000; an ordinary 3,000-character draft is shown whole."""
    draft = (char * TEXT_MAX) if char != "\n" else "x\n" * (TEXT_MAX // 2)
    p = proposal(
        intake={
            "text": draft, "title": "&" * 150, "department": "<" * 120, "alt_text": ">" * 1000,
            "link": "https://norddjurs.dk/" + "&" * 470, "crisis": True,
        },
        status=Status.REJECTED, decision=Decision.REJECT, decided_at=NOW,
        decided_by=Actor(platform="slack", user_id="UCHEF"), decision_note="&" * 1000,
    )
    message = messages.review_message(p, usergroup="S0CENTRAL")
    total, largest = sizes([b.to_dict() for b in message.blocks])
    assert total < BLOCKS_MAX_CHARS and largest <= SECTION_MAX_CHARS
    if char == "a":
        assert "Udkastet er forkortet" not in json.dumps([b.to_dict() for b in message.blocks])


def test_an_ordinary_long_draft_is_quoted_in_full() -> None:
    draft = ("Vi planter træer ved Grenaa. " * 120)[:TEXT_MAX]
    blocks = [b.to_dict() for b in messages.review_message(proposal(intake={"text": draft})).blocks]
    sections = [(b.get("text") or {}).get("text", "") for b in blocks if b["type"] == "section"]
    quoted = "".join(text for text in sections if text.startswith("> "))
    assert quoted.replace("> ", "").replace("\n", "") == draft.strip().replace("\n", "")


def _advice_with(words: str) -> advice.Advice:
    """The advice with the person's words in every part a surface shows."""
    rec = recommend(parse_intake(intake_data(text="Vi planter træer.")))
    rec = rec.model_copy(update={
        "summary": [words], "warnings": [AdviceWarning(code="x", message=words)],
        "text_checks": TextChecks(lix=30, words=3, findings=[Finding(code="x", message=words)]),
    })
    return advice.advice(rec, sla_hours=48, escalate_minutes=15)


def test_worst_case_advice_fits_a_modal_with_every_crisis_item() -> None:
    long_reason = "&" * 1000
    rec = Recommendation(
        platforms=[
            PlatformFit(platform=name, fit="possible", reasons=[long_reason] * 10)
            for name in ("facebook", "linkedin", "instagram", "department", "intranet", "website")
        ],
        summary=["&" * 200] * 3,
        crisis_checklist=[long_reason] * 10,
        tone_tips={name: [long_reason] * 10 for name in ("facebook", "linkedin", "instagram")},
        text_checks=TextChecks(lix=60, words=500, findings=[
            Finding(code="x", platform="facebook", message=long_reason) for _ in range(30)
        ]),
        review=Review(route="central", urgent=True, reason=long_reason),
        warnings=[AdviceWarning(code="x", message=long_reason)] * 10,
        policy_version="test",
    )
    worst = advice.advice(rec, sla_hours=48, escalate_minutes=15)
    details = details_view(worst).to_dict()  # slack_sdk checks every limit here
    assert len(details["blocks"]) <= 100
    assert max(len(json.dumps(b)) for b in details["blocks"]) <= SECTION_MAX_CHARS
    checklist = next(b for b in details["blocks"] if "Krisetjekliste" in json.dumps(
        b, ensure_ascii=False))
    assert checklist["text"]["text"].count("•") == 10  # shortened, never left out
    short = advice_view(worst, private_metadata="").to_dict()
    assert len(json.dumps(short)) < len(json.dumps(details)) / 4
