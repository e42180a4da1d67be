"""What holds for every recommendation, checked over a grid of several thousand intakes: under
each strategy the engine is tested with (the `strategy` fixture, tests/strategies.py), and, in
the tests without it, under Norddjurs's own rules."""

from __future__ import annotations

import itertools
import re
from functools import cache
from typing import Any, get_args

import pytest

from policy import policy_version, recommend
from policy.models import Audience, ContentType, Intake, Recommendation, Theme
from tests.strategies import InUse

RANK = {"recommended": 0, "possible": 1, "not_recommended": 2}
QUOTE = re.compile(r'Strategien: "(.+)"$')
QUOTE_ANYWHERE = re.compile(r'Strategien: "([^"]+)"')
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


def recommendations() -> list[tuple[dict[str, Any], Recommendation]]:
    """The grid under the strategy in use."""
    return _recommendations(policy_version())


@cache
def _recommendations(version: str) -> list[tuple[dict[str, Any], Recommendation]]:
    return [(row, recommend(Intake.model_validate(row))) for row in grid()]


def looks_danish(sentence: str) -> bool:
    words = set(re.findall(r"[a-zæøå]+", sentence.lower()))
    return bool(words & DANISH_WORDS) and not (words & ENGLISH_WORDS)


def test_the_grid_is_big_enough_to_mean_something(strategy: InUse) -> None:
    assert len(recommendations()) > 3000


def test_each_of_the_strategys_platforms_is_present_once(strategy: InUse) -> None:
    order = list(strategy.policy.platforms)
    assert order == list(strategy.raw()["platforms"])
    for _, r in recommendations():
        assert sorted(p.platform for p in r.platforms) == sorted(order)


def test_platforms_sorted_best_first_ties_in_the_files_order(strategy: InUse) -> None:
    order = list(strategy.policy.platforms)
    for _, r in recommendations():
        keys = [(RANK[p.fit], order.index(p.platform)) for p in r.platforms]
        assert keys == sorted(keys)


def answer_parts(r: Recommendation) -> list[str]:
    """What the proposer reads, in the order the answer is read."""
    parts = [reason for p in r.platforms for reason in p.reasons]
    parts += [f.message for f in r.text_checks.findings]
    return parts + [w.message for w in r.warnings] + [r.review.reason]


def test_every_platform_has_a_danish_reason(strategy: InUse) -> None:
    for _, r in recommendations():
        for platform in r.platforms:
            assert platform.reasons
            for reason in platform.reasons:
                match = QUOTE.search(reason)
                assert looks_danish(reason[: match.start()] if match else reason), reason


def test_each_strategy_sentence_is_quoted_verbatim_once_per_answer(strategy: InUse) -> None:
    document = strategy.text()
    for row, r in recommendations():
        quoted = [m.group(1) for part in answer_parts(r) for m in QUOTE_ANYWHERE.finditer(part)]
        assert quoted, row
        assert all(sentence in document for sentence in quoted), quoted
        assert len(quoted) == len(set(quoted)), (row, quoted)


def test_the_platform_that_decides_cites_the_strategy(strategy: InUse) -> None:
    # The best fit's first reason is the first thing read, so it carries its sentence.
    for _, r in recommendations():
        assert QUOTE.search(r.platforms[0].reasons[0]), r.platforms[0]


def test_a_ruled_out_platform_gets_one_line_and_no_tips(strategy: InUse) -> None:
    for _, r in recommendations():
        for platform in r.platforms:
            if platform.fit == "not_recommended":
                assert len(platform.reasons) == 1
                assert platform.platform not in r.tone_tips


def test_the_summary_is_at_most_three_short_lines(strategy: InUse) -> None:
    for row, r in recommendations():
        assert 2 <= len(r.summary) <= 3, row
        assert all(0 < len(line) <= 200 for line in r.summary), r.summary
        assert all("Strategien:" not in line for line in r.summary)
        assert looks_danish(" ".join(r.summary)), r.summary


def test_the_crisis_checklist_is_there_exactly_in_a_crisis(strategy: InUse) -> None:
    for row, r in recommendations():
        assert bool(r.crisis_checklist) is row["crisis"]
        if row["crisis"]:
            assert r.tone_tips == {}  # the checklist replaces the everyday tips
            assert r.summary[0].startswith("Det er en krise")


def test_no_reason_is_repeated_for_a_platform(strategy: InUse) -> None:
    for _, r in recommendations():
        for platform in r.platforms:
            assert len(platform.reasons) == len(set(platform.reasons))


def test_tone_tips_for_exactly_the_platforms_not_ruled_out(strategy: InUse) -> None:
    for row, r in recommendations():
        wanted = [p.platform for p in r.platforms if p.fit != "not_recommended"]
        assert list(r.tone_tips) == ([] if row["crisis"] else wanted)
        for tips in r.tone_tips.values():
            assert tips and all(looks_danish(tip) for tip in tips)


def test_some_platform_always_fits(strategy: InUse) -> None:
    for row, r in recommendations():
        assert any(p.fit != "not_recommended" for p in r.platforms), row


def test_review_route_follows_the_best_fits_and_crisis(strategy: InUse) -> None:
    # koncernlinjen: the central team reviews what its main profiles are the best place for;
    # the department owns what belongs on its own channels, the intranet or norddjurs.dk.
    main_profiles = strategy.main_profiles
    for row, r in recommendations():
        best = r.platforms[0].fit
        main_best = any(p.platform in main_profiles and p.fit == best != "not_recommended"
                        for p in r.platforms)
        assert r.review.route == ("central" if row["crisis"] or main_best else "department"), row
        assert r.review.urgent is row["crisis"]


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


def test_findings_and_warnings_are_danish_sentences(strategy: InUse) -> None:
    for _, r in recommendations():
        for finding in r.text_checks.findings:
            assert finding.code and looks_danish(finding.message), finding
        for warning in r.warnings:
            assert re.fullmatch(r"[a-z][a-z_]*", warning.code), warning
            assert looks_danish(warning.message), warning


def test_every_finding_names_what_it_found(strategy: InUse) -> None:
    for _, r in recommendations():
        for finding in r.text_checks.findings:
            if finding.code in ("officialese", "passive"):
                assert re.search(r'"[^"]+"', finding.message)
            if finding.code in ("length", "too_long_hard", "lix_high", "link_norddjurs"):
                assert re.search(r"\d", finding.message)


def test_policy_version_is_stamped(strategy: InUse) -> None:
    for _, r in recommendations()[:50]:
        assert r.policy_version == strategy.policy.version == policy_version()


@pytest.mark.parametrize("index", [0, 7, 311, 1999])
def test_recommend_is_deterministic(index: int, strategy: InUse) -> None:
    row = grid()[index]
    first = recommend(Intake.model_validate(row)).model_dump_json()
    again = recommend(Intake.model_validate(dict(row))).model_dump_json()
    assert first == again
    assert first == recommendations()[index][1].model_dump_json()


def test_recommend_does_not_change_the_intake(strategy: InUse) -> None:
    intake = Intake.model_validate(grid()[5])
    before = intake.model_dump()
    recommend(intake)
    assert intake.model_dump() == before


def test_the_recommendation_survives_a_json_round_trip(strategy: InUse) -> None:
    r = recommendations()[123][1]
    assert Recommendation.model_validate_json(r.model_dump_json()) == r
