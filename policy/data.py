"""The schema of a strategy file (`strategy.yaml`): the communication strategy as validated data.

Every model forbids unknown keys, so a typo in the data file fails when it is read, naming the
key, never silently later in a recommendation. The checks across keys say what is wrong in
Danish, for the communications team that revises the file, and where (`problem`):
policy/loader.py turns both into "linje N, nøgle: ..." lines. docs/strategy-format.md
describes the format; policy/strategy.schema.json is its JSON Schema, made from these models.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from policy.models import (
    SUMMARY_CHARS,
    Audience,
    ContentType,
    Fit,
    Intake,
    JobLevel,
    MediaKind,
    PeopleInMedia,
    Platform,
    QuestionKind,
    Route,
    Theme,
)

FIT_RANK: dict[str, int] = {"not_recommended": 0, "possible": 1, "recommended": 2}


# The error type of the checks across keys below; their message is Danish already.
PROBLEM = "strategy_problem"


def problem(message: str, *where: str | int) -> PydanticCustomError:
    """A failed check, in Danish, and where it is (keys and list positions inside the model
    that checks it), so the loader can name the line. The message is passed as a value, not
    as the template, so braces in it ("{platforms}") are kept."""
    return PydanticCustomError(PROBLEM, "{message}", {"message": message, "where": list(where)})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(_Strict):
    """A sentence of our own, and the strategy sentence (verbatim) it rests on."""

    text: str = Field(min_length=1)
    source: str = Field(min_length=1)


class Length(_Strict):
    """Character guidance for one platform."""

    recommended_chars: int | None = None
    recommended_words: int | None = None
    hard_chars: int | None = None
    guidance: str = ""
    # When the text is over the recommended length, it should link to this domain.
    long_text_link_domain: str | None = None
    long_text_link: Cited | None = None


class PlatformSpec(_Strict):
    label: str = Field(min_length=1)
    # The label inside a sentence, where it differs ("afdelingens egne kanaler").
    label_in_sentence: str | None = None
    purpose: str
    tone: str
    audience: str
    # One of the municipality's main profiles, run by the central communications team.
    main_profile: bool
    central_source: str | None = None
    length: Length
    lix_max: float | None = None
    tone_tips: list[str] = Field(min_length=1)
    default: Cited

    @model_validator(mode="after")
    def _main_profile_cites_central_team(self) -> PlatformSpec:
        if self.main_profile and not self.central_source:
            raise problem(
                "en hovedprofil (main_profile: true) skal have central_source: den sætning i "
                "strategien, der siger, at den centrale kommunikationsafdeling står for den",
                "central_source",
            )
        return self


class Condition(_Strict):
    """All the named facts must hold; an empty condition always holds."""

    crisis: bool | None = None
    has_media: bool | None = None
    long_text: bool | None = None
    audience_any: frozenset[Audience] | None = None
    audience_none: frozenset[Audience] | None = None
    # Every chosen audience is one of these (e.g. only staff).
    audience_only: frozenset[Audience] | None = None
    theme: frozenset[Theme] | None = None
    theme_not: frozenset[Theme] | None = None
    content_type: frozenset[ContentType] | None = None
    content_type_not: frozenset[ContentType] | None = None
    job_level: frozenset[JobLevel] | None = None
    # Holds when the job level is missing too.
    job_level_not: frozenset[JobLevel] | None = None
    media_kind: frozenset[MediaKind] | None = None
    # Holds when the media kind is missing too.
    media_kind_not: frozenset[MediaKind] | None = None
    people_in_media: frozenset[PeopleInMedia] | None = None
    # True only when the proposer answered yes: a skipped answer is no consent.
    consent: bool | None = None
    # The proposer wrote an alt text.
    alt_text: bool | None = None
    # True only when the proposer answered yes: a skipped answer is no subtitles.
    captions: bool | None = None
    # Names of `mentions` lists: the text matches one of them / none of them.
    mentions_any: frozenset[str] | None = None
    mentions_none: frozenset[str] | None = None


class Rule(_Strict):
    """Moves one platform's fit: raises it to `at_least` and/or caps it at `at_most`."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    platform: Platform
    when: Condition
    at_least: Fit | None = None
    at_most: Fit | None = None
    reason: str = Field(min_length=1)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _moves_something(self) -> Rule:
        if self.at_least is None and self.at_most is None:
            raise problem(f"reglen {self.id} skal have at_least eller at_most (eller begge)")
        if (
            self.at_least is not None
            and self.at_most is not None
            and FIT_RANK[self.at_least] > FIT_RANK[self.at_most]
        ):
            raise problem(f"reglen {self.id}: at_least er højere end at_most", "at_least")
        return self


class ToneRule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    when: Condition
    platforms: list[Platform] = Field(min_length=1)
    # A tip that may be the summary's "most important" line when nothing needs fixing.
    key: bool = False
    tip: str = Field(min_length=1)
    source: str = Field(min_length=1)


class Guidance(_Strict):
    """Public guidance a warning rests on where the strategy says nothing (e.g. Datatilsynet
    on photos of people): named as guidance, in our own words, with where to read it."""

    name: str = Field(min_length=1)
    url: str = Field(pattern=r"^https://")
    says: str = Field(min_length=1)


class WarningRule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    when: Condition
    # Opens the summary (consent, crisis); or must be fixed before the post goes out.
    first: bool = False
    fix: bool = False
    text: str = Field(min_length=1)
    source: str | None = Field(default=None, min_length=1)
    guidance: Guidance | None = None

    @model_validator(mode="after")
    def _cites_something(self) -> WarningRule:
        if self.source is None and self.guidance is None:
            raise problem(f"advarslen {self.id} skal have source eller guidance")
        # The summary shows these texts whole (and "Vigtigst: " before a `fix`).
        most = SUMMARY_CHARS - len("Vigtigst: ")
        if (self.first or self.fix) and len(self.text) > most:
            raise problem(
                f"advarslen {self.id}: teksten er {len(self.text)} tegn, men en advarsel med "
                f"first eller fix står i resuméet og må højst være {most} tegn", "text",
            )
        return self


class GateRule(_Strict):
    """Something that must be in place before a reviewer approves (bot/workflow.py refuses an
    approval while one is open, unless the reviewer overrides it with a written reason). A gate
    rests on the law or public guidance, not on the strategy, so it always names it."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    when: Condition
    # A clause for a list after "selvom" ("der mangler samtykke").
    label: str = Field(min_length=1)
    # What the reviewer reads when Approve is refused: what is missing and what to do.
    text: str = Field(min_length=1)
    guidance: Guidance

    @model_validator(mode="after")
    def _reads_the_intake_only(self) -> GateRule:
        # A gate is asked of a stored proposal without its text analysis (`policy.gates`).
        if self.when.long_text is not None:
            raise problem(
                f"kravet {self.code} kan ikke bruge long_text: et krav læser kun svarene",
                "when", "long_text",
            )
        return self


class Mentions(_Strict):
    """Regular expressions (case-insensitive) for what a text names, and why it matters."""

    patterns: list[str] = Field(min_length=1)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _patterns_compile(self) -> Mentions:
        for index, pattern in enumerate(self.patterns):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise problem(
                    f"mønsteret {pattern!r} er ikke et gyldigt regulært udtryk ({exc})",
                    "patterns", index,
                ) from None
        return self


class ReviewSpec(_Strict):
    """Reason templates; `{platforms}` becomes the Danish list of platform labels."""

    crisis: Cited
    central: str = Field(min_length=1)
    # Whose `central_source` to quote when several main profiles fit: the most direct first.
    central_source_preference: list[Platform] = Field(min_length=1)
    department: Cited
    no_platform: Cited


class PlainWord(_Strict):
    """An officialese word and its plain alternative; `forms` maps inflections likewise.

    A plain value may offer alternatives separated by " | ", and "-" among them means "drop
    the word" ("- | her" for "hermed"). policy/textchecks.py turns them into one sentence."""

    word: str = Field(min_length=1)
    plain: str = Field(min_length=1)
    forms: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _alternatives_are_words(self) -> PlainWord:
        values: list[tuple[str, tuple[str, ...]]] = [(self.plain, ("plain",))]
        values += [(value, ("forms", form)) for form, value in self.forms.items()]
        for value, where in values:
            parts = [part.strip() for part in value.split("|")]
            if not all(parts) or parts.count("-") > 1 or parts == ["-"]:
                raise problem(
                    f"ordet {self.word}: ugyldige alternativer {value!r} (skriv ord adskilt af "
                    "\" | \"; \"-\" betyder \"drop ordet\" og må stå én gang, ikke alene)",
                    *where,
                )
        return self


class PassiveWords(_Strict):
    """The s-forms the text checks know by name, and who does what they name.

    All three lists' forms are found anywhere in a text (forms of four letters or fewer only
    where the grammar says passive, see policy/textchecks.py). A passive whose verb is in
    `reader` is rewritten for the reader ("Send din ansøgning"), one in `either` both ways
    ("Vi henter pakken", or "Hent pakken"), every other one with "vi" ("Vi lukker vejen").
    `active` gives the active verb, as an infinitive phrase, where the regular one is wrong;
    "{object}" marks where the object goes."""

    municipality: list[str] = Field(min_length=1)
    reader: list[str] = Field(default_factory=list)
    either: list[str] = Field(default_factory=list)
    active: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _each_form_once(self) -> PassiveWords:
        lists = (self.municipality, self.reader, self.either)
        every = [word for words in lists for word in words]
        twice = sorted({word for word in every if every.count(word) > 1})
        if twice:
            raise problem(f"disse passivformer står mere end ét sted: {', '.join(twice)}")
        return self


class PassiveSpec(_Strict):
    words: PassiveWords
    auxiliaries: list[str] = Field(min_length=1)
    adverbs: list[str] = Field(default_factory=list)
    # Words that look passive but are not: whole words, or endings written "-proces".
    not_passive: list[str] = Field(default_factory=list)


class FieldErrors(_Strict):
    """The Danish messages for one field; each names the field. The optional ones belong to
    the checks `Intake` makes on some fields, keyed by the error's type."""

    missing: str = Field(min_length=1)
    invalid: str = Field(min_length=1)
    too_long: str | None = None
    control_character: str | None = None  # a one-line answer with a line break or the like
    link_whitespace: str | None = None
    link_userinfo: str | None = None
    link_host: str | None = None


OptionsFrom = Literal[
    "audiences", "themes", "content_types", "job_levels", "media_kinds", "people_in_media"
]


class QuestionSpec(_Strict):
    id: str
    kind: QuestionKind
    label: str = Field(min_length=1)
    help: str = Field(min_length=1)
    required: bool = True
    options_from: OptionsFrom | None = None
    applies_when: dict[str, list[str | bool]] = Field(default_factory=dict)
    errors: FieldErrors


class CoverageGroupSpec(_Strict):
    key: str
    label: str = Field(min_length=1)
    kind: Literal["styrkeposition", "fokusomraade"]
    themes: list[Theme] = Field(min_length=1)


class Messages(_Strict):
    unknown_field: str
    not_an_object: str
    bool_invalid: str
    date_invalid: str
    no_platform: str
    # {host}: the link's host in its ASCII (punycode) form.
    link_not_ascii: str = Field(min_length=1)
    summary_where: str = Field(min_length=1)
    summary_also: str = Field(min_length=1)
    summary_only_possible: str = Field(min_length=1)
    summary_who: str = Field(min_length=1)
    # Said after the department route's reason when the department has no reviewers in Opslag.
    department_fallback: str = Field(min_length=1)
    summary_who_urgent: str = Field(min_length=1)
    summary_fix: str = Field(min_length=1)
    crisis_call_phone: str = Field(min_length=1)
    crisis_call: str = Field(min_length=1)
    guidance: str = Field(min_length=1)
    # The department's own profiles and pages, when the departments file names them:
    # {label} is the platform's label, {channels} the Danish list of their names.
    own_channels: str = Field(min_length=1)
    own_channels_tip: str = Field(min_length=1)
    # The department question when the departments file lists them (a choice, not free text).
    department_choice_help: str = Field(min_length=1)


class Strategy(_Strict):
    """The whole data file."""

    # The channels this municipality uses, in the order a tie between fits is shown: some or
    # all of the kinds the code knows (`Platform`).
    platforms: dict[Platform, PlatformSpec] = Field(min_length=1)
    audiences: dict[Audience, str]
    themes: dict[Theme, str]
    content_types: dict[ContentType, str]
    job_levels: dict[JobLevel, str]
    media_kinds: dict[MediaKind, str]
    people_in_media: dict[PeopleInMedia, str]
    fits: dict[Fit, str]
    routes: dict[Route, str]
    coverage_groups: list[CoverageGroupSpec]
    rules: list[Rule]
    tone_rules: list[ToneRule]
    warnings: list[WarningRule]
    # What stops an approval until it is fixed or overridden (none: nothing does).
    gates: list[GateRule] = Field(default_factory=list)
    mentions: dict[str, Mentions]
    crisis_checklist: list[Cited] = Field(min_length=1)
    review: ReviewSpec
    plain_words: list[PlainWord] = Field(min_length=1)
    passive: PassiveSpec
    questions: list[QuestionSpec]
    messages: Messages
    # A text is "long" (the rule fact `long_text`) when it is over this platform's recommended
    # length (`length.recommended_chars` or `recommended_words`).
    long_text_platform: Platform = "facebook"

    @model_validator(mode="after")
    def _complete(self) -> Strategy:
        _vocabularies_complete(self)
        _platforms_known(self)
        _rule_ids_unique(self)
        _gate_codes_unique(self)
        _mentions_known(self)
        _questions_complete(self)
        return self


# The vocabularies every strategy labels in full: the intake's answers and the advice's words.
# (Platforms are the exception: a municipality lists the channels it uses.)
_VOCABULARIES = (
    ("audiences", Audience), ("themes", Theme), ("content_types", ContentType),
    ("job_levels", JobLevel), ("fits", Fit), ("routes", Route), ("media_kinds", MediaKind),
    ("people_in_media", PeopleInMedia),
)


def _vocabularies_complete(strategy: Strategy) -> None:
    for name, literal in _VOCABULARIES:
        have, want = list(getattr(strategy, name)), list(get_args(literal))
        missing = [key for key in want if key not in have]
        if missing:
            raise problem(
                f"{name} skal have en tekst til hver af nøglerne {', '.join(want)}; "
                f"der mangler {', '.join(missing)}", name,
            )


def _platforms_known(strategy: Strategy) -> None:
    """Every platform a rule, tip or review names is one of the strategy's own."""
    known = set(strategy.platforms)
    listed = ", ".join(strategy.platforms)

    def unknown(platform: str, *where: str | int) -> PydanticCustomError:
        return problem(
            f"platformen {platform} står ikke under platforms (der står {listed})", *where
        )

    for index, rule in enumerate(strategy.rules):
        if rule.platform not in known:
            raise unknown(rule.platform, "rules", index, "platform")
    for index, tone in enumerate(strategy.tone_rules):
        for position, platform in enumerate(tone.platforms):
            if platform not in known:
                raise unknown(platform, "tone_rules", index, "platforms", position)
    preference = strategy.review.central_source_preference
    for position, platform in enumerate(preference):
        if platform not in known:
            raise unknown(platform, "review", "central_source_preference", position)
    main = [key for key, spec in strategy.platforms.items() if spec.main_profile]
    missing = [key for key in main if key not in preference]
    if missing:
        raise problem(
            "review.central_source_preference skal nævne hver hovedprofil (main_profile: "
            f"true); der mangler {', '.join(missing)}", "review", "central_source_preference",
        )
    chosen = strategy.long_text_platform
    if chosen not in known:
        raise unknown(chosen, "long_text_platform")
    length = strategy.platforms[chosen].length
    if length.recommended_chars is None and length.recommended_words is None:
        raise problem(
            f"long_text_platform er {chosen}, men {chosen} har hverken "
            "length.recommended_chars eller length.recommended_words", "long_text_platform",
        )


def _identified(strategy: Strategy) -> Iterator[tuple[str, int, str, Condition]]:
    """Each rule, tone rule and warning: its section, position, id and condition."""
    for index, rule in enumerate(strategy.rules):
        yield "rules", index, rule.id, rule.when
    for index, tone in enumerate(strategy.tone_rules):
        yield "tone_rules", index, tone.id, tone.when
    for index, warning in enumerate(strategy.warnings):
        yield "warnings", index, warning.id, warning.when


def _rule_ids_unique(strategy: Strategy) -> None:
    seen: set[str] = set()
    for section, index, rule_id, _ in _identified(strategy):
        if rule_id in seen:
            raise problem(
                f"id'et {rule_id} er brugt før; hver regel, tone-regel og advarsel skal have "
                "sit eget id", section, index, "id",
            )
        seen.add(rule_id)


def _gate_codes_unique(strategy: Strategy) -> None:
    seen: set[str] = set()
    for index, gate in enumerate(strategy.gates):
        if gate.code in seen:
            raise problem(f"koden {gate.code} er brugt før; hvert krav skal have sin egen kode",
                          "gates", index, "code")
        seen.add(gate.code)


def _mentions_known(strategy: Strategy) -> None:
    for section, index, _, when in _identified(strategy):
        for key in ("mentions_any", "mentions_none"):
            unknown = sorted(set(getattr(when, key) or ()) - set(strategy.mentions))
            if unknown:
                raise problem(
                    f"{', '.join(unknown)} står ikke under mentions", section, index, "when", key
                )


def _questions_complete(strategy: Strategy) -> None:
    ids = [question.id for question in strategy.questions]
    fields = list(Intake.model_fields)
    missing = [field for field in fields if field not in ids]
    unknown = [qid for qid in ids if qid not in fields]
    twice = sorted({qid for qid in ids if ids.count(qid) > 1})
    if missing or unknown or twice:
        parts = [f"der mangler {', '.join(missing)}"] if missing else []
        parts += [f"ukendte: {', '.join(unknown)}"] if unknown else []
        parts += [f"mere end én gang: {', '.join(twice)}"] if twice else []
        raise problem(
            f"questions skal have præcis ét spørgsmål til hvert felt ({', '.join(fields)}); "
            + "; ".join(parts), "questions",
        )
    for index, question in enumerate(strategy.questions):
        for name in question.applies_when:
            if name not in ids:
                raise problem(
                    f"spørgsmålet {question.id}: applies_when nævner {name}, som ikke er et "
                    "spørgsmål", "questions", index, "applies_when", name,
                )
