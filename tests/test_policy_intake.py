"""Turning a user's answers into an intake, and the one Danish message per bad field, from
each strategy file (the `strategy` fixture, tests/strategies.py; the link example is
Norddjurs's)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from policy import Intake, intake_errors, parse_intake
from tests.strategies import InUse


def answers(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "audience": ["borgere"],
        "theme": "klima_miljoe",
        "content_type": "nyhed",
        "has_media": True,
        "alt_text": "Børn planter træer",
        "text": "Vi planter 5.000 træer ved Grenaa. Kom og hjælp os på lørdag.",
    }
    data.update(overrides)
    return data


def test_valid_answers_have_no_errors_and_parse(strategy: InUse) -> None:
    assert intake_errors(answers()) == {}
    intake = parse_intake(answers())
    assert isinstance(intake, Intake)
    assert intake.theme == "klima_miljoe"


def test_unknown_key_is_named(strategy: InUse) -> None:
    assert intake_errors(answers(farve="blå")) == {"farve": "Ukendt felt: farve"}


def test_wrong_type_for_a_yes_no_question(strategy: InUse) -> None:
    assert intake_errors(answers(crisis="måske")) == {"crisis": "Svar ja eller nej."}


def test_theme_not_in_the_list(strategy: InUse) -> None:
    assert intake_errors(answers(theme="sport")) == {"theme": "Vælg et tema fra listen."}


def test_audience_as_a_string_instead_of_a_list(strategy: InUse) -> None:
    assert intake_errors(answers(audience="borgere")) == {"audience": "Vælg målgrupper fra listen."}


def test_audience_with_an_unknown_value(strategy: InUse) -> None:
    assert intake_errors(answers(audience=["borgere", "pensionister"])) == {
        "audience": "Vælg målgrupper fra listen."
    }


def test_no_audience(strategy: InUse) -> None:
    assert intake_errors(answers(audience=[])) == {"audience": "Vælg mindst én målgruppe."}


def test_missing_required_fields_each_get_a_message(strategy: InUse) -> None:
    errors = intake_errors({})
    assert errors == {
        "audience": "Vælg mindst én målgruppe.",
        "theme": "Vælg et tema.",
        "content_type": "Vælg en slags opslag.",
        "text": "Skriv teksten til opslaget.",
    }


def test_text_of_3000_characters_is_accepted(strategy: InUse) -> None:
    assert intake_errors(answers(text="x" * 3000)) == {}
    assert len(parse_intake(answers(text="x" * 3000)).text) == 3000


def test_text_of_3001_characters_is_refused_with_both_figures(strategy: InUse) -> None:
    assert intake_errors(answers(text="x" * 3001)) == {
        "text": "Teksten må højst være 3.000 tegn (din er 3.001)."
    }


def test_surrounding_whitespace_does_not_count_towards_the_limit(strategy: InUse) -> None:
    assert intake_errors(answers(text="  " + "x" * 3000 + "\n")) == {}


def test_empty_text(strategy: InUse) -> None:
    assert intake_errors(answers(text="")) == {"text": "Skriv teksten til opslaget."}


def test_text_of_only_spaces_is_empty(strategy: InUse) -> None:
    assert intake_errors(answers(text="   \n ")) == {"text": "Skriv teksten til opslaget."}


def test_title_over_150_characters(strategy: InUse) -> None:
    assert intake_errors(answers(title="t" * 151)) == {
        "title": "Titlen må højst være 150 tegn (din er 151)."
    }


def test_job_ad_without_job_level_is_an_error(strategy: InUse) -> None:
    assert intake_errors(answers(content_type="jobopslag")) == {
        "job_level": "Vælg, om stillingen er på chefniveau eller ej."
    }
    assert intake_errors(answers(content_type="jobopslag", job_level="")) == {
        "job_level": "Vælg, om stillingen er på chefniveau eller ej."
    }


def test_job_ad_with_job_level_is_fine(strategy: InUse) -> None:
    assert intake_errors(answers(content_type="jobopslag", job_level="chef")) == {}
    assert parse_intake(answers(content_type="jobopslag", job_level="medarbejder")).job_level == (
        "medarbejder"
    )


def test_bad_job_level(strategy: InUse) -> None:
    assert intake_errors(answers(content_type="jobopslag", job_level="direktør")) == {
        "job_level": "Vælg chefniveau eller medarbejder."
    }


def test_parse_intake_raises_for_a_job_ad_without_job_level(strategy: InUse) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_intake(answers(content_type="jobopslag"))
    assert [e["loc"] for e in caught.value.errors()] == [("job_level",)]


def test_link_without_https() -> None:
    assert intake_errors(answers(link="http://www.norddjurs.dk")) == {
        "link": "Skriv en webadresse, fx https://www.norddjurs.dk/ eller norddjurs.dk/affald."
    }
    # A bare web address is no mistake: it is read as the browser reads it (issue 11 §8).
    assert parse_intake(answers(link="www.norddjurs.dk")).link == "https://www.norddjurs.dk"


def test_blank_link_is_no_link(strategy: InUse) -> None:
    assert intake_errors(answers(link="  ")) == {}
    assert parse_intake(answers(link="  ")).link is None


def test_bad_date(strategy: InUse) -> None:
    assert intake_errors(answers(planned_for="i morgen")) == {
        "planned_for": "Skriv datoen som ÅÅÅÅ-MM-DD, fx 2026-03-14."
    }


def test_several_errors_each_get_one_message(strategy: InUse) -> None:
    errors = intake_errors(answers(theme="sport", text="", farve=1, content_type="jobopslag"))
    assert errors == {
        "theme": "Vælg et tema fra listen.",
        "text": "Skriv teksten til opslaget.",
        "farve": "Ukendt felt: farve",
        "job_level": "Vælg, om stillingen er på chefniveau eller ej.",
    }


def test_not_a_dict(strategy: InUse) -> None:
    assert list(intake_errors([1, 2])) == ["intake"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [
        answers(),
        answers(text="x" * 3001),
        answers(farve="blå"),
        answers(content_type="jobopslag"),
        answers(content_type="jobopslag", job_level="chef"),
        answers(link="ftp://x"),
        answers(crisis="ja"),
        answers(crisis="måske"),
        answers(planned_for="2026-12-03"),
        {},
    ],
)
def test_no_errors_exactly_when_parse_intake_succeeds(
    data: dict[str, Any], strategy: InUse
) -> None:
    errors = intake_errors(data)
    try:
        parse_intake(data)
    except ValidationError:
        assert errors
    else:
        assert errors == {}
