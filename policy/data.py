"""The schema of `strategy.yaml`: the communication strategy as validated data.

Every model forbids unknown keys, so a typo in the data file fails at import with a
pydantic error naming the key, never silently later in a recommendation.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
            raise ValueError("a main profile needs central_source")
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
    people_in_media: frozenset[PeopleInMedia] | None = None
    # True only when the proposer answered yes: a skipped answer is no consent.
    consent: bool | None = None
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
            raise ValueError(f"rule {self.id}: needs at_least or at_most")
        if (
            self.at_least is not None
            and self.at_most is not None
            and FIT_RANK[self.at_least] > FIT_RANK[self.at_most]
        ):
            raise ValueError(f"rule {self.id}: at_least is above at_most")
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
            raise ValueError(f"warning {self.id}: needs a source or guidance")
        # The summary shows these texts whole (and "Vigtigst: " before a `fix`).
        if (self.first or self.fix) and len(self.text) > SUMMARY_CHARS - len("Vigtigst: "):
            raise ValueError(f"warning {self.id}: text too long for the summary")
        return self


class Mentions(_Strict):
    """Regular expressions (case-insensitive) for what a text names, and why it matters."""

    patterns: list[str] = Field(min_length=1)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _patterns_compile(self) -> Mentions:
        for pattern in self.patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad pattern {pattern!r}: {exc}") from None
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
        for value in (self.plain, *self.forms.values()):
            parts = [part.strip() for part in value.split("|")]
            if not all(parts) or parts.count("-") > 1 or parts == ["-"]:
                raise ValueError(f"plain word {self.word}: bad alternatives {value!r}")
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
            raise ValueError(f"passive words listed more than once: {twice}")
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
    summary_who_urgent: str = Field(min_length=1)
    summary_fix: str = Field(min_length=1)
    crisis_call_phone: str = Field(min_length=1)
    crisis_call: str = Field(min_length=1)
    guidance: str = Field(min_length=1)


class Strategy(_Strict):
    """The whole data file."""

    platforms: dict[Platform, PlatformSpec]
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
    mentions: dict[str, Mentions]
    crisis_checklist: list[Cited] = Field(min_length=1)
    review: ReviewSpec
    plain_words: list[PlainWord] = Field(min_length=30)
    passive: PassiveSpec
    questions: list[QuestionSpec]
    messages: Messages

    @model_validator(mode="after")
    def _complete(self) -> Strategy:
        for name, literal in (
            ("platforms", Platform), ("audiences", Audience), ("themes", Theme),
            ("content_types", ContentType), ("job_levels", JobLevel), ("fits", Fit),
            ("routes", Route), ("media_kinds", MediaKind), ("people_in_media", PeopleInMedia),
        ):
            have = list(getattr(self, name))
            want = list(get_args(literal))
            if sorted(have) != sorted(want):
                raise ValueError(f"{name}: keys must be exactly {want}, not {have}")
        ids = [r.id for r in self.rules] + [r.id for r in self.tone_rules]
        ids += [r.id for r in self.warnings]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule ids: {duplicates}")
        conditions = [r.when for r in self.rules] + [r.when for r in self.tone_rules]
        conditions += [r.when for r in self.warnings]
        named = {name for c in conditions for name in (c.mentions_any or set())}
        named |= {name for c in conditions for name in (c.mentions_none or set())}
        if not named <= set(self.mentions):
            raise ValueError(f"unknown mentions: {sorted(named - set(self.mentions))}")
        main = {k for k, v in self.platforms.items() if v.main_profile}
        if not main <= set(self.review.central_source_preference):
            raise ValueError("review.central_source_preference must name every main profile")
        question_ids = [q.id for q in self.questions]
        if sorted(question_ids) != sorted(Intake.model_fields):
            raise ValueError(f"questions must cover exactly the intake fields, not {question_ids}")
        for question in self.questions:
            unknown = set(question.applies_when) - set(question_ids)
            if unknown:
                raise ValueError(f"question {question.id}: applies_when names {sorted(unknown)}")
        return self
