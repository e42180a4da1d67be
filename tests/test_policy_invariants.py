"""What holds for every recommendation, checked over a grid of several thousand intakes."""

from __future__ import annotations

import itertools
import re
from functools import cache
from pathlib import Path
from typing import Any, get_args

import pytest

from policy import POLICY_VERSION, recommend
from policy.models import Audience, ContentType, Intake, Platform, Recommendation, Theme

STRATEGY = (Path(__file__).resolve().parent / "data" / "sociale-medier-2023.txt").read_text(
    encoding="utf-8"
)
ORDER = list(get_args(Platform))
RANK = {"recommended": 0, "possible": 1, "not_recommended": 2}
MAIN_PROFILES = {"facebook", "linkedin", "instagram"}
QUOTE = re.compile(r'Strategien: "(.+)"$')
DANISH_WORDS = {
    "og", "i", "at", "er", "til", "på", "det", "en", "et", "den", "ikke", "skal", "kan", "for",
    "med", "har", "som", "der", "du", "vi", "af", "om", "hvis", "så", "fra", "eller", "dit",
    "din", "mere", "skriv",
}
ENGLISH_WORDS = {"the", "should", "and", "not", "with", "recommended", "please", "your"}
TEXTS = [
    "Vi åbner en ny legeplads i Grenaa på lørdag. Kom og leg med.",
    "Såfremt du ønsker at deltage, bedes du fremsende en ansøgning. Ansøgningen behandles "
    "i forbindelse med næste møde, jf. reglerne. " * 6,
]
AUDIENCES: list[list[str]] = [[a] for a in get_args(Audience)] + [
    ["borgere", "medarbejdere"], ["erhverv", "arbejdsmarked"], ["unge_voksne", "turister"],
]


def grid() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for audience, theme, content_type, crisis, media in itertools.product(
        AUDIENCES, get_args(Theme), get_args(ContentType), (False, True), (False, True)
    ):
        levels = ["chef", "medarbejder", None] if content_type == "jobopslag" else [None]
        for level in levels:
            rows.append({
                "audience": audience, "theme": theme, "content_type": content_type,
                "crisis": crisis, "has_media": media, "job_level": level,
                "text": TEXTS[len(rows) % len(TEXTS)],
            })
    return rows


@cache
def recommendations() -> list[tuple[dict[str, Any], Recommendation]]:
    return [(row, recommend(Intake.model_validate(row))) for row in grid()]


def looks_danish(sentence: str) -> bool:
    words = set(re.findall(r"[a-zæøå]+", sentence.lower()))
    return bool(words & DANISH_WORDS) and not (words & ENGLISH_WORDS)


def test_the_grid_is_big_enough_to_mean_something() -> None:
    assert len(recommendations()) > 3000


def test_all_five_platforms_always_present_once() -> None:
    for _, r in recommendations():
        assert sorted(p.platform for p in r.platforms) == sorted(ORDER)


def test_platforms_sorted_best_first_with_a_stable_tie_order() -> None:
    for _, r in recommendations():
        keys = [(RANK[p.fit], ORDER.index(p.platform)) for p in r.platforms]
        assert keys == sorted(keys)


def test_every_platform_has_a_danish_reason_quoting_the_strategy_verbatim() -> None:
    for _, r in recommendations():
        for platform in r.platforms:
            assert platform.reasons
            for reason in platform.reasons:
                match = QUOTE.search(reason)
                assert match, reason
                assert match.group(1) in STRATEGY, reason
                assert looks_danish(reason[: match.start()]), reason


def test_no_reason_is_repeated_for_a_platform() -> None:
    for _, r in recommendations():
        for platform in r.platforms:
            assert len(platform.reasons) == len(set(platform.reasons))


def test_tone_tips_for_exactly_the_platforms_not_ruled_out() -> None:
    for _, r in recommendations():
        wanted = [p.platform for p in r.platforms if p.fit != "not_recommended"]
        assert list(r.tone_tips) == wanted
        for tips in r.tone_tips.values():
            assert tips and all(looks_danish(tip) for tip in tips)


def test_some_platform_always_fits() -> None:
    for row, r in recommendations():
        assert any(p.fit != "not_recommended" for p in r.platforms), row


def test_review_route_follows_the_main_profiles_and_crisis() -> None:
    for row, r in recommendations():
        on_main = any(p.platform in MAIN_PROFILES and p.fit != "not_recommended"
                      for p in r.platforms)
        assert r.review.route == ("central" if row["crisis"] or on_main else "department"), row
        assert r.review.urgent is row["crisis"]
        match = QUOTE.search(r.review.reason)
        assert match and match.group(1) in STRATEGY


def test_crisis_always_rules_out_instagram_and_recommends_facebook_and_website() -> None:
    for row, r in recommendations():
        if row["crisis"] and row["audience"] != ["medarbejdere"]:
            fits = {p.platform: p.fit for p in r.platforms}
            assert fits["instagram"] == "not_recommended"
            assert fits["facebook"] == "recommended", row
            assert fits["website"] == "recommended"


def test_instagram_never_without_media() -> None:
    for row, r in recommendations():
        if not row["has_media"]:
            assert next(p.fit for p in r.platforms if p.platform == "instagram") == (
                "not_recommended"
            )


def test_findings_and_warnings_are_danish_sentences() -> None:
    for _, r in recommendations():
        for finding in r.text_checks.findings:
            assert finding.code and looks_danish(finding.message), finding
        for warning in r.warnings:
            assert looks_danish(warning), warning


def test_every_finding_names_what_it_found() -> None:
    for _, r in recommendations():
        for finding in r.text_checks.findings:
            if finding.code in ("officialese", "passive"):
                assert re.search(r'"[^"]+"', finding.message)
            if finding.code in ("length", "too_long_hard", "lix_high", "link_norddjurs"):
                assert re.search(r"\d", finding.message)


def test_policy_version_is_stamped() -> None:
    for _, r in recommendations()[:50]:
        assert r.policy_version == POLICY_VERSION


@pytest.mark.parametrize("index", [0, 7, 311, 1999])
def test_recommend_is_deterministic(index: int) -> None:
    row = grid()[index]
    first = recommend(Intake.model_validate(row)).model_dump_json()
    again = recommend(Intake.model_validate(dict(row))).model_dump_json()
    assert first == again
    assert first == recommendations()[index][1].model_dump_json()


def test_recommend_does_not_change_the_intake() -> None:
    intake = Intake.model_validate(grid()[5])
    before = intake.model_dump()
    recommend(intake)
    assert intake.model_dump() == before


def test_the_recommendation_survives_a_json_round_trip() -> None:
    r = recommendations()[123][1]
    assert Recommendation.model_validate_json(r.model_dump_json()) == r
