"""Issue 11: twelve realistic proposals, each judged as an experienced municipal communications
advisor would judge it against the strategy ("Indhold på sociale medier", 18.04.2023).

Each test names, in a comment, the strategy sentence that decides the case. The answers are
read as the proposer reads them: the summary (at most three lines) first, then the details.
"""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from bot.advice import DETAILS
from handlers.console import render_recommendation
from policy import Recommendation, parse_intake, recommend

PHONE = "89 59 10 00"

CASES: dict[str, dict[str, Any]] = {
    "julemarked": {
        "audience": ["borgere"], "theme": "bosaetning", "content_type": "begivenhed",
        "department": "Vestre Skole", "title": "Julemarked på Vestre Skole",
        "text": "Kom til julemarked på Vestre Skole fredag den 6. december kl. 16-19. Eleverne "
                "sælger juledekorationer, æbleskiver og gløgg, og overskuddet går til "
                "lejrskolen. Alle er velkomne!",
        "has_media": True, "media_kind": "foto", "people_in_media": "ingen",
        "alt_text": "Elevernes juledekorationer på et bord",
    },
    "sosu": {
        "audience": ["arbejdsmarked"], "theme": "rekruttering", "content_type": "jobopslag",
        "job_level": "medarbejder", "department": "Ældre og Sundhed",
        "title": "Social- og sundhedsassistenter til Plejecenter Rosengården",
        "text": "Vi søger to social- og sundhedsassistenter til Plejecenter Rosengården i "
                "Auning, 32 timer om ugen. Du får gode kolleger, faste vagter og tid til den "
                "enkelte beboer. Læs mere og søg stillingen på norddjurs.dk/job senest "
                "15. januar.",
        "link": "https://www.norddjurs.dk/job",
    },
    "direktoer": {
        "audience": ["arbejdsmarked", "erhverv"], "theme": "rekruttering",
        "content_type": "jobopslag", "job_level": "chef", "title": "Direktør for Teknik og Miljø",
        "text": "Norddjurs Kommune søger en direktør for Teknik og Miljø. Du får ansvar for "
                "planlægning, klima, veje og forsyning i en kommune med store planer for "
                "vedvarende energi og et stærkt erhvervsliv. Læs mere på norddjurs.dk/job.",
        "link": "https://www.norddjurs.dk/job",
    },
    "drikkevand": {
        "audience": ["borgere"], "theme": "service", "content_type": "serviceinfo",
        "crisis": True, "title": "Kogeanbefaling i Ørum",
        "text": "Kog vandet i Ørum. Der er fundet kolibakterier i drikkevandet. Kog vandet i "
                "mindst ét minut, før du drikker det eller bruger det til mad. Vi skriver igen "
                "i morgen kl. 12. Følg med på norddjurs.dk.",
        "link": "https://www.norddjurs.dk/drikkevand",
    },
    "drone": {
        "audience": ["turister"], "theme": "destinationer", "content_type": "hverdagsglimt",
        "title": "Dronefoto af Fjellerup Strand",
        "text": "Sommer på Fjellerup Strand. Hvidt sand, lavt vand og plads til alle. Kom og "
                "oplev Djurslands nordkyst.",
        "has_media": True, "media_kind": "foto", "people_in_media": "ingen",
        "alt_text": "Luftfoto af Fjellerup Strand med hvidt sand og blåt vand",
    },
    "navnenyt": {
        "audience": ["medarbejdere"], "theme": "andet", "content_type": "navnenyt",
        "title": "25 års jubilæum: Hanne Sørensen",
        "text": "Hanne Sørensen fra Borgerservice i Grenaa fejrer 25 års jubilæum den 1. marts. "
                "Hanne hjælper hver dag borgere med pas, kørekort og digitale løsninger. Kom og "
                "sig tillykke til kaffe og kage kl. 14.",
        "has_media": True, "media_kind": "foto", "people_in_media": "voksne", "consent": True,
        "alt_text": "Hanne Sørensen smiler ved skranken i Borgerservice",
    },
    "universitet": {
        "audience": ["erhverv", "borgere"], "theme": "partnerskaber", "content_type": "nyhed",
        "title": "Partnerskab med Aarhus Universitet",
        "text": "Norddjurs Kommune og Aarhus Universitet indgår et partnerskab om grøn energi. "
                "Sammen med lokale virksomheder skal vi teste nye løsninger til lagring af "
                "strøm fra vind og sol på Djursland.",
        "link": "https://www.norddjurs.dk/nyheder/partnerskab",
    },
    "vejlukning": {
        "audience": ["borgere"], "theme": "infrastruktur", "content_type": "serviceinfo",
        "title": "Lukket vej: Østergade i Grenaa",
        "text": "Østergade i Grenaa er lukket fra mandag den 3. juni til fredag den 7. juni, "
                "fordi vi lægger ny asfalt. Kør ad Nørregade i stedet. Busserne kører som "
                "normalt.",
        "link": "https://www.norddjurs.dk/trafik",
    },
    "paedagog": {
        "audience": ["arbejdsmarked", "borgere"], "theme": "rekruttering",
        "content_type": "medarbejderportraet",
        "title": "Portræt: Mette, pædagog i Vuggestuen Mælkebøtten",
        "text": "Mød Mette, der er pædagog i Vuggestuen Mælkebøtten i Ørsted. Hun elsker at se "
                "de mindste lære at gå, tale og lege sammen. Det bedste ved jobbet? Kollegerne "
                "og de små øjeblikke hver dag.",
        # three nursery children in the photo; the proposer has not said they have consent
        "has_media": True, "media_kind": "foto", "people_in_media": "boern",
        "alt_text": "Pædagogen Mette leger med tre børn i sandkassen",
    },
    "vindmoeller": {
        "audience": ["borgere"], "theme": "klima_miljoe", "content_type": "politisk",
        "title": "Høring om vindmøller ved Gjerrild",
        "text": "Hvad mener du om tre nye vindmøller ved Gjerrild? Planen er i høring til den "
                "20. april. Læs forslaget og send dit høringssvar på norddjurs.dk/hoeringer. "
                "Kom også til borgermøde i Gjerrild Forsamlingshus den 10. april kl. 19.",
        "link": "https://www.norddjurs.dk/hoeringer",
    },
    "stole": {
        "audience": ["borgere"], "theme": "andet", "content_type": "nyhed",
        "title": "Nye stole i byrådssalen",
        "text": "Byrådssalen på Rådhuset i Grenaa har fået nye stole. De gamle stole var "
                "slidte, og de nye er bedre at sidde på til lange møder.",
    },
    "borgmester": {
        "audience": ["borgere"], "theme": "bosaetning", "content_type": "politisk",
        "title": "Borgmesteren: Velkommen til 400 nye borgere",
        "text": "I år er 400 flere flyttet til Norddjurs end fra. Det er jeg rigtig glad for. "
                "Velkommen til jer alle. Vi fortsætter arbejdet med gode skoler og dagtilbud i "
                "hele kommunen. Hilsen borgmester Kasper Juel Bjerre",
        "has_media": True, "media_kind": "video", "people_in_media": "voksne", "consent": True,
        "captions": True, "alt_text": "Borgmesteren taler foran Rådhuset",
    },
}


def advice(name: str, **overrides: Any) -> Recommendation:
    return recommend(parse_intake({**CASES[name], **overrides}), crisis_phone=PHONE)


def fits(r: Recommendation) -> dict[str, str]:
    return {p.platform: p.fit for p in r.platforms}


def codes(r: Recommendation) -> list[str]:
    return [w.code for w in r.warnings]


def all_tips(r: Recommendation) -> str:
    return "\n".join(tip for tips in r.tone_tips.values() for tip in tips)


def test_a_schools_christmas_market_is_the_schools_own_news() -> None:
    # "Det betyder, at koncernlinjen fastholdes, og at direktørområderne selv varetager
    # kommunikationen inden for eget fagområde." The theme "Bosætning" alone does not make it a
    # Facebook story: "Vi bruger ikke siden til at fortælle om alt, som foregår i kommunen".
    r = advice("julemarked")
    assert fits(r)["department"] == "recommended"
    assert fits(r)["facebook"] == "possible"
    assert fits(r)["linkedin"] == "not_recommended"
    assert r.review.route == "department"
    assert r.summary[0] == (
        "Hvor: Afdelingens egne kanaler. Kan også bruges: Facebook, Instagram og norddjurs.dk."
    )
    assert r.summary[1] == "Godkendes af: Din egen afdeling."
    assert r.warnings == [] and r.crisis_checklist == []
    assert "Aula" in all_tips(r)


def test_a_job_ad_for_social_and_health_assistants_helps_recruit() -> None:
    # "Vi slår jobopslag på stillinger fra chefniveau og opefter op på siden." (so not LinkedIn),
    # and the groups the strategy names: "Det er især social- og sundhedsassistenter,
    # pædagoger, lærere og socialrådgivere." -> "portrætter af vores medarbejdere på
    # velfærdsområdet til brug på sociale medier - primært LinkedIn."
    r = advice("sosu")
    assert fits(r)["department"] == fits(r)["website"] == "recommended"
    assert fits(r)["linkedin"] == "not_recommended"
    linkedin = next(p for p in r.platforms if p.platform == "linkedin")
    assert len(linkedin.reasons) == 1 and "linkedin" not in r.tone_tips  # one line, no tips
    assert r.review.route == "department"
    assert r.summary[0] == "Hvor: Afdelingens egne kanaler og norddjurs.dk."
    assert r.summary[2].startswith("Vigtigst: Fortæl, hvad der gør stillingen attraktiv")
    assert codes(r) == ["welfare_portrait"]
    assert "portræt af en kollega" in r.warnings[0].message
    assert "LinkedIn og Facebook" in r.warnings[0].message
    assert "jobsiden på norddjurs.dk" in "\n".join(r.platforms[0].reasons)


def test_a_directors_job_ad_goes_on_linkedin_through_the_central_team() -> None:
    # "Vi slår jobopslag på stillinger fra chefniveau og opefter op på siden."
    # "Alt indhold til siden bliver hovedsageligt forfattet af den centrale
    # kommunikationsafdeling."
    r = advice("direktoer")
    assert fits(r)["linkedin"] == "recommended"
    assert fits(r)["department"] == "not_recommended"
    assert r.review.route == "central"
    assert r.summary[0] == "Hvor: LinkedIn og norddjurs.dk."
    assert r.summary[1] == "Godkendes af: Den centrale kommunikationsafdeling."
    assert "attraktiv" in r.summary[2]
    assert "welfare_portrait" not in codes(r)
    assert any("attraktiv" in tip for tip in r.tone_tips["linkedin"])


def test_drinking_water_contamination_gets_the_crisis_checklist_and_no_everyday_tone() -> None:
    # "Kommunikationsafdelingen står til rådighed med bistand i tilfælde af større mediekriser,
    # som kræver øjeblikkelig og professionel håndtering i den akutte fase." Crisis information
    # goes to Facebook "og desuden på norddjurs.dk"; Instagram: "Vi bruger ikke siden til at
    # informere om kriser."
    r = advice("drikkevand")
    assert fits(r)["facebook"] == fits(r)["website"] == "recommended"
    assert fits(r)["instagram"] == "not_recommended"
    assert r.review.route == "central" and r.review.urgent
    assert r.summary[0] == (
        f"Det er en krise: ring til Kommunikationsafdelingen på {PHONE} med det samme. "
        "Opslaget går til dem som en hastesag."
    )
    assert codes(r) == ["crisis"]
    checklist = "\n".join(r.crisis_checklist)
    for must in ("bydeform", "»Kog vandet", "næste opdatering", "Fastgør opslaget",
                 "forsyningen og lokale grupper", "norddjurs.dk", PHONE):
        assert must in checklist, must
    assert r.tone_tips == {}
    answer = render_recommendation(r)
    assert "Humor" not in answer and "nabo" not in answer


def test_the_crisis_checklist_without_a_phone_number_still_says_to_call() -> None:
    r = recommend(parse_intake(CASES["drikkevand"]))
    assert r.crisis_checklist[-1] == "Ring til Kommunikationsafdelingen, før opslaget går ud."
    assert r.summary[0].startswith("Det er en krise: ring til Kommunikationsafdelingen med det")


def test_a_drone_photo_of_a_beach_for_tourists_goes_to_instagram_in_english_too() -> None:
    # "Instagram bruges også til tiltrækning af udenlandske turister, da de sjældent bruger
    # Facebook."
    r = advice("drone")
    assert fits(r)["instagram"] == "recommended"
    assert fits(r)["facebook"] == "possible"
    assert r.review.route == "central"
    assert r.summary[0] == "Hvor: Instagram. Kan også bruges: Facebook."
    assert r.summary[2] == (
        "Vigtigst: Skriv også teksten på engelsk, så udenlandske turister kan læse den."
    )
    # a still photo: no reminder about subtitles
    assert not [f for f in r.text_checks.findings if f.code.startswith("captions")]
    assert r.warnings == []


def test_navnenyt_is_for_the_intranet_and_stays_in_the_department() -> None:
    # "Der er et potentiale i navnenyt, som ikke bliver udnyttet i øjeblikket."
    r = advice("navnenyt")
    assert fits(r)["intranet"] == "recommended"
    assert [p for p, fit in fits(r).items() if fit != "not_recommended"] == ["intranet"]
    assert r.review.route == "department"
    assert r.summary[0] == "Hvor: Intranettet."
    assert r.summary[2].startswith("Vigtigst: Fortæl kort, hvem det handler om")
    assert "consent_missing" not in codes(r)  # the colleague has given consent


def test_a_university_partnership_is_for_linkedin_and_facebook() -> None:
    # "Hvis vi skal nå længere ud og udnytte platformen, skal vi gøre mere ud af at have
    # indhold om samarbejder med virksomheder og partnerskaber ..." and the strength position
    # "Partnerskabsaftaler og samarbejder".
    r = advice("universitet")
    assert fits(r)["linkedin"] == fits(r)["facebook"] == "recommended"
    assert r.review.route == "central"
    assert "hovedsageligt forfattet af den centrale kommunikationsafdeling" in r.review.reason
    assert r.summary[0] == "Hvor: Facebook og LinkedIn. Kan også bruges: norddjurs.dk."
    assert r.summary[2].startswith("Vigtigst: Nævn de lokale virksomheder")


def test_a_road_closure_is_service_information_with_no_linkedin_tips() -> None:
    # "Vi leverer service-information og endelig informerer vi om kriser og aktuelle
    # dagsordner med mere (og desuden på norddjurs.dk)." LinkedIn's purpose: "Oplysning -
    # faglighed, strategier og initiativer samt rekruttering".
    r = advice("vejlukning")
    assert fits(r)["facebook"] == fits(r)["website"] == "recommended"
    assert fits(r)["linkedin"] == "not_recommended"
    assert "linkedin" not in r.tone_tips
    assert r.review.route == "central"
    assert r.summary[0] == "Hvor: Facebook og norddjurs.dk."
    assert r.summary[2].startswith("Vigtigst: Start med det, borgeren skal vide eller gøre")


def test_a_paedagog_portrait_with_three_nursery_children_asks_for_parents_consent() -> None:
    # "portrætter af vores medarbejdere på velfærdsområdet til brug på sociale medier -
    # primært LinkedIn. Indhold af denne type kan også bruges på Facebook". Consent: the
    # Datatilsynet guidance "Brug af billeder" (a recognisable person in a photo is
    # personal data; children have a special protection).
    r = advice("paedagog")
    assert fits(r)["linkedin"] == "recommended"
    assert fits(r)["facebook"] == "possible"
    assert r.summary[0].startswith("Børn kan genkendes på billedet")
    assert "forældrenes samtykke" in r.summary[0]
    assert codes(r) == ["consent_missing"]
    assert "Vejledning: Datatilsynet" in r.warnings[0].message
    assert "https://www.datatilsynet.dk/" in r.warnings[0].message

    given = advice("paedagog", consent=True)
    assert "consent_missing" not in codes(given)
    assert codes(given) == ["children_in_media"]  # still: take special care with children
    assert given.summary[0].startswith("Hvor: LinkedIn.")


def test_a_wind_turbine_consultation_is_the_green_story_on_facebook() -> None:
    # "Vi har et potentiale i at understøtte fortællingen om, hvordan kommunen politisk
    # arbejder på at skabe en grønnere kommune. Det er for eksempel arbejdet med at skabe
    # rammer for vedvarende energi-anlæg ..."
    r = advice("vindmoeller")
    assert fits(r)["facebook"] == "recommended"
    assert "Det Blå og Det Grønne" in r.platforms[0].reasons[0]
    assert r.review.route == "central"
    assert r.summary[0] == "Hvor: Facebook. Kan også bruges: LinkedIn og norddjurs.dk."
    # "Kommunikationsafdelingen anbefaler, at borgmester og udvalgsformænd optræder ..."
    assert codes(r) == ["mayor_suggested"]
    assert any("verdensmål" in tip for tip in r.tone_tips["facebook"])


def test_new_chairs_in_the_town_hall_are_not_for_the_main_page() -> None:
    # "Vi bruger ikke siden til at fortælle om alt, som foregår i kommunen, da indholdet her
    # gerne skal tale ind i en større dagsorden med udgangspunkt i styrkepositionerne."
    # "En række fagområder har deres egne profiler, som følger den overordnede
    # kommunikationsstrategi for kommunen."
    r = advice("stole")
    assert fits(r)["department"] == "recommended"
    assert fits(r)["facebook"] == "possible"
    assert r.review.route == "department"
    assert r.summary[0].startswith("Hvor: Afdelingens egne kanaler.")
    assert "fortælle om alt" in "\n".join(
        next(p.reasons for p in r.platforms if p.platform == "facebook")
    )


def test_a_post_from_the_mayor_is_factual_and_may_belong_on_the_mayors_own_profile() -> None:
    # "Kommunikationsafdelingen anbefaler, at borgmester og udvalgsformænd optræder på vores
    # sociale medier, når det i sammenhængen falder naturligt ind." -- here the mayor already
    # does, so "let the mayor appear" would not apply.
    r = advice("borgmester")
    assert fits(r)["facebook"] == "recommended"
    assert r.review.route == "central"
    assert codes(r) == ["politician_neutral"]
    assert r.summary[2].startswith("Vigtigst: Opslaget er fra eller om en politiker.")
    assert "ikke partipolitisk" in r.summary[2]
    assert "egen profil" in r.summary[2]
    assert "borgmesteren eller udvalgsformanden optræde" not in all_tips(r)
    assert "mayor_suggested" not in codes(r)
    # a video with subtitles: nothing to say about them
    assert [f.code for f in r.text_checks.findings if f.code.startswith("captions")] == []


def test_subtitle_advice_is_given_for_video_only() -> None:
    video = advice("drone", media_kind="video")
    photo = advice("drone", media_kind="foto")
    assert [f.code for f in video.text_checks.findings] == ["captions_check"]
    assert [f.code for f in photo.text_checks.findings] == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_answer_is_short_first_and_quotes_each_sentence_once(name: str) -> None:
    r = advice(name)
    assert 2 <= len(r.summary) <= 3
    assert all(len(line) <= 200 for line in r.summary)
    rendered = render_recommendation(r)
    assert rendered.index(r.summary[0]) < rendered.index(DETAILS)
    quotes = [part.split('"')[0] for part in rendered.split('Strategien: "')[1:]]
    assert len(quotes) == len(set(quotes)), name


def test_a_recommendation_stored_before_warnings_had_codes_is_still_read() -> None:
    stored = advice("stole").model_dump(mode="json")
    del stored["summary"], stored["crisis_checklist"]
    stored["warnings"] = ["Overvej at lade borgmesteren optræde i opslaget."]
    r = Recommendation.model_validate(stored)
    assert r.warnings[0].code == "note"
    assert r.warnings[0].message == "Overvej at lade borgmesteren optræde i opslaget."
    assert r.summary == [] and r.crisis_checklist == []


def answer_lengths() -> tuple[float, float, int, int]:
    """Median summary characters and median full answer characters (as the terminal renders
    it), and the largest of each, over the twelve cases."""
    recs = [advice(name) for name in CASES]
    summaries = [sum(len(line) for line in r.summary) for r in recs]
    full = [len(render_recommendation(r)) for r in recs]
    return statistics.median(summaries), statistics.median(full), max(summaries), max(full)


def test_the_summary_is_a_small_part_of_the_answer() -> None:
    summary, full, largest_summary, _ = answer_lengths()
    assert largest_summary <= 3 * 200
    assert summary < full / 5
