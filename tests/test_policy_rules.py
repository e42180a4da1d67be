"""One scenario per rule of the strategy: the fit, the reason, and the strategy sentence the
reason quotes."""

from __future__ import annotations

from typing import Any

import pytest

from policy import recommend
from policy.models import Intake, Recommendation

SHORT = "Vi åbner en ny legeplads i Grenaa på lørdag. Kom og leg med."


def rec(**overrides: Any) -> Recommendation:
    data: dict[str, Any] = {
        "audience": ["borgere"], "theme": "bosaetning", "content_type": "nyhed", "text": SHORT,
    }
    data.update(overrides)
    return recommend(Intake.model_validate(data))


def fit(r: Recommendation, platform: str) -> str:
    return next(p.fit for p in r.platforms if p.platform == platform)


def reasons(r: Recommendation, platform: str) -> str:
    return "\n".join(next(p.reasons for p in r.platforms if p.platform == platform))


def first_reason(r: Recommendation, platform: str) -> str:
    return next(p.reasons[0] for p in r.platforms if p.platform == platform)


def answer(r: Recommendation) -> str:
    """Everything the proposer reads, in order: each strategy sentence is quoted once in it."""
    parts = [reason for p in r.platforms for reason in p.reasons]
    parts += [f.message for f in r.text_checks.findings]
    parts += [w.message for w in r.warnings] + [r.review.reason]
    return "\n".join(parts)


def warnings(r: Recommendation) -> list[str]:
    return [w.message for w in r.warnings]


MEDIA = {"has_media": True, "alt_text": "Børn på legepladsen", "captions": True}

# ---------------------------------------------------------------- crisis


def test_crisis_recommends_facebook_and_norddjurs_dk() -> None:
    r = rec(crisis=True, theme="infrastruktur", content_type="serviceinfo")
    assert fit(r, "facebook") == "recommended"
    assert fit(r, "website") == "recommended"
    assert "informerer vi om kriser" in reasons(r, "facebook")
    # quoted once, under Facebook; norddjurs.dk gives its own reason without repeating it
    assert "Ved kriser skal informationen også ligge på norddjurs.dk." in reasons(r, "website")
    assert answer(r).count("informerer vi om kriser") == 1


def test_crisis_rules_out_instagram_even_with_images_for_young_people() -> None:
    r = rec(crisis=True, audience=["unge_voksne"], theme="natur_kultur", **MEDIA)
    assert fit(r, "instagram") == "not_recommended"
    assert first_reason(r, "instagram") == (
        'Instagram bruges ikke til kriseinformation. '
        'Strategien: "Vi bruger ikke siden til at informere om kriser."'
    )
    # the overruled raise (young adults, nature) is not offered as a reason
    assert "20-35" not in reasons(r, "instagram")


def test_crisis_goes_to_the_central_team_urgently() -> None:
    r = rec(crisis=True, audience=["medarbejdere"], theme="andet")
    assert r.review.route == "central"
    assert r.review.urgent is True
    assert "straks til den centrale kommunikationsafdeling" in r.review.reason
    assert answer(r).count("øjeblikkelig og professionel håndtering") == 1


def test_crisis_beats_the_not_everything_rule_on_facebook() -> None:
    r = rec(crisis=True, theme="andet")
    assert fit(r, "facebook") == "recommended"
    assert "fortælle om alt" not in reasons(r, "facebook")


def test_crisis_keeps_linkedin_to_at_most_possible() -> None:
    r = rec(crisis=True, audience=["erhverv"], theme="erhverv_job")
    assert fit(r, "linkedin") == "possible"
    assert "LinkedIn kan højst supplere" in first_reason(r, "linkedin")


def test_crisis_warns_to_call_the_communications_team() -> None:
    r = rec(crisis=True)
    assert any("Kommunikationsafdelingen" in w and "krise" in w for w in warnings(r))
    assert [w.code for w in r.warnings] == ["crisis"]


def test_no_crisis_is_not_urgent() -> None:
    assert rec().review.urgent is False


# ---------------------------------------------------------------- Instagram


def test_instagram_needs_images_or_video() -> None:
    r = rec(audience=["unge_voksne"], theme="natur_kultur", has_media=False)
    assert fit(r, "instagram") == "not_recommended"
    assert "gennem billeder og æstetik" in first_reason(r, "instagram")


def test_instagram_reaches_young_adults() -> None:
    r = rec(audience=["unge_voksne"], theme="andet", content_type="hverdagsglimt", **MEDIA)
    assert fit(r, "instagram") == "recommended"
    assert "mest den yngre målgruppe (20-35 år)" in reasons(r, "instagram")


def test_instagram_reaches_tourists_who_rarely_use_facebook() -> None:
    r = rec(audience=["turister"], theme="destinationer", **MEDIA)
    assert fit(r, "instagram") == "recommended"
    assert "da de sjældent bruger Facebook" in reasons(r, "instagram")


def test_facebook_is_at_most_possible_for_tourists_only() -> None:
    r = rec(audience=["turister"], theme="destinationer", **MEDIA)
    assert fit(r, "facebook") == "possible"
    assert "turister bruger sjældent Facebook" in first_reason(r, "facebook")
    assert "da de sjældent bruger Facebook" in answer(r)


@pytest.mark.parametrize("audience", ["tilflyttere", "arbejdsmarked"])
def test_instagram_is_possible_for_settlers_and_workforce(audience: str) -> None:
    r = rec(audience=[audience], theme="andet", content_type="nyhed", **MEDIA)
    assert fit(r, "instagram") == "possible"
    assert "mulige tilflyttere, arbejdskraft og turister" in reasons(r, "instagram")


def test_instagram_settlement_campaign_for_settlers_is_recommended() -> None:
    r = rec(audience=["tilflyttere"], theme="bosaetning", **MEDIA)
    assert fit(r, "instagram") == "recommended"
    assert "sponsorerede opslag" in reasons(r, "instagram")


@pytest.mark.parametrize("theme", ["natur_kultur", "destinationer"])
def test_instagram_themes_nature_culture_and_destinations(theme: str) -> None:
    r = rec(theme=theme, **MEDIA)
    assert fit(r, "instagram") == "recommended"
    assert "fokus på natur og kultur" in reasons(r, "instagram")


def test_instagram_is_not_for_staff_only() -> None:
    r = rec(audience=["medarbejdere"], theme="natur_kultur", **MEDIA)
    assert fit(r, "instagram") == "not_recommended"


def test_instagram_wants_little_text_for_service_information() -> None:
    r = rec(audience=["unge_voksne"], content_type="serviceinfo", theme="service", **MEDIA)
    assert fit(r, "instagram") == "possible"
    assert "så lidt tekst som muligt" in first_reason(r, "instagram")


def test_instagram_without_a_reason_to_use_it() -> None:
    r = rec(audience=["erhverv"], theme="andet", content_type="nyhed", **MEDIA)
    assert fit(r, "instagram") == "not_recommended"
    assert "Instagrams målgrupper" in first_reason(r, "instagram")


# ---------------------------------------------------------------- LinkedIn


def test_linkedin_job_ad_for_a_manager() -> None:
    r = rec(audience=["arbejdsmarked"], theme="rekruttering", content_type="jobopslag",
            job_level="chef")
    assert fit(r, "linkedin") == "recommended"
    assert "fra chefniveau og opefter" in first_reason(r, "linkedin")


def test_linkedin_job_ad_below_manager_level_is_ruled_out() -> None:
    r = rec(audience=["arbejdsmarked"], theme="rekruttering", content_type="jobopslag",
            job_level="medarbejder")
    assert fit(r, "linkedin") == "not_recommended"
    assert first_reason(r, "linkedin") == (
        "Kommunen slår kun stillinger fra chefniveau og opefter op på LinkedIn. "
        'Strategien: "Vi slår jobopslag på stillinger fra chefniveau og opefter op på siden."'
    )
    assert "rekruttere" not in reasons(r, "linkedin")  # the overruled raise is not shown


def test_linkedin_job_ad_without_job_level_is_ruled_out_with_a_warning() -> None:
    r = rec(audience=["arbejdsmarked"], theme="rekruttering", content_type="jobopslag")
    assert fit(r, "linkedin") == "not_recommended"
    assert any("chefniveau" in w for w in warnings(r))
    assert "job_level_missing" in [w.code for w in r.warnings]


def test_job_ad_tone_tip_on_linkedin() -> None:
    r = rec(audience=["arbejdsmarked"], theme="rekruttering", content_type="jobopslag",
            job_level="chef")
    assert any("attraktiv" in tip for tip in r.tone_tips["linkedin"])


def test_linkedin_does_not_share_from_other_norddjurs_pages() -> None:
    r = rec(audience=["erhverv"], theme="erhverv_job", content_type="deling")
    assert fit(r, "linkedin") == "not_recommended"
    assert 'kommenterer og "liker" gerne' in first_reason(r, "linkedin")


def test_linkedin_is_not_for_staff_only() -> None:
    r = rec(audience=["medarbejdere"], theme="rekruttering", content_type="god_historie")
    assert fit(r, "linkedin") == "not_recommended"
    assert "for meget til vores egne medarbejdere" in first_reason(r, "linkedin")


@pytest.mark.parametrize(
    "theme, quote",
    [
        ("partnerskaber", "samarbejder med virksomheder og partnerskaber"),
        ("erhverv_job", "virksomheder, erhverv, udvikling, vækst"),
        ("rekruttering", "rekruttere, fastholde og uddanne"),
    ],
)
def test_linkedin_recommended_for_business_partnerships_and_recruitment(
    theme: str, quote: str
) -> None:
    r = rec(audience=["erhverv"], theme=theme, content_type="god_historie")
    assert fit(r, "linkedin") == "recommended"
    assert quote in reasons(r, "linkedin")


def test_linkedin_possible_for_businesses_whatever_the_theme() -> None:
    r = rec(audience=["erhverv"], theme="andet", content_type="nyhed")
    assert fit(r, "linkedin") == "possible"
    assert "folk på arbejdsmarkedet" in reasons(r, "linkedin")


def test_linkedin_not_for_everyday_glimpses_to_citizens() -> None:
    r = rec(audience=["borgere"], theme="andet", content_type="hverdagsglimt")
    assert fit(r, "linkedin") == "not_recommended"


# ---------------------------------------------------------------- employee portraits


def test_employee_portrait_is_for_linkedin_and_possible_on_facebook() -> None:
    r = rec(audience=["arbejdsmarked"], theme="rekruttering", content_type="medarbejderportraet")
    assert fit(r, "linkedin") == "recommended"
    assert "primært LinkedIn" in reasons(r, "linkedin")
    assert fit(r, "facebook") == "possible"
    assert "da det er hverdagsnært indhold" in first_reason(r, "facebook")


def test_employee_portrait_stays_possible_on_facebook_even_for_a_strength_position() -> None:
    r = rec(audience=["borgere"], theme="bosaetning", content_type="medarbejderportraet")
    assert fit(r, "facebook") == "possible"


# ---------------------------------------------------------------- Facebook


@pytest.mark.parametrize(
    "theme",
    ["bosaetning", "erhverv_job", "grunde", "partnerskaber", "destinationer", "infrastruktur"],
)
def test_facebook_recommended_for_the_strength_positions(theme: str) -> None:
    r = rec(theme=theme)
    assert fit(r, "facebook") == "recommended"
    assert "udgangspunkt i styrkepositionerne" in first_reason(r, "facebook")


def test_facebook_recommended_for_the_climate_agenda() -> None:
    r = rec(theme="klima_miljoe")
    assert fit(r, "facebook") == "recommended"
    assert "Det Blå og Det Grønne" in first_reason(r, "facebook")
    assert any("verdensmål" in tip for tip in r.tone_tips["facebook"])


def test_facebook_is_not_for_everything_that_happens() -> None:
    r = rec(theme="andet", content_type="nyhed")
    assert fit(r, "facebook") == "possible"
    assert first_reason(r, "facebook").endswith(
        'Strategien: "Vi bruger ikke siden til at fortælle om alt, som foregår i kommunen, '
        'da indholdet her gerne skal tale ind i en større dagsorden med udgangspunkt i '
        'styrkepositionerne."'
    )


def test_service_information_goes_to_facebook_and_norddjurs_dk() -> None:
    r = rec(theme="andet", content_type="serviceinfo")
    assert fit(r, "facebook") == "recommended"
    assert fit(r, "website") == "recommended"
    assert "Serviceinformation skal også ligge på norddjurs.dk" in first_reason(r, "website")
    assert answer(r).count("service-information") == 1


def test_facebook_is_not_for_staff_only() -> None:
    r = rec(audience=["medarbejdere"], theme="bosaetning")
    assert fit(r, "facebook") == "not_recommended"
    assert "Brug intranettet" in first_reason(r, "facebook")


def test_facebook_tone_is_informal_with_active_verbs() -> None:
    tips = " ".join(rec().tone_tips["facebook"])
    assert "uformelt og let" in tips
    assert "aktive verber" in tips


def test_facebook_sharing_from_another_norddjurs_page() -> None:
    r = rec(content_type="deling", theme="andet")
    assert fit(r, "facebook") == "possible"
    assert "dele indhold fra hinanden" in reasons(r, "facebook")


def test_job_ads_are_at_most_possible_on_facebook() -> None:
    r = rec(theme="erhverv_job", content_type="jobopslag", job_level="chef")
    assert fit(r, "facebook") == "possible"


# ---------------------------------------------------------------- intranet


def test_staff_news_goes_to_the_intranet() -> None:
    r = rec(audience=["medarbejdere"], theme="andet", content_type="god_historie")
    assert fit(r, "intranet") == "recommended"
    assert 'Strategien: "Egne medarbejdere og chefer"' in first_reason(r, "intranet")


def test_name_news_goes_to_the_intranet_and_at_most_possible_elsewhere() -> None:
    r = rec(audience=["borgere"], theme="andet", content_type="navnenyt", **MEDIA)
    assert fit(r, "intranet") == "recommended"
    assert "navnenyt" in first_reason(r, "intranet")
    assert fit(r, "facebook") == "possible"
    assert fit(r, "linkedin") in ("possible", "not_recommended")


def test_intranet_is_not_for_external_audiences_only() -> None:
    r = rec(audience=["borgere", "turister"])
    assert fit(r, "intranet") == "not_recommended"
    assert "eksterne målgrupper" in first_reason(r, "intranet")


def test_intranet_for_a_mixed_audience_including_staff() -> None:
    r = rec(audience=["borgere", "medarbejdere"])
    assert fit(r, "intranet") == "recommended"
    assert fit(r, "facebook") == "recommended"


# ---------------------------------------------------------------- norddjurs.dk


def test_long_stories_go_to_norddjurs_dk() -> None:
    r = rec(text="Vi åbner en ny skole i Grenaa. " * 20)
    assert fit(r, "website") == "recommended"
    assert "længere historier" in first_reason(r, "website")


def test_a_short_everyday_glimpse_is_not_for_norddjurs_dk() -> None:
    r = rec(content_type="hverdagsglimt")
    assert fit(r, "website") == "not_recommended"


def test_news_is_possible_on_norddjurs_dk() -> None:
    assert fit(rec(content_type="nyhed"), "website") == "possible"


# ---------------------------------------------------------------- politics


def test_political_content_suggests_the_mayor_or_a_committee_chair() -> None:
    r = rec(content_type="politisk", theme="klima_miljoe")
    [warning] = [w for w in warnings(r) if "borgmester" in w]
    assert "udvalgsformand" in warning
    assert 'Strategien: "Kommunikationsafdelingen anbefaler, at borgmester og udvalgsformænd' in (
        warning
    )
    assert any("borgmesteren" in tip for tip in r.tone_tips["facebook"])


def test_no_mayor_warning_for_other_content() -> None:
    assert not any("borgmester" in w for w in warnings(rec(content_type="nyhed")))


# ---------------------------------------------------------------- review route


def test_main_profile_posts_go_to_the_central_team() -> None:
    r = rec(theme="bosaetning")
    assert r.review.route == "central"
    assert "Facebook" in r.review.reason
    assert "Strategien:" in r.review.reason


def test_linkedin_posts_cite_the_central_authorship() -> None:
    r = rec(audience=["erhverv"], theme="partnerskaber")
    assert r.review.route == "central"
    assert "hovedsageligt forfattet af den centrale kommunikationsafdeling" in r.review.reason


def test_news_for_staff_only_is_for_the_whole_intranet_not_the_departments_own_page() -> None:
    """A colleague's jubilee is about one person in one place, so the department channel's
    default reason ("more than one field or place") would be wrong: the reason is the
    intranet's reach across the municipality."""
    r = rec(audience=["medarbejdere"], theme="andet", content_type="navnenyt")
    assert fit(r, "department") == "not_recommended"
    assert "hører til på intranettet, hvor kolleger i hele kommunen" in reasons(r, "department")
    assert "Grenaa til Allingåbro" in reasons(r, "department")
    assert "mere end ét fagområde" not in reasons(r, "department")


def test_an_internal_job_ad_stays_with_the_department() -> None:
    r = rec(audience=["medarbejdere"], theme="rekruttering", content_type="jobopslag",
            job_level="medarbejder")
    assert fit(r, "department") == "recommended"


def test_intranet_only_posts_stay_in_the_department() -> None:
    r = rec(audience=["medarbejdere"], theme="andet", content_type="god_historie")
    assert [p.platform for p in r.platforms if p.fit != "not_recommended"] == ["intranet"]
    assert r.review.route == "department"
    assert r.review.urgent is False
    assert "direktørområderne selv varetager kommunikationen" in r.review.reason
    assert "Intranettet" in r.review.reason
