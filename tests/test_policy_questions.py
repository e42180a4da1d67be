"""The guided questions every surface renders its form from, as each strategy file asks them
(the `strategy` fixture, tests/strategies.py)."""

from __future__ import annotations

from typing import get_args

from policy import TEXT_MAX, questions
from policy.models import Audience, ContentType, Intake, Theme
from tests.strategies import InUse

ORDER = [
    "audience", "theme", "content_type", "crisis", "has_media", "media_kind", "people_in_media",
    "consent", "alt_text", "captions", "job_level", "planned_for", "department", "title", "text",
    "link",
]
DANISH_WORDS = {"og", "i", "at", "er", "til", "på", "det", "en", "et", "den", "du", "vi", "om",
                "skal", "kan", "med", "hvis", "så", "fra", "eller", "der", "har", "hvem", "hvad"}


def by_id() -> dict[str, object]:
    return {q.id: q for q in questions()}


def test_questions_come_in_the_order_they_are_asked(strategy: InUse) -> None:
    assert [q.id for q in questions()] == ORDER


def test_the_questions_cover_exactly_the_intake_fields(strategy: InUse) -> None:
    assert sorted(q.id for q in questions()) == sorted(Intake.model_fields)


def test_each_question_has_the_right_kind(strategy: InUse) -> None:
    kinds = {q.id: q.kind for q in questions()}
    assert kinds == {
        "audience": "multi_choice", "theme": "choice", "content_type": "choice",
        "crisis": "bool", "has_media": "bool", "media_kind": "choice",
        "people_in_media": "choice", "consent": "bool", "alt_text": "short_text",
        "captions": "bool",
        "job_level": "choice", "planned_for": "date", "department": "short_text",
        "title": "short_text", "text": "long_text", "link": "url",
    }


def test_choice_options_are_the_intake_values_with_danish_labels(strategy: InUse) -> None:
    qs = {q.id: q for q in questions()}
    assert [o.value for o in qs["audience"].options] == list(get_args(Audience))
    assert [o.value for o in qs["theme"].options] == list(get_args(Theme))
    assert [o.value for o in qs["content_type"].options] == list(get_args(ContentType))
    assert [o.value for o in qs["job_level"].options] == ["chef", "medarbejder"]
    assert [o.value for o in qs["media_kind"].options] == ["foto", "video", "begge"]
    assert [o.value for o in qs["people_in_media"].options] == ["ingen", "voksne", "boern"]
    for q in qs.values():
        for option in q.options:
            assert option.label and option.label != option.value
        if q.kind not in ("choice", "multi_choice"):
            assert q.options == []


def test_conditional_questions_name_their_condition(strategy: InUse) -> None:
    conditions = {q.id: q.applies_when for q in questions()}
    assert conditions == {
        **{qid: {} for qid in ORDER},
        "media_kind": {"has_media": [True]},
        "people_in_media": {"has_media": [True]},
        "consent": {"has_media": [True], "people_in_media": ["voksne", "boern"]},
        "alt_text": {"has_media": [True]},
        # Only about a video (issue 12: the accessibility law asks subtitles of it).
        "captions": {"has_media": [True], "media_kind": ["video", "begge"]},
        "job_level": {"content_type": ["jobopslag"]},
    }


def test_applies_shows_media_questions_only_with_media(strategy: InUse) -> None:
    qs = {q.id: q for q in questions()}
    assert qs["alt_text"].applies({"has_media": True})
    assert not qs["alt_text"].applies({"has_media": False})
    assert not qs["captions"].applies({})
    assert qs["job_level"].applies({"content_type": "jobopslag"})
    assert not qs["job_level"].applies({"content_type": "nyhed"})
    assert qs["text"].applies({})


def test_consent_is_asked_only_when_someone_can_be_recognised(strategy: InUse) -> None:
    qs = {q.id: q for q in questions()}
    assert qs["people_in_media"].label == (
        "Er der genkendelige personer på billedet eller i videoen?"
    )
    assert qs["consent"].label == "Har de givet samtykke?"
    assert "forældrene" in qs["consent"].help  # children under 15: their parents consent
    for people, asked in (("ingen", False), ("voksne", True), ("boern", True)):
        assert qs["consent"].applies({"has_media": True, "people_in_media": people}) is asked
    # left over from before the proposer said there is no media: not asked
    assert not qs["consent"].applies({"has_media": False, "people_in_media": "boern"})


def test_required_questions_are_the_fields_without_a_default(strategy: InUse) -> None:
    required = {q.id for q in questions() if q.required}
    assert required == {"audience", "theme", "content_type", "text", "job_level"}
    for field in required - {"job_level"}:
        assert Intake.model_fields[field].is_required()


def test_max_lengths_match_the_intake_model(strategy: InUse) -> None:
    lengths = {q.id: q.max_length for q in questions() if q.max_length is not None}
    assert lengths == {
        "alt_text": 1000, "department": 120, "title": 150, "text": TEXT_MAX, "link": 500,
    }
    assert TEXT_MAX == 3000


def test_labels_and_help_are_danish_for_non_experts(strategy: InUse) -> None:
    for q in questions():
        assert q.label.strip() and q.help.strip(), q.id
        words = set(f"{q.label} {q.help}".lower().replace(",", " ").replace(".", " ").split())
        assert words & DANISH_WORDS, q.id


def test_questions_are_a_fresh_copy_each_time(strategy: InUse) -> None:
    first = questions()
    first[0].label = "ændret"
    first[0].options.clear()
    again = questions()
    assert again[0].label != "ændret"
    assert len(again[0].options) == len(get_args(Audience))
