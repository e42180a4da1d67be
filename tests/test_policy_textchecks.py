"""Text checks: LIX worked by hand, length per platform, plain words, passive verbs,
accessibility. Checked both directly and through `recommend`; the tests that take the `strategy`
fixture under each strategy file (tests/strategies.py), the lengths under Norddjurs's."""

from __future__ import annotations

from typing import Any

import pytest

from policy import recommend
from policy.models import Finding, Intake, Recommendation
from policy.textchecks import analyse, danish_number, lix
from tests.strategies import InUse


def rec(**overrides: Any) -> Recommendation:
    data: dict[str, Any] = {
        "audience": ["borgere"], "theme": "bosaetning", "content_type": "nyhed",
        "text": "Vi åbner en ny skole. Den ligger i Grenaa.",
    }
    data.update(overrides)
    return recommend(Intake.model_validate(data))


def codes(r: Recommendation) -> list[str]:
    return [f.code for f in r.text_checks.findings]


def found(r: Recommendation, code: str) -> list[Finding]:
    return [f for f in r.text_checks.findings if f.code == code]


# ---------------------------------------------------------------- LIX, worked by hand


def test_lix_of_two_short_sentences() -> None:
    # Words: Vi åbner en ny skole Den ligger i Grenaa = 9; sentences: 2.
    # Long words (more than 6 letters): none ("ligger" and "Grenaa" have exactly 6).
    # LIX = 9 / 2 + 100 * 0 / 9 = 4.5
    stats = analyse("Vi åbner en ny skole. Den ligger i Grenaa.")
    assert (stats.words, stats.sentences, stats.long_words) == (9, 2, 0)
    assert stats.lix == 4.5


def test_lix_of_one_sentence_of_long_words() -> None:
    # 3 words, 1 sentence, all 3 long (19, 9 and 9 letters).
    # LIX = 3 / 1 + 100 * 3 / 3 = 3 + 100 = 103.0
    assert lix("Kommunalbestyrelsen godkender budgettet.") == 103.0


def test_lix_with_an_ordinal_date() -> None:
    # Words: Borgerne kan søge om tilskud til nye vinduer Fristen er 1 maj = 12.
    # Sentences: 2 ("1. maj" is an ordinal, not a sentence end).
    # Long: Borgerne (8), tilskud (7), vinduer (7), Fristen (7) = 4; "1" has no letters.
    # LIX = 12 / 2 + 100 * 4 / 12 = 6 + 33.33 = 39.3 (one decimal)
    stats = analyse("Borgerne kan søge om tilskud til nye vinduer. Fristen er 1. maj.")
    assert (stats.words, stats.sentences, stats.long_words) == (12, 2, 4)
    assert stats.lix == 39.3


def test_abbreviations_do_not_end_sentences() -> None:
    # "f.eks." and "kl." keep it one sentence, and each abbreviation is one word:
    # Kom f.eks. kl. 10 til legepladsen i morgen = 8 words; long: "legepladsen" (11 letters)
    # -> 8 / 1 + 100 * 1 / 8 = 8 + 12.5 = 20.5
    assert lix("Kom f.eks. kl. 10 til legepladsen i morgen.") == 20.5


def test_a_web_address_is_one_short_word() -> None:
    # "Læs mere på link" = 4 words, 1 sentence, no long word -> 4.0
    stats = analyse("Læs mere på https://www.norddjurs.dk/nyheder/sommer-2026.")
    assert (stats.words, stats.sentences, stats.lix) == (4, 1, 4.0)


def test_line_breaks_end_sentences() -> None:
    # Two lines without full stops: 5 words in 2 sentences, no word over 6 letters
    # -> 5 / 2 + 0 = 2.5
    assert lix("Gratis kaffe\nAlle er med") == 2.5


def test_no_words_gives_lix_zero() -> None:
    stats = analyse("!!! ...")
    assert (stats.words, stats.lix) == (0, 0.0)


def test_recommendation_reports_lix_and_word_count(strategy: InUse) -> None:
    r = rec(text="Kommunalbestyrelsen godkender budgettet.")
    assert (r.text_checks.lix, r.text_checks.words) == (103.0, 3)


def test_danish_number_formatting() -> None:
    assert danish_number(3001) == "3.001"
    assert danish_number(52.26, 1) == "52,3"
    assert danish_number(1234.5, 1) == "1.234,5"
    assert danish_number(1300) == "1.300"
    assert danish_number(45) == "45"


# ---------------------------------------------------------------- readability finding


HARD_TEXT = (
    "Kommunalbestyrelsen godkendte budgetforliget vedrørende klimatilpasningsprojekterne. "
    "Ansøgningsfristen forlænges."
)


def test_high_lix_is_a_finding_naming_the_figure() -> None:
    r = rec(text=HARD_TEXT)
    [finding] = found(r, "lix_high")
    assert r.text_checks.lix > 45
    assert danish_number(r.text_checks.lix, 1) in finding.message
    assert "Facebook" in finding.message
    assert "45" in finding.message


def test_high_lix_is_not_a_finding_for_intranet_only_posts() -> None:
    r = rec(text=HARD_TEXT, audience=["medarbejdere"], theme="andet")
    assert {p.platform for p in r.platforms if p.fit != "not_recommended"} == {"intranet"}
    assert found(r, "lix_high") == []


def test_easy_text_has_no_lix_finding(strategy: InUse) -> None:
    assert found(rec(), "lix_high") == []


# ---------------------------------------------------------------- length per platform


def test_facebook_text_over_500_characters_is_a_length_finding() -> None:
    text = "Vi åbner en ny skole i Grenaa. " * 17  # 527 characters, 119 words
    r = rec(text=text)
    [finding] = [f for f in found(r, "length") if f.platform == "facebook"]
    assert f"{len(text.strip())} tegn" in finding.message
    assert "500" in finding.message


def test_facebook_text_over_80_words_is_long_even_under_500_characters() -> None:
    text = " ".join(["Vi ser en ko."] * 21)  # 84 words, 272 characters
    r = rec(text=text)
    assert [f.platform for f in found(r, "length")] == ["facebook"]
    assert "84 ord" in found(r, "length")[0].message


def test_short_facebook_text_has_no_length_finding() -> None:
    text = ("Kommunalbestyrelsen " * 25).strip() + "."  # 500 characters, 25 words
    assert len(text) == 500
    assert found(rec(text=text), "length") == []


def test_long_facebook_text_without_a_link_to_norddjurs_dk() -> None:
    text = "Vi åbner en ny skole i Grenaa. " * 20
    r = rec(text=text)
    [finding] = found(r, "link_norddjurs")
    assert finding.platform == "facebook"
    assert "norddjurs.dk" in finding.message
    # The sentence is quoted once per answer: here by norddjurs.dk's reason, read first.
    quoted = 'Strategien: "Vi linker til norddjurs.dk'
    website = next(p for p in r.platforms if p.platform == "website")
    assert (quoted in finding.message) != any(quoted in reason for reason in website.reasons)


def test_long_facebook_text_linking_to_norddjurs_dk_is_fine() -> None:
    text = "Vi åbner en ny skole i Grenaa. " * 20
    assert found(rec(text=text, link="https://www.norddjurs.dk/skole"), "link_norddjurs") == []
    assert found(rec(text=text + " Læs mere på norddjurs.dk."), "link_norddjurs") == []


def test_a_link_elsewhere_does_not_count_as_norddjurs_dk() -> None:
    text = "Vi åbner en ny skole i Grenaa. " * 20
    r = rec(text=text, link="https://norddjurs.dk.example.com/")
    assert len(found(r, "link_norddjurs")) == 1


def test_instagram_caption_over_300_characters() -> None:
    text = "Solnedgang over Kattegat ved Grenaa Strand. " * 8  # 351 characters
    r = rec(text=text, has_media=True, alt_text="Strand", captions=True,
            audience=["unge_voksne"], theme="natur_kultur")
    instagram = [f for f in found(r, "length") if f.platform == "instagram"]
    assert len(instagram) == 1
    assert "351 tegn" in instagram[0].message
    assert "300" in instagram[0].message


def test_instagram_over_its_hard_limit() -> None:
    text = "Solnedgang over Kattegat ved Grenaa Strand. " * 51  # 2.243 characters
    r = rec(text=text, has_media=True, alt_text="Strand", captions=True,
            audience=["unge_voksne"], theme="natur_kultur")
    [hard] = found(r, "too_long_hard")
    assert hard.platform == "instagram"
    assert "2.243 tegn" in hard.message and "2.200" in hard.message


def test_linkedin_over_1300_characters() -> None:
    text = "Vi samarbejder med lokale virksomheder om nye job. " * 27  # 1.376 characters
    r = rec(text=text, audience=["erhverv"], theme="partnerskaber")
    linkedin = [f for f in found(r, "length") if f.platform == "linkedin"]
    assert len(linkedin) == 1
    assert "1.376 tegn" in linkedin[0].message


def test_no_length_finding_for_a_platform_that_is_ruled_out() -> None:
    text = "Solnedgang over Kattegat ved Grenaa Strand. " * 8
    r = rec(text=text, has_media=False, audience=["unge_voksne"], theme="natur_kultur")
    assert all(f.platform != "instagram" for f in r.text_checks.findings)


# ---------------------------------------------------------------- plain language


def test_officialese_names_the_word_and_the_plain_alternative(strategy: InUse) -> None:
    r = rec(text="Såfremt du vil være med, så skriv til os.")
    assert [f.message for f in found(r, "officialese")] == [
        'Skriv "hvis" i stedet for "såfremt".'
    ]


def test_officialese_in_an_inflected_form(strategy: InUse) -> None:
    r = rec(text="Vi iværksætter projektet i maj.")
    messages = [f.message for f in found(r, "officialese")]
    assert messages == ['Skriv "starter" i stedet for "iværksætter".']


def test_officialese_phrase_across_a_line_break(strategy: InUse) -> None:
    r = rec(text="Vi holder fest i forbindelse\nmed indvielsen.")
    assert [f.message for f in found(r, "officialese")] == [
        'Skriv "ved" i stedet for "i forbindelse med".'
    ]


def test_each_officialese_word_is_reported_once_in_text_order(strategy: InUse) -> None:
    r = rec(text="Vedrørende festen: endvidere er der kage. Endvidere musik.")
    assert [f.message for f in found(r, "officialese")] == [
        'Skriv "om" i stedet for "vedrørende".',
        'Skriv "også" i stedet for "endvidere".',
    ]


def test_officialese_only_matches_whole_words(strategy: InUse) -> None:
    r = rec(text="Modtagelsen af nye borgere er kl. 10. Vi holder hus.")
    assert found(r, "officialese") == []


def test_abbreviation_jf_is_found(strategy: InUse) -> None:
    r = rec(text="Vi følger reglerne, jf. loven.")
    assert [f.message for f in found(r, "officialese")] == ['Skriv "se" i stedet for "jf.".']


# ---------------------------------------------------------------- passive verbs


def test_passive_from_the_curated_list(strategy: InUse) -> None:
    r = rec(text="Din ansøgning behandles hurtigt.")
    [finding] = found(r, "passive")
    assert '"behandles"' in finding.message
    assert 'fx "Vi behandler din ansøgning"' in finding.message


def test_passive_after_an_auxiliary_verb(strategy: InUse) -> None:
    r = rec(text="Skemaet skal udfyldes inden fredag.")
    assert ['"udfyldes"' in f.message for f in found(r, "passive")] == [True]


def test_passive_after_an_auxiliary_and_an_adverb(strategy: InUse) -> None:
    # What "kan" be done is, in a post to citizens, what the reader can do.
    r = rec(text="Stien kan ikke ses fra vejen.")
    [finding] = found(r, "passive")
    assert '"ses"' in finding.message and 'fx "Du kan ikke se stien"' in finding.message


def test_passive_suggestion_uses_the_plain_verb(strategy: InUse) -> None:
    r = rec(text="Mødet afholdes i Grenaa, og målingen foretages bagefter.")
    messages = [f.message for f in found(r, "passive")]
    assert len(messages) == 2
    assert '"afholdes"' in messages[0] and 'fx "Vi holder mødet"' in messages[0]
    assert '"foretages"' in messages[1] and 'fx "Vi gør målingen"' in messages[1]
    assert found(r, "officialese") == []  # one finding per word, not a second "holdes"


@pytest.mark.parametrize(
    "text",
    [
        "Vi kører med bus til vores hus.",
        "Hans og Grete kan deres sange.",
        "Vi skal mødes i kommunes nye hal.",
        "Vi synes, det er en god ide, og vi kan lykkes sammen.",
        "Der findes mange stier i Norddjurs.",
        "Det er kommunens ansvar.",
    ],
)
def test_no_passive_false_positives(text: str, strategy: InUse) -> None:
    assert found(rec(text=text), "passive") == []


# ---------------------------------------------------------------- accessibility


def test_image_without_alt_text(strategy: InUse) -> None:
    r = rec(has_media=True, captions=True)
    [finding] = found(r, "alt_text_missing")
    assert "alt-tekst" in finding.message


def test_video_without_captions(strategy: InUse) -> None:
    r = rec(has_media=True, alt_text="To børn på en cykel", captions=False)
    assert codes(r).count("captions_missing") == 1
    assert "undertekster" in found(r, "captions_missing")[0].message
    assert "alt_text_missing" not in codes(r)


def test_unanswered_captions_question_gives_a_gentle_reminder(strategy: InUse) -> None:
    r = rec(has_media=True, alt_text="To børn på en cykel")
    [finding] = found(r, "captions_check")
    assert finding.message.startswith("Hvis opslaget har video")
    assert "captions_missing" not in codes(r)


def test_no_accessibility_findings_when_everything_is_in_place(strategy: InUse) -> None:
    r = rec(has_media=True, alt_text="To børn på en cykel", captions=True)
    assert not {"alt_text_missing", "captions_missing", "captions_check"} & set(codes(r))


def test_no_accessibility_findings_without_media(strategy: InUse) -> None:
    r = rec(has_media=False, captions=False)
    assert not {"alt_text_missing", "captions_missing", "captions_check"} & set(codes(r))


def test_a_clean_short_text_has_no_findings(strategy: InUse) -> None:
    assert rec().text_checks.findings == []
