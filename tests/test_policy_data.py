"""The strategy as data: the YAML validates, its vocabulary matches the intake's, and every
sentence it cites is a verbatim sentence of the strategy document. The tests that take the
`strategy` fixture hold for every strategy file (tests/strategies.py); the others check
Norddjurs's."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from pydantic import ValidationError

import policy
from policy import POLICY_VERSION, coverage_groups, label
from policy.data import Strategy
from policy.models import (
    Audience,
    ContentType,
    Fit,
    JobLevel,
    MediaKind,
    PeopleInMedia,
    Platform,
    Route,
    Theme,
)
from tests.strategies import InUse

ROOT = Path(__file__).resolve().parents[1]
YAML_PATH = ROOT / "policy" / "strategy.yaml"
STRATEGY_COPY = Path(__file__).resolve().parent / "data" / "sociale-medier-2023.txt"


def raw_yaml() -> dict[str, Any]:
    data = yaml.safe_load(YAML_PATH.read_bytes())
    assert isinstance(data, dict)
    return data


def strategy_text() -> str:
    return STRATEGY_COPY.read_text(encoding="utf-8")


def all_sources(data: dict[str, Any]) -> list[str]:
    """Every `source` string anywhere in the data file, plus the central-team sources."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("source", "central_source") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return found


def test_the_data_file_validates_against_the_schema(strategy: InUse) -> None:
    assert Strategy.model_validate(strategy.raw()) == strategy.policy.strategy


def test_norddjurs_uses_every_kind_of_platform() -> None:
    strategy = Strategy.model_validate(raw_yaml())
    assert len(strategy.rules) >= 40
    assert list(strategy.platforms) == list(get_args(Platform))


def test_an_unknown_key_in_the_data_file_is_an_error(strategy: InUse) -> None:
    data = strategy.raw()
    data["rules"][0]["wehn"] = {"crisis": True}
    with pytest.raises(ValidationError, match="wehn"):
        Strategy.model_validate(data)


def test_a_misspelt_theme_in_a_rule_is_an_error(strategy: InUse) -> None:
    data = strategy.raw()
    data["rules"][0]["when"] = {"theme": ["klima"]}
    with pytest.raises(ValidationError):
        Strategy.model_validate(data)


def test_a_rule_that_moves_nothing_is_an_error(strategy: InUse) -> None:
    data = strategy.raw()
    del data["rules"][0]["at_least"]
    with pytest.raises(ValidationError, match="at_least eller at_most"):
        Strategy.model_validate(data)


def test_a_missing_audience_label_is_an_error(strategy: InUse) -> None:
    data = strategy.raw()
    del data["audiences"]["turister"]
    with pytest.raises(ValidationError, match="audiences"):
        Strategy.model_validate(data)


def test_a_rule_for_a_platform_the_strategy_does_not_have_is_an_error(strategy: InUse) -> None:
    data = strategy.raw()
    unused = [p for p in get_args(Platform) if p not in data["platforms"]] or ["facebook"]
    if unused == ["facebook"]:  # every kind is used: leave one out instead
        del data["platforms"]["facebook"]
        data["review"]["central_source_preference"].remove("facebook")
    data["rules"][0]["platform"] = unused[0]
    with pytest.raises(ValidationError, match=f"platformen {unused[0]} står ikke under platforms"):
        Strategy.model_validate(data)


@pytest.mark.parametrize(
    "section, literal",
    [
        ("audiences", Audience), ("themes", Theme), ("content_types", ContentType),
        ("job_levels", JobLevel), ("fits", Fit), ("routes", Route), ("media_kinds", MediaKind),
        ("people_in_media", PeopleInMedia),
    ],
)
def test_vocabulary_keys_are_exactly_the_intake_literals(
    section: str, literal: Any, strategy: InUse
) -> None:
    assert list(strategy.raw()[section]) == list(get_args(literal))


def test_platforms_are_some_of_the_kinds_the_code_knows(strategy: InUse) -> None:
    platforms = list(strategy.raw()["platforms"])
    assert platforms and set(platforms) <= set(get_args(Platform))


@pytest.mark.parametrize(
    "kind, literal",
    [
        ("audience", Audience), ("theme", Theme), ("content_type", ContentType),
        ("job_level", JobLevel), ("fit", Fit), ("route", Route), ("media_kind", MediaKind),
        ("people_in_media", PeopleInMedia),
    ],
)
def test_every_key_has_a_danish_label(kind: str, literal: Any, strategy: InUse) -> None:
    for key in get_args(literal):
        text = label(kind, key)
        assert text and text != key
        assert "_" not in text


def test_every_platform_has_a_danish_label(strategy: InUse) -> None:
    for key in strategy.policy.platforms:
        text = label("platform", key)
        assert text and text != key and "_" not in text


def test_labels_the_digest_and_console_rely_on() -> None:
    assert label("platform", "website") == "norddjurs.dk"
    assert label("platform", "department") == "Afdelingens egne kanaler"
    assert label("fit", "recommended") == "Anbefales"
    assert label("fit", "not_recommended") == "Frarådes"
    assert label("theme", "klima_miljoe") == "Klima og miljø"
    assert label("route", "central") == "Den centrale kommunikationsafdeling"


def test_label_falls_back_to_the_key() -> None:
    assert label("platform", "myspace") == "myspace"
    assert label("no_such_kind", "borgere") == "borgere"


def test_every_source_is_a_verbatim_sentence_of_the_strategy(strategy: InUse) -> None:
    text = strategy.text()
    sources = all_sources(strategy.raw())
    assert len(sources) >= (60 if strategy.key == "norddjurs" else 20)
    missing = [s for s in sources if s not in text]
    assert missing == []


def test_the_source_check_would_catch_a_paraphrase() -> None:
    assert "Vi bruger ikke siden til at informere om kriser." in strategy_text()
    assert "Vi bruger ikke Instagram til kriser." not in strategy_text()


def test_every_rule_cites_a_source(strategy: InUse) -> None:
    data = strategy.raw()
    for section in ("rules", "tone_rules", "crisis_checklist"):
        for rule in data[section]:
            assert rule["source"].strip(), rule.get("id", rule.get("text"))
    for spec in data["mentions"].values():
        assert spec["source"].strip()
    # Where the strategy says nothing (consent for photos), a warning cites the public
    # guidance it rests on, named as guidance, with a link.
    for rule in data["warnings"]:
        guidance = rule.get("guidance") or {}
        assert rule.get("source", "").strip() or guidance.get("url", "").startswith("https://")


def test_consent_warnings_cite_the_datatilsynet_guidance() -> None:
    consent = [w for w in raw_yaml()["warnings"] if w["code"] == "consent_missing"]
    assert len(consent) == 2
    for rule in consent:
        assert rule["guidance"]["name"].startswith("Datatilsynet")
        assert rule["guidance"]["url"].startswith("https://www.datatilsynet.dk/")


def test_every_warning_has_a_code(strategy: InUse) -> None:
    codes = [w["code"] for w in strategy.raw()["warnings"]]
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", code) for code in codes)


def test_norddjurs_warning_codes() -> None:
    codes = [w["code"] for w in raw_yaml()["warnings"]]
    assert {"crisis", "consent_missing", "job_level_missing", "mayor_suggested",
            "politician_neutral", "staff_only_recruitment"} <= set(codes)


def test_policy_version_is_the_hash_of_the_data_file(strategy: InUse) -> None:
    version = strategy.policy.version
    assert re.fullmatch(r"[0-9a-f]{12}", version)
    assert hashlib.sha256(strategy.strategy.path.read_bytes()).hexdigest()[:12] == version


def test_policy_version_names_the_shipped_file() -> None:
    assert hashlib.sha256(YAML_PATH.read_bytes()).hexdigest()[:12] == POLICY_VERSION


PLAIN_WORDS_FROM_THE_BRIEF = {
    "såfremt": "hvis", "iværksætte": "starte", "endvidere": "også", "idet": "fordi",
    "jf.": "se", "vedrørende": "om", "fremsende": "sende", "foranstaltning": "tiltag",
    "påbegynde": "begynde", "tilsende": "sende", "forefindes": "findes", "forinden": "før",
    "hidtil": "indtil nu", "i henhold til": "efter", "med henblik på": "for at",
    "ydermere": "også", "således": "sådan", "modtage": "få", "anvende": "bruge",
    "tilkendegive": "sige", "bevilge": "give", "afholde": "holde", "foretage": "gøre",
    "indhente": "få", "udfærdige": "skrive", "påføre": "skrive", "underrette": "fortælle",
}


def test_the_plain_word_list_has_the_common_officialese() -> None:
    entries = {e["word"]: e["plain"] for e in raw_yaml()["plain_words"]}
    assert len(entries) >= 30
    for word, plain in PLAIN_WORDS_FROM_THE_BRIEF.items():
        assert entries.get(word) == plain, word
    assert "desuden" not in entries


def test_coverage_groups_are_the_strength_positions_then_the_focus_areas() -> None:
    groups = coverage_groups()
    assert [(g["key"], g["kind"]) for g in groups] == [
        ("bosaetning", "styrkeposition"), ("erhverv_job", "styrkeposition"),
        ("grunde", "styrkeposition"), ("partnerskaber", "styrkeposition"),
        ("destinationer", "styrkeposition"), ("infrastruktur", "styrkeposition"),
        ("rekruttering", "fokusomraade"), ("klima_miljoe", "fokusomraade"),
    ]
    by_key = {g["key"]: g for g in groups}
    assert by_key["rekruttering"]["label"] == "Fastholdelse, uddannelse og rekruttering"
    assert by_key["klima_miljoe"]["label"] == "Klima og miljø"
    for group in groups:
        assert set(group["themes"]) <= set(get_args(Theme))
        assert group["label"] in strategy_text()


def test_coverage_groups_are_a_fresh_copy_each_time() -> None:
    first = coverage_groups()
    first[0]["themes"].append("andet")
    first[0]["label"] = "ændret"
    assert coverage_groups()[0]["themes"] == ["bosaetning"]
    assert coverage_groups()[0]["label"] == "Bosætning"


def test_the_public_api_is_exported() -> None:
    for name in (
        "POLICY_VERSION", "recommend", "questions", "label", "coverage_groups", "parse_intake",
        "intake_errors", "load_policy", "use_policy", "active_policy", "policy_version",
        "Policy", "StrategyError",
    ):
        assert name in policy.__all__
        assert getattr(policy, name) is not None
