"""Passive voice and officialese as a Danish communications advisor would judge them: real
municipal sentences both ways (passives found, ordinary words left alone), rewrites that name
who acts (the reader: the imperative; the municipality: "vi"; the agent the text names), and
one finding per word when a verb is both passive and officialese. Checked through `recommend`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from policy.data import PassiveWords, PlainWord
from policy.textchecks import participle_forms
from tests.test_policy_data import YAML_PATH
from tests.test_policy_textchecks import found, rec


def passive_messages(text: str) -> list[str]:
    return [f.message for f in found(rec(text=text), "passive")]


def word_findings(text: str) -> list[str]:
    """The officialese and passive findings' messages, in order."""
    r = rec(text=text)
    return [f.message for f in r.text_checks.findings if f.code in ("officialese", "passive")]


# ---------------------------------------------------------------- found: s-passives

S_PASSIVES = [
    # Listed verbs, anywhere.
    ("Vejen lukkes fra mandag.", "lukkes"),
    ("Træerne plantes i marts.", "plantes"),
    ("Legepladsen flyttes til den anden side af skolen.", "flyttes"),
    ("Borgerne inviteres til møde om vindmøllerne.", "inviteres"),
    ("Ansøgning fremsendes via norddjurs.dk.", "fremsendes"),
    ("Bemærkninger indsendes senest 1. marts.", "indsendes"),
    ("Skemaet udfyldes.", "udfyldes"),
    ("Nyhedsbrevet udsendes hver måned.", "udsendes"),
    # Not listed: found where a verb stands, before a preposition, adverb or full stop.
    ("Cykelstien males om i næste uge.", "males"),
    ("Sandsække udleveres ved Genbrugspladsen fra kl. 8.", "udleveres"),
    ("Hegnet ved søen istandsættes.", "istandsættes"),
    ("Grundene markedsføres også i Aarhus.", "markedsføres"),
    # Not listed: found after an auxiliary, also with adverbs between.
    ("Vandet skal koges inden brug.", "koges"),
    ("Udstillingen kan opleves frem til 1. maj.", "opleves"),
    ("Vandet må ikke drikkes.", "drikkes"),
    ("Der arrangeres busture for ældre.", "arrangeres"),
    # Not listed: found after "som" and after a fronted "Nu".
    ("Borgere, som visiteres, får besked.", "visiteres"),
    ("Nu genåbnes stranden.", "genåbnes"),
]


@pytest.mark.parametrize(("text", "word"), S_PASSIVES)
def test_s_passives_in_municipal_sentences_are_found(text: str, word: str) -> None:
    [message] = passive_messages(text)
    assert message.startswith("Passiv form") and f'"{word}"' in message


# ---------------------------------------------------------------- found: blive-passives

BLIVE_PASSIVES = [
    ("Din sag bliver behandlet hurtigt.", "bliver behandlet", "Vi behandler din sag"),
    ("Vejen blev flyttet i 2020.", "blev flyttet", "Vi flyttede vejen"),
    ("Træerne vil blive plantet i foråret.", "vil blive plantet", "Vi vil plante træerne"),
    ("Mødet er blevet aflyst.", "er blevet aflyst", "Vi har aflyst mødet"),
    (
        "Koncerten er desværre blevet aflyst.", "er desværre blevet aflyst",
        "Vi har desværre aflyst koncerten",
    ),
    ("Svømmehallen blev lukket i går.", "blev lukket", "Vi lukkede svømmehallen"),
    ("Planen blev vedtaget i byrådet.", "blev vedtaget", "Vi vedtog planen"),
    ("Skolen bliver renoveret i sommerferien.", "bliver renoveret", "Vi renoverer skolen"),
    ("Sagen er blevet sendt videre til udvalget.", "er blevet sendt", "Vi har sendt sagen"),
    # Inverted: the subject stands between "bliver" and the participle.
    ("Derfor bliver vejen lukket i to uger.", "bliver vejen lukket", "Vi lukker vejen"),
    ("Bliver mødet aflyst?", "bliver mødet aflyst", "Vi aflyser mødet"),
    ("I år bliver der plantet 100 træer.", "bliver der plantet", "Vi planter 100 træer"),
    ("Der vil blive plantet 500 træer.", "vil blive plantet", "Vi vil plante 500 træer"),
    ("Du bliver kontaktet i næste uge.", "bliver kontaktet", "Vi kontakter dig"),
]


@pytest.mark.parametrize(("text", "quoted", "rewrite"), BLIVE_PASSIVES)
def test_blive_passives_are_found_and_rewritten(text: str, quoted: str, rewrite: str) -> None:
    [message] = passive_messages(text)
    assert f'Passiv form: "{quoted}"' in message
    assert f'fx "{rewrite}"' in message


# ---------------------------------------------------------------- not found

NOT_PASSIVE = [
    # Ordinary words that end in -s or -es.
    "Vi kører med bus til vores hus.",
    "Tres år er gået. Der er ost og brød i huset. Blæs på det.",
    "Der er pres på, og des bedre.",
    "Glæd dig til halvtres år med musik.",
    "Det blev en anderledes sommer i år, og det er et fælles ansvar.",
    "Vi har stor succes med ordningen, og høringsprocessen er i gang.",
    "Det er særdeles vigtigt, og det er aldeles gratis.",
    # Genitives and possessives.
    "Skolens elever og byens borgere er velkomne.",
    "Norddjurs Kommunes nye hjemmeside er klar.",
    "Vi skal mødes i kommunes nye hal.",
    "De unges trivsel og de ældres hverdag er vigtig for os.",
    "En uges ferie og en times gratis parkering.",
    # Genitives not listed anywhere: a noun follows them, so they are not where a verb stands.
    "En god børnehaves kendetegn er glade børn.",
    "Mange borgeres ønske er flere stier.",
    "Alle medarbejderes trivsel er vigtig for os.",
    "Vi tager udgangspunkt i vores borgeres, virksomheders og foreningers virkelighed.",
    "Borgeres, virksomheders og foreningers ønsker er vigtige.",
    "Kommunens borgeres ønsker er vigtige.",
    "Hans og Grete kan deres sange, og hendes bog er god.",
    # Deponent and reciprocal verbs.
    "Vi synes, det er en god ide, og vi kan lykkes sammen.",
    "Der findes mange stier i Norddjurs.",
    "Vi ses på lørdag!",
    "Ses vi i morgen?",
    "Vi samles på torvet kl. 10, og vi mødes ved indgangen.",
    "Vi tales ved, vi høres.",
    "Børnene trives i den nye børnehave.",
    # Names: capitalised inside a sentence, or known names that open one.
    "Vi læser Sokrates i dag.",
    "Agnes i Grenaa fylder 100 år.",
    # English plurals in posts.
    "Tak for alle jeres likes på opslaget.",
    "Gode vibes på stranden i dag!",
    "Stories på Instagram er populære.",
    # "bliver"/"blev" without a passive: adjectives, states and feelings, nouns.
    "I morgen bliver vejret godt.",
    "Det bliver sjovt, og det bliver godt.",
    "Det bliver vist en god dag.",
    "Det er blevet sværere at finde parkering.",
    "Vi blev overrasket over de mange gæster.",
    "Bussen bliver forsinket i dag.",
    "Hun blev ansat i 1998 og har været her lige siden.",
    "Der bliver musik, mad og masser af hygge.",
    "Vi blev inviteret til Christiansborg.",
    # A state, not an action ("er lukket"), and ordinary active sentences.
    "Hovedvejen mellem Ørum og Trustrup er lukket fra mandag til fredag.",
    "Kom og vær med, når vi tænder juletræet på torvet i Grenaa fredag kl. 16.",
    "Vi søger en engageret pædagog til Børnehuset Regnbuen i Auning.",
    "Drikkevandet i Vivild er forurenet. Kog vandet, før du drikker det.",
    "Hvad synes du om vindmøllerne ved Gjerrild? Kom til borgermøde og sig din mening.",
    "Byrådet holder møde onsdag, og dagsordenen ligger på norddjurs.dk.",
    "Fodboldklubbens nye baner er klar til sæsonen.",
    "Byens borgere har stemt, og vinderen er fundet.",
    "Tak til alle frivillige, der hjalp med at rydde stranden.",
    "Nu er der åbent for ansøgninger til puljen.",
]


@pytest.mark.parametrize("text", NOT_PASSIVE)
def test_ordinary_sentences_have_no_passive(text: str) -> None:
    assert passive_messages(text) == []


def test_the_passives_in_the_strategy_document_are_all_real() -> None:
    """The strategy itself is municipal prose: every passive found in it is one, and each
    sentence is checked on its own, as a post would be."""
    text = (Path(__file__).parent / "data" / "sociale-medier-2023.txt").read_text("utf-8")
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
    quoted = [
        message.split('"')[1]
        for sentence in sentences for message in passive_messages(sentence)
    ]
    assert quoted == [
        "fastholdes", "håndteres", "bliver brugt", "bruges", "vises", "bliver også brugt",
        "vedligeholdes", "bruges", "bliver udnyttet",
    ]


# ---------------------------------------------------------------- who acts

READER_ACTS = [
    ("Ansøgning fremsendes via norddjurs.dk.", "Send din ansøgning"),
    ("Bemærkninger indsendes senest 1. marts.", "Send dine bemærkninger"),
    ("Skemaet udfyldes.", "Udfyld skemaet"),
    ("Skemaet skal udfyldes inden fredag.", "Udfyld skemaet"),
    ("Vandet skal koges inden brug.", "Kog vandet"),
    ("Der skal medbringes madpakke.", "Medbring madpakke"),
    ("Du bedes udfylde skemaet.", "Udfyld skemaet"),
    ("Billetter kan købes i Kulturhuset.", "Du kan købe billetter"),
    ("Nøglen kan afhentes i Borgerservice.", "Du kan hente nøglen"),
    ("Der kan ansøges om tilskud til nye vinduer.", "Du kan søge om tilskud"),
    ("Vandet må ikke drikkes.", "Du må ikke drikke vandet"),
    ("Kommunen kan kontaktes på telefon 8959 1000.", "Du kan kontakte kommunen"),
]


@pytest.mark.parametrize(("text", "rewrite"), READER_ACTS)
def test_when_the_reader_acts_the_rewrite_speaks_to_the_reader(text: str, rewrite: str) -> None:
    [message] = passive_messages(text)
    assert "skriv direkte til læseren" in message
    assert f'fx "{rewrite}"' in message
    assert '"Vi ' not in message


MUNICIPALITY_ACTS = [
    ("Vejen lukkes.", "Vi lukker vejen"),
    ("Træerne plantes i marts.", "Vi planter træerne"),
    ("I marts plantes de nye træer.", "Vi planter de nye træer"),
    ("Nu åbnes legepladsen.", "Vi åbner legepladsen"),
    ("Borgerne opfordres til at spare på vandet.", "Vi opfordrer borgerne"),
    ("Der afholdes borgermøde i hallen.", "Vi holder borgermøde"),
    ("Der serveres kaffe og kage.", "Vi serverer kaffe og kage"),
    ("Hele sommeren holdes der åbent på biblioteket.", "Vi holder åbent"),
    ("Vejen kan desværre ikke åbnes før 1. juni.", "Vi kan desværre ikke åbne vejen"),
    ("Vandværket oplyser, at skolen renoveres.", "Vi renoverer skolen"),
    # The reader as subject is done to: the municipality acts.
    ("Du kontaktes snarest.", "Vi kontakter dig"),
    ("Hermed inviteres du til åbent hus.", "Vi inviterer dig"),
]


@pytest.mark.parametrize(("text", "rewrite"), MUNICIPALITY_ACTS)
def test_when_the_municipality_acts_the_rewrite_says_vi(text: str, rewrite: str) -> None:
    [message] = passive_messages(text)
    assert "Skriv hellere aktivt, hvem der gør hvad" in message
    assert f'fx "{rewrite}"' in message


@pytest.mark.parametrize(
    ("text", "rewrite"),
    [
        ("Ansøgningen behandles af Jobcentret.", "Jobcentret behandler ansøgningen"),
        ("Bålpladsen må benyttes af alle.", "Alle må benytte bålpladsen"),
        ("Den nye vej bliver åbnet af borgmesteren.", "Borgmesteren åbner den nye vej"),
        ("Du kontaktes af en sagsbehandler.", "En sagsbehandler kontakter dig"),
    ],
)
def test_the_agent_the_text_names_is_the_one_who_acts(text: str, rewrite: str) -> None:
    [message] = passive_messages(text)
    assert f'fx "{rewrite}"' in message


def test_a_verb_either_side_does_gets_both_rewrites() -> None:
    [message] = passive_messages("Pakken afhentes på biblioteket.")
    assert 'fx "Vi henter pakken", eller "Hent pakken", hvis det er læseren' in message
    [garbage] = passive_messages("Affald afhentes hver anden uge.")
    assert 'fx "Vi henter affald"' in garbage


# ---------------------------------------------------------------- one finding per word


def official_s_forms() -> list[str]:
    """Every officialese form in the data file whose first word is a passive s-form (not the
    adverbs "således", "ligeledes" and the deponent "forefindes", listed as not passive)."""
    data = yaml.safe_load(YAML_PATH.read_bytes())
    not_passive = set(data["passive"]["not_passive"])
    forms = []
    for entry in data["plain_words"]:
        for form in (entry["word"], *entry.get("forms", {})):
            if form.split()[0].endswith("es") and form.split()[0] not in not_passive:
                forms.append(form)
    return forms


def official_participles() -> list[str]:
    data = yaml.safe_load(YAML_PATH.read_bytes())
    return [
        form for entry in data["plain_words"] for form in entry.get("forms", {})
        if form.endswith("t") and participle_forms(form) is not None
    ]


def test_the_data_has_officialese_passives_to_merge() -> None:
    assert {"igangsættes", "iværksættes", "fremsendes", "afholdes", "forventes"} <= set(
        official_s_forms()
    )
    assert {"igangsat", "afholdt", "fremsendt"} <= set(official_participles())


@pytest.mark.parametrize("form", official_s_forms())
def test_an_officialese_passive_gets_one_finding(form: str) -> None:
    verb = form.split()[0]
    messages = [m for m in word_findings(f"Sagen {form} i dag.") if f'"{verb}' in m]
    assert len(messages) == 1, messages
    assert messages[0].startswith(f'Passiv form og tungt ord: "{verb}"')


@pytest.mark.parametrize("form", official_participles())
def test_an_officialese_blive_passive_gets_one_finding(form: str) -> None:
    messages = [m for m in word_findings(f"Sagen bliver {form} i dag.") if form in m]
    assert len(messages) == 1, messages
    assert messages[0].startswith(f'Passiv form og tungt ord: "bliver {form}"')


def test_igangsaettes_gets_one_suggestion_not_two() -> None:
    assert word_findings("Projektet igangsættes i maj.") == [
        'Passiv form og tungt ord: "igangsættes". Skriv hellere aktivt, hvem der gør hvad, '
        'og "starte" i stedet for "igangsætte", fx "Vi starter projektet".'
    ]


def test_blev_igangsat_names_the_plain_verb_once() -> None:
    assert word_findings("Projektet blev igangsat i maj.") == [
        'Passiv form og tungt ord: "blev igangsat". Skriv hellere aktivt, hvem der gør hvad, '
        'og "starte" i stedet for "igangsætte", fx "Vi startede projektet".'
    ]


def test_the_reader_sends_with_the_plain_verb() -> None:
    [message] = word_findings("Ansøgning fremsendes via norddjurs.dk.")
    assert '"sende" i stedet for "fremsende"' in message
    assert 'fx "Send din ansøgning"' in message


# ---------------------------------------------------------------- officialese added in issue 11


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hermed inviterer vi til fest.", 'Drop "hermed", eller skriv "her".'),
        (
            "Du kan få yderligere hjælp hos os.",
            'Skriv "mere" eller "flere" i stedet for "yderligere".',
        ),
        (
            "I øvrigt er der kage.",
            'Skriv "også" i stedet for "i øvrigt", eller drop ordet.',
        ),
        (
            "Vi holder møde med henblik på en aftale.",
            'Skriv "for at" i stedet for "med henblik på".',
        ),
        (
            "Vi holder fest i forbindelse med indvielsen.",
            'Skriv "ved" i stedet for "i forbindelse med".',
        ),
        ("Vi indhenter tilbud.", 'Skriv "får" i stedet for "indhenter".'),
    ],
)
def test_officialese_from_the_issue(text: str, message: str) -> None:
    assert [f.message for f in found(rec(text=text), "officialese")] == [message]


def test_forventes_becomes_vi_regner_med() -> None:
    assert word_findings("Det forventes, at vejen åbner igen i maj.") == [
        'Passiv form og tungt ord: "forventes". Skriv hellere aktivt, hvem der gør hvad og med '
        'et lettere ord, fx "Vi regner med".'
    ]


# ---------------------------------------------------------------- the data's shape


def test_a_plain_word_with_only_drop_is_an_error() -> None:
    with pytest.raises(ValidationError, match="ugyldige alternativer"):
        PlainWord.model_validate({"word": "hermed", "plain": "-"})
    with pytest.raises(ValidationError, match="ugyldige alternativer"):
        PlainWord.model_validate({"word": "hermed", "plain": "her | "})


def test_a_passive_word_in_two_lists_is_an_error() -> None:
    data: dict[str, Any] = {"municipality": ["lukkes"], "reader": ["lukkes"]}
    with pytest.raises(ValidationError, match="lukkes"):
        PassiveWords.model_validate(data)


def test_participle_forms() -> None:
    assert participle_forms("lukket") == ("lukke", "lukkede")
    assert participle_forms("planlagt") == ("planlægge", "planlagde")
    assert participle_forms("godkendt") == ("godkende", "godkendte")
    assert participle_forms("skrevet") == ("skrive", "skrev")
    assert participle_forms("godt") is None
    assert participle_forms("sjovt") is None
