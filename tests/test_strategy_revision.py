"""Revising the strategy without a developer (issue 13 §3): a municipality's own strategy file
(`OPSLAG_STRATEGY`), checked by `opslag strategi tjek FIL` with Danish errors naming line and
key and a table of how the advice for the stored proposals would change; the version of the
strategy in the server's log and in every recommendation; and the format's JSON Schema.

The second strategy is Havkøbing's, a made-up municipality with three platforms
(tests/data/strategy-havkoebing.yaml)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar

from bot.core import build_core
from opslag.server import CORE_KEY, build_app
from policy import (
    POLICY_VERSION,
    Policy,
    active_policy,
    parse_intake,
    policy_version,
    recommend,
    use_policy,
)
from policy.answers import question_list
from policy.engine import compile_policy
from policy.loader import Problem, StrategyError, parse_strategy, read_strategy
from policy.schema import SCHEMA_FILE, schema_text
from tests.conftest import FakeClock, intake_data
from tests.strategies import HAVKOEBING, NORDDJURS, ROOT, in_use
from tests.test_cli import run
from tests.test_digest_support import decide, propose, utc

SCHEMA_PATH = ROOT / "policy" / SCHEMA_FILE
HAVKOEBING_VERSION = read_strategy(HAVKOEBING.path).version
TOKEN = "kalender-hemmelighed-123"


@pytest.fixture(autouse=True)
def _shipped_strategy_afterwards() -> Iterator[None]:
    """A core built here puts the settings' strategy in use for the whole process: the tests
    after these get the one in use before back."""
    before = active_policy()
    yield
    use_policy(before)


def problems(text: str) -> list[Problem]:
    with pytest.raises(StrategyError) as caught:
        parse_strategy(text.encode("utf-8"), "revideret.yaml")
    return caught.value.problems


def line_of(text: str, fragment: str, *, occurrence: int = 1) -> int:
    """The 1-based line of the `occurrence`th line holding `fragment`."""
    found = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    return found[occurrence - 1]


def havkoebing() -> str:
    return HAVKOEBING.path.read_text(encoding="utf-8")


def norddjurs() -> str:
    return NORDDJURS.path.read_text(encoding="utf-8")


def replaced(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


# -- the format: JSON Schema and docs ---------------------------------------------------------


def test_the_shipped_json_schema_is_made_from_the_models() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "policy/strategy.schema.json is out of date: run .venv/bin/python "
        "tools/strategy_schema.py"
    )


@pytest.mark.parametrize("strategy", [NORDDJURS, HAVKOEBING], ids=["norddjurs", "havkoebing"])
def test_both_strategy_files_keep_to_the_json_schema(strategy: Any) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(strategy.raw())


def test_the_json_schema_finds_a_misspelt_key_and_an_unknown_theme() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text("utf-8")))
    data = HAVKOEBING.raw()
    data["rules"][0]["wehn"] = data["rules"][0].pop("when")
    data["tone_rules"][1]["when"]["theme"] = ["klima"]
    found = {error.message for error in validator.iter_errors(data)}
    assert any("'wehn'" in message for message in found), found
    assert any("'klima'" in message for message in found), found


def test_the_format_is_documented() -> None:
    doc = (ROOT / "docs" / "strategy-format.md").read_text(encoding="utf-8")
    for key in HAVKOEBING.raw():
        assert f"`{key}`" in doc, key
    assert "strategy.schema.json" in doc and "opslag strategi tjek" in doc


# -- the second strategy: the engine follows the file ----------------------------------------


def test_havkoebing_has_its_three_platforms_in_its_own_order() -> None:
    with in_use(HAVKOEBING):
        advice = recommend(parse_intake(intake_data(crisis=True)))
    assert [p.platform for p in advice.platforms] == ["facebook", "website", "instagram"]
    assert advice.policy_version == HAVKOEBING_VERSION != POLICY_VERSION
    assert advice.review.route == "central" and advice.review.urgent
    assert "kontakt Kommunikation" in advice.summary[0]


def test_a_job_ad_away_from_the_harbour_is_the_departments_own() -> None:
    with in_use(HAVKOEBING):
        advice = recommend(parse_intake(intake_data(
            content_type="jobopslag", job_level="medarbejder", theme="rekruttering",
            audience=["arbejdsmarked"],
        )))
    fits = {p.platform: p.fit for p in advice.platforms}
    assert fits == {"website": "recommended", "facebook": "not_recommended",
                    "instagram": "not_recommended"}
    assert advice.review.route == "department"
    assert "havkoebing.dk" in advice.review.reason


@pytest.mark.parametrize(
    "platform, fit", [("facebook", "possible"), ("instagram", "recommended")]
)
def test_long_text_follows_the_platform_the_file_names(platform: str, fit: str) -> None:
    """300 characters: over Instagram's 250, under Facebook's 400."""
    text = replaced(havkoebing(), "long_text_platform: facebook", f"long_text_platform: {platform}")
    policy = load_policy_text(text)
    draft = "Vi åbner en ny legeplads ved havnen på lørdag. " * 6
    assert 250 < len(draft.strip()) < 400
    advice = recommend(parse_intake(intake_data(text=draft.strip())), policy=policy)
    assert next(p.fit for p in advice.platforms if p.platform == "website") == fit


def test_advice_under_another_strategy_than_the_one_in_use_is_in_its_words() -> None:
    """`opslag strategi tjek` asks a strategy that is not in use: its labels, not those of the
    one in use, name the platforms and who approves."""
    assert active_policy().version == POLICY_VERSION
    advice = recommend(parse_intake(intake_data(
        content_type="serviceinfo", theme="service", audience=["borgere"], has_media=False,
    )), policy=load_policy_text(havkoebing()))
    assert advice.policy_version == HAVKOEBING_VERSION
    assert advice.summary[:2] == [
        "Hvor: Facebook og havkoebing.dk.", "Godkendes af: Kommunikation."
    ]
    job_ad = recommend(parse_intake(intake_data(
        content_type="jobopslag", job_level="medarbejder", theme="rekruttering",
        audience=["arbejdsmarked"],
    )), policy=load_policy_text(havkoebing()))
    assert job_ad.summary[:2] == ["Hvor: havkoebing.dk.", "Godkendes af: Fagområdet selv."]
    assert job_ad.review.reason.startswith(
        "Opslaget hører først og fremmest til på havkoebing.dk, så fagområdet står selv for det."
    )


def test_the_questions_are_those_of_the_strategy_in_use() -> None:
    norddjurs_link = next(q for q in question_list() if q.id == "link")
    with in_use(HAVKOEBING):
        havkoebing_link = next(q for q in question_list() if q.id == "link")
    assert "norddjurs.dk" in norddjurs_link.help
    assert "havkoebing.dk" in havkoebing_link.help


def load_policy_text(text: str) -> Policy:
    return compile_policy(parse_strategy(text.encode("utf-8"), "revideret.yaml"))


# -- Danish errors that name the line and the key ---------------------------------------------


def test_an_unknown_key_is_named_with_its_line_and_the_key_it_should_be() -> None:
    crisis_rule = "  - id: fb_crisis\n    platform: facebook\n    when: {crisis: true}\n"
    text = replaced(havkoebing(), crisis_rule, crisis_rule.replace("when:", "wehn:"))
    assert problems(text) == [Problem(
        line=line_of(text, "- id: fb_crisis"), key="rules → nr. 1 (fb_crisis) → when",
        message="mangler",
    ), Problem(
        line=line_of(text, "wehn:"), key="rules → nr. 1 (fb_crisis) → wehn",
        message="ukendt nøgle. Mente du when?",
    )]


def test_a_misspelt_value_names_the_choices_and_guesses() -> None:
    text = replaced(havkoebing(), "when: {theme: [klima_miljoe]}", "when: {theme: [klima_miljø]}")
    [problem] = problems(text)
    assert problem.line == line_of(text, "klima_miljø")
    assert problem.key == "tone_rules → nr. 2 (tone_climate) → when → theme → nr. 1"
    assert problem.message.startswith("'klima_miljø' er ikke en af: bosaetning, erhverv_job,")
    assert problem.message.endswith("Mente du klima_miljoe?")


def test_a_rule_for_a_platform_the_municipality_does_not_use() -> None:
    text = replaced(havkoebing(), "  - id: fb_news\n    platform: facebook",
                    "  - id: fb_news\n    platform: linkedin")
    assert [str(p) for p in problems(text)] == [
        f"linje {line_of(text, 'platform: linkedin')}, rules → nr. 3 (fb_news) → platform: "
        "platformen linkedin står ikke under platforms (der står facebook, instagram, website)"
    ]


def test_a_new_kind_of_channel_needs_a_developer() -> None:
    text = replaced(havkoebing(), "  website:\n    label: havkoebing.dk",
                    "  tiktok:\n    label: havkoebing.dk")
    [first, *_] = problems(text)
    assert first.line == line_of(text, "tiktok:")
    assert first.key == "platforms → tiktok"
    assert "'tiktok' er ikke en af: facebook, linkedin, instagram" in first.message
    assert "en ny slags kræver en udvikler" in first.message


def test_a_missing_key_and_a_wrong_type_each_get_a_line_in_file_order() -> None:
    text = replaced(havkoebing(), "    lix_max: 40\n    tone_tips:\n      - \"Lad billedet",
                    "    lix_max: fyrre\n    tone_tips:\n      - \"Lad billedet")
    text = replaced(text, '    reason: "Instagram bruges ikke til kriser."\n', "")
    assert [str(p) for p in problems(text)] == [
        f"linje {line_of(text, 'lix_max: fyrre')}, platforms → instagram → lix_max: "
        "skal være et tal, ikke 'fyrre'",
        f"linje {line_of(text, '- id: ig_crisis')}, rules → nr. 10 (ig_crisis) → reason: mangler",
    ]


def test_a_key_written_twice_is_caught_before_yaml_forgets_the_first() -> None:
    text = replaced(havkoebing(), "    when: {has_media: false}\n    at_most: not_recommended\n",
                    "    when: {has_media: false}\n    at_most: not_recommended\n"
                    "    at_most: possible\n")
    first = line_of(text, "at_most: possible") - 1
    assert [str(p) for p in problems(text)] == [
        f"linje {first + 1}, rules → nr. 9 (ig_no_media) → at_most: står to gange (første gang "
        f"på linje {first}); YAML ville bruge den sidste og glemme den første"
    ]


def test_a_cross_check_names_the_line_of_the_key_it_is_about() -> None:
    text = replaced(havkoebing(), "  - id: fb_news\n", "  - id: fb_crisis\n")
    assert [str(p) for p in problems(text)] == [
        f"linje {line_of(text, '- id: fb_crisis', occurrence=2)}, rules → nr. 3 (fb_crisis) → id:"
        " id'et fb_crisis er brugt før; hver regel, tone-regel og advarsel skal have sit eget id"
    ]


@pytest.mark.parametrize(
    "old, new, fragment, said",
    [
        ('label: Instagram', 'label: Insta: gram', "Insta: gram", "et kolon står, hvor"),
        ('    lix_max: 40\n    tone_tips:\n      - "Lad',
         '\tlix_max: 40\n    tone_tips:\n      - "Lad', "\tlix_max", "der står en tabulator"),
    ],
)
def test_a_yaml_mistake_names_its_line(old: str, new: str, fragment: str, said: str) -> None:
    text = replaced(havkoebing(), old, new)
    [problem] = problems(text)
    assert problem.line == line_of(text, fragment)
    assert said in problem.message


def test_no_english_from_the_libraries_reaches_the_reader() -> None:
    data = HAVKOEBING.raw()
    data["rules"][0]["at_least"] = "maybe"
    data["rules"][1]["reason"] = ""
    data["platforms"]["facebook"]["main_profile"] = "måske"
    data["questions"][0]["kind"] = "radio"
    data["coverage_groups"] = {"havnen": 1}
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    found = problems(text)
    assert len(found) == 5
    for problem in found:
        assert problem.line is not None and problem.key
        for english in ("Input should", "Field required", "valid", "Extra inputs"):
            assert english not in problem.message, problem


@pytest.mark.parametrize(
    "data, said",
    [(b"", "filen: er tom"), (b"- a\n- b\n", "linje 1: skal bestå af nøgler"),
     ("platforms: æ".encode("latin-1"), "linje 1: er ikke UTF-8")],
)
def test_a_file_that_is_no_strategy_at_all(data: bytes, said: str) -> None:
    with pytest.raises(StrategyError) as caught:
        parse_strategy(data, "x.yaml")
    assert said in caught.value.message


def test_a_missing_file_and_a_folder(tmp_path: Path) -> None:
    missing = tmp_path / "findes-ikke.yaml"
    for path, said in ((missing, "findes ikke"), (tmp_path, "er en mappe, ikke en fil")):
        with pytest.raises(StrategyError) as caught:
            read_strategy(path)
        assert caught.value.message == f"Strategifilen {path} kan ikke bruges:\n  filen: {said}"


# -- opslag strategi tjek FIL -------------------------------------------------------------------


@pytest.fixture
def cli(make_settings: Any, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> Any:
    make_settings()  # clears the environment and moves into the temporary folder

    def call(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        return run(list(argv), stdin, capsys, monkeypatch)

    return call


def test_check_a_valid_file_without_a_database(cli: Any, db_path: Path) -> None:
    code, out, err = cli("strategi", "tjek", str(HAVKOEBING.path))
    assert (code, err) == (0, "")
    assert f"Strategifilen {HAVKOEBING.path} er gyldig (version {HAVKOEBING_VERSION})." in out
    assert f"I brug nu: policy/strategy.yaml (version {POLICY_VERSION})." in out
    assert "Ingen database (opslag.db)" in out
    assert not db_path.exists()  # the check makes none


def test_check_an_invalid_file_exits_2_naming_line_and_key(cli: Any, tmp_path: Path) -> None:
    text = replaced(havkoebing(), "when: {theme: [klima_miljoe]}", "when: {theme: [klima]}")
    revised = tmp_path / "revideret.yaml"
    revised.write_text(text, encoding="utf-8")
    code, out, err = cli("strategi", "tjek", str(revised))
    assert (code, out) == (2, "")
    line = line_of(text, "theme: [klima]")
    assert err.splitlines() == [
        f"opslag: Strategifilen {revised} kan ikke bruges:",
        f"  linje {line}, tone_rules → nr. 2 (tone_climate) → when → theme → nr. 1: 'klima' er "
        "ikke en af: bosaetning, erhverv_job, grunde, partnerskaber, destinationer, "
        "infrastruktur, rekruttering, klima_miljoe, natur_kultur, service eller andet",
    ]


def test_check_a_missing_file_exits_2(cli: Any) -> None:
    code, out, err = cli("strategi", "tjek", "findes-ikke.yaml")
    assert (code, out) == (2, "")
    assert "Strategifilen findes-ikke.yaml kan ikke bruges" in err and "findes ikke" in err
    assert "Traceback" not in err


def revised_norddjurs(tmp_path: Path) -> Path:
    """Norddjurs's file, revised: the climate raises Facebook only to "kan bruges", Facebook is
    not for settling in any more, and climate posts get a new warning."""
    text = norddjurs()
    text = replaced(
        text,
        "  - id: fb_climate\n    platform: facebook\n    when:\n      theme: [klima_miljoe]\n"
        "      content_type: [nyhed, god_historie, hverdagsglimt, politisk, serviceinfo]\n"
        "      audience_any: [borgere, unge_voksne, tilflyttere]\n    at_least: recommended\n",
        "  - id: fb_climate\n    platform: facebook\n    when:\n      theme: [klima_miljoe]\n"
        "      content_type: [nyhed, god_historie, hverdagsglimt, politisk, serviceinfo]\n"
        "      audience_any: [borgere, unge_voksne, tilflyttere]\n    at_least: possible\n",
    )
    text = replaced(text, "\nrules:\n", """
rules:
  - id: fb_no_settlement
    platform: facebook
    when: {theme: [bosaetning]}
    at_most: not_recommended
    reason: "Bosætning fortæller vi om på norddjurs.dk."
    source: "Privatpersoner i alle aldre."
""")
    text = replaced(text, "\nwarnings:\n", """
warnings:
  - id: warn_climate_test
    code: klima_test
    when: {theme: [klima_miljoe]}
    text: "Nævn gerne Det Blå og Det Grønne."
    source: "Privatpersoner i alle aldre."
""")
    path = tmp_path / "strategi-2027.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def stored(make_settings: Any, clock: FakeClock) -> list[int]:
    """Four stored proposals: three climate news for citizens, then one about settling in."""
    core = build_core(make_settings(opslag_central_users=["chef"]), clock=clock)
    try:
        ids = [propose(core, clock, utc(2026, 11, 20, 9 + n), title=f"Klima {n}")
               for n in range(3)]
        ids.append(propose(core, clock, utc(2026, 11, 20, 13), theme="bosaetning"))
    finally:
        core.close()
    return ids


def test_check_shows_how_the_advice_changes_for_stored_proposals(
    cli: Any, stored: list[int], tmp_path: Path
) -> None:
    revised = revised_norddjurs(tmp_path)
    code, out, err = cli("strategi", "tjek", str(revised))
    assert (code, err) == (0, "")
    climate, settling = ", ".join(str(n) for n in reversed(stored[:3])), str(stored[3])
    table = out.split("Virkning på", 1)[1].splitlines()
    assert table[0] == " de 4 nyeste gemte forslag: rådet ændres for 4."
    rows = [" ".join(line.split()) for line in table[2:]]
    assert rows[0] == "Ændring Forslag Fx forslag nr."
    assert f"Facebook: Anbefales → Kan bruges 3 {climate}" in rows
    assert f"Facebook: Anbefales → Frarådes 1 {settling}" in rows
    assert ("Godkendes af: Den centrale kommunikationsafdeling → Din egen afdeling 1 "
            f"{settling}") in rows
    assert f"Ny advarsel: klima_test 3 {climate}" in rows
    assert not any(row.startswith("Hastesag") for row in rows)  # a crisis stays one
    assert out.rstrip().endswith("genstart serveren for at tage den i brug.")


def test_check_as_json_and_only_the_newest(cli: Any, stored: list[int], tmp_path: Path) -> None:
    revised = revised_norddjurs(tmp_path)
    code, out, _ = cli("strategi", "tjek", str(revised), "--json", "--antal", "2")
    assert code == 0
    body = json.loads(out)
    assert body["file"]["policy_version"] == read_strategy(revised).version
    assert body["current"]["policy_version"] == POLICY_VERSION
    assert (body["compared"], body["changed"]) == (2, 2)
    changes = {(c["kind"], c["subject"], c["before"], c["after"]): c["proposals"]
               for c in body["changes"]}
    assert changes[("fit", "facebook", "recommended", "possible")] == [stored[2]]
    assert changes[("route", "", "central", "department")] == [stored[3]]
    assert changes[("warning_new", "klima_test", "", "")] == [stored[2]]


def test_check_the_file_in_use_changes_nothing(cli: Any, stored: list[int]) -> None:
    code, out, _ = cli("strategi", "tjek", str(NORDDJURS.path))
    assert code == 0
    assert "Filen er den samme som den, der er i brug: rådene ændres ikke." in out


def test_check_against_another_municipalitys_file(cli: Any, stored: list[int]) -> None:
    """Platforms the revised file does not have are "ikke med"."""
    code, out, _ = cli("strategi", "tjek", str(HAVKOEBING.path))
    assert code == 0
    assert "LinkedIn: Frarådes → ikke med" in " ".join(out.split())


@pytest.mark.parametrize("count", ["0", "10001", "mange"])
def test_check_refuses_a_bad_count(cli: Any, count: str) -> None:
    code, out, err = cli("strategi", "tjek", str(HAVKOEBING.path), "--antal", count)
    assert (code, out) == (2, "")
    assert "--antal" in err and "Traceback" not in err


# -- OPSLAG_STRATEGY: the file in use, and its version --------------------------------------


def test_a_broken_strategy_setting_stops_the_start(
    cli: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    text = replaced(havkoebing(), "  - id: fb_news\n    platform: facebook",
                    "  - id: fb_news\n    platform: linkedin")
    broken = tmp_path / "strategi.yaml"
    broken.write_text(text, encoding="utf-8")
    monkeypatch.setenv("OPSLAG_STRATEGY", str(broken))
    for argv in (["serve"], ["strategi", "tjek", str(HAVKOEBING.path)]):
        code, out, err = cli(*argv)
        assert (code, out) == (2, "")
        assert err.startswith(f"opslag: Ugyldig indstilling OPSLAG_STRATEGY: Strategifilen "
                              f"{broken} kan ikke bruges:")
        assert f"linje {line_of(text, 'platform: linkedin')}, rules → nr. 3 (fb_news)" in err


def test_the_cli_follows_the_strategy_setting_and_each_proposal_keeps_its_version(
    cli: Any, monkeypatch: Any
) -> None:
    code, out, _ = cli("submit", "--as", "anna", stdin=json.dumps(intake_data()))
    assert code == 0
    first = out.strip()
    monkeypatch.setenv("OPSLAG_STRATEGY", str(HAVKOEBING.path))  # a revision, then a restart
    code, out, _ = cli("recommend", stdin=json.dumps(intake_data()))
    advice = json.loads(out)
    assert [p["platform"] for p in advice["platforms"]] == ["facebook", "website", "instagram"]
    assert advice["policy_version"] == HAVKOEBING_VERSION
    code, out, _ = cli("submit", "--as", "anna", stdin=json.dumps(intake_data()))
    second = out.strip()
    versions = {}
    for number in (first, second):
        code, out, _ = cli("show", number, "--json")
        shown = json.loads(out)
        versions[number] = (shown["policy_version"], shown["recommendation"]["policy_version"])
    assert versions == {first: (POLICY_VERSION, POLICY_VERSION),
                        second: (HAVKOEBING_VERSION, HAVKOEBING_VERSION)}




async def test_the_server_logs_its_strategy_and_its_calendar_uses_the_files_words(
    make_settings: Any, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The server's log names the strategy and version it runs; the calendar feed, built in a
    worker process of its own, names the themes as the strategy file does."""
    settings = make_settings(opslag_strategy=HAVKOEBING.path, opslag_calendar_token=TOKEN,
                             opslag_central_users=["chef"])
    with caplog.at_level(logging.INFO, logger="opslag.server"):
        app = build_app(settings, clock=clock, background=False)
    assert (f"strategi: {HAVKOEBING.path}, policy_version {HAVKOEBING_VERSION}"
            in caplog.messages)
    core = app[CORE_KEY]
    pid = propose(core, clock, utc(2026, 11, 20, 9), theme="erhverv_job",
                  planned_for="2026-12-01")
    decide(core, pid)
    assert core.store.get_proposal(pid).policy_version == HAVKOEBING_VERSION  # type: ignore[union-attr]
    assert policy_version() == HAVKOEBING_VERSION
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/kalender.ics", params={"token": TOKEN})
        assert response.status == 200
        feed = Calendar.from_ical(await response.read())
    [event] = feed.walk("VEVENT")
    description = str(event["description"])
    assert "Tema: Havnen og det blå erhverv" in description
    assert "Platforme: Facebook" in description
