"""The policy's public data shapes: the intake a proposer fills in and the recommendation.

Field names are a contract shared by the CLI's JSON, the Slack modal's block ids and the
Teams card's input ids.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

import idna
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
)
from pydantic_core import PydanticCustomError

Audience = Literal[
    "borgere", "unge_voksne", "turister", "tilflyttere", "erhverv", "arbejdsmarked", "medarbejdere"
]
Theme = Literal[
    "bosaetning", "erhverv_job", "grunde", "partnerskaber", "destinationer", "infrastruktur",
    "rekruttering", "klima_miljoe", "natur_kultur", "service", "andet",
]
ContentType = Literal[
    "nyhed", "god_historie", "hverdagsglimt", "serviceinfo", "begivenhed", "jobopslag",
    "medarbejderportraet", "navnenyt", "politisk", "deling",
]
# "department": the department's own channels (its own profile, its page on norddjurs.dk, Aula
# for schools, its intranet page), for the local, day-to-day posts it owns itself.
Platform = Literal["facebook", "linkedin", "instagram", "department", "intranet", "website"]
Fit = Literal["recommended", "possible", "not_recommended"]
JobLevel = Literal["chef", "medarbejder"]
Route = Literal["central", "department"]
MediaKind = Literal["foto", "video", "begge"]
# Recognisable people in the photo or video: none, adults, or children (then the consent is the
# parents', for children under 15).
PeopleInMedia = Literal["ingen", "voksne", "boern"]

TEXT_MAX = 3000
LINK_MAX = 500
LINK_PREFIX = "https://"

# Context key for reading a stored intake (see `StoredIntake`).
STORED = "stored"

# Embeddings, overrides and isolates: they reorder the text around them, so a review could
# show "exe.fdp" where the text says "pdf.exe", or turn our own labels after the text around.
# The marks (U+200E, U+200F, U+061C) only nudge punctuation and stay.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Every way of breaking a line in pasted text; in the draft each becomes one "\n".
_LINE_BREAK = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# What the draft may keep of the control characters (Unicode category Cc).
_DRAFT_CONTROLS = frozenset("\n\t")
# A link's authority (host and port) ends where a browser ends it; "\\" counts as "/".
_AUTHORITY_END = re.compile(r"[/\\?#]")
# A web address typed without its scheme, as people write them ("norddjurs.dk/side",
# "www.norddjurs.dk"): a domain name of at least two labels ending in letters, an optional
# port, then the end or a path, query or fragment. Anything else without "https://" (a
# "javascript:" or "mailto:" link, "anna@norddjurs.dk", "http://...") is still refused.
_BARE_ADDRESS = re.compile(r"(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}(?::\d+)?(?:[/?#]|$)")


def blank(value: str) -> bool:
    """Nothing a reader would see: only whitespace and invisible format characters (zero-width
    spaces and joiners, byte-order marks, direction marks)."""
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in value)


def clean_draft(value: str) -> str:
    """The draft without what no surface can show: line breaks of every kind become "\\n",
    other control characters (NUL, escape sequences, ...) and bidi controls are removed.

    Removed, not refused: the draft is often pasted from Word, a PDF or an e-mail, and the
    writer cannot see, let alone find, the character a refusal would be about."""
    value = _LINE_BREAK.sub("\n", value)
    return "".join(
        char for char in value
        if char in _DRAFT_CONTROLS
        or not (unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS)
    )


def breaks_line(char: str) -> bool:
    """A control character, line or paragraph separator, or bidi control: what can fake a
    line of its own, hide text or turn it around in a one-line answer."""
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in BIDI_CONTROLS


def clean_line(value: str) -> str:
    """A one-line answer as it can be shown: line breaks and tabs become spaces, the other
    control characters go."""
    return "".join(
        (" " if char.isspace() else "") if breaks_line(char) else char for char in value
    )


def invisible_in_link(char: str) -> bool:
    """Whitespace, control and format characters: a link copied from a browser has none."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zs", "Zl", "Zp")


@dataclass(frozen=True, slots=True)
class LinkParts:
    """A link split where a browser splits it: "https://", user info, host, and the rest (the
    port, path, query and fragment)."""

    prefix: str
    userinfo: str | None
    host: str
    tail: str

    def with_host(self, host: str) -> str:
        userinfo = "" if self.userinfo is None else self.userinfo + "@"
        return f"{self.prefix}{userinfo}{host}{self.tail}"


def split_link(link: str) -> LinkParts | None:
    """The parts of an https link; None when it does not begin with https://."""
    prefix, after = link[: len(LINK_PREFIX)], link[len(LINK_PREFIX):]
    if prefix.lower() != LINK_PREFIX:
        return None
    end = _AUTHORITY_END.search(after)
    authority = after[: end.start()] if end else after
    userinfo, at, hostport = authority.rpartition("@")
    if hostport.startswith("["):  # an IPv6 address: its colons are its own
        host = hostport.partition("]")[0] + "]"
    else:
        host = hostport.partition(":")[0]
    tail = after[len(authority) - len(hostport) + len(host):]
    return LinkParts(prefix=prefix, userinfo=userinfo if at else None, host=host, tail=tail)


def with_scheme(link: str) -> str:
    """A bare web address ("norddjurs.dk/side") with "https://" in front, as a browser's
    address bar reads it; any other link as it is."""
    if split_link(link) is None and _BARE_ADDRESS.match(link):
        return LINK_PREFIX + link
    return link


def link_host(link: str) -> str | None:
    """The host a link goes to, as stored (its punycode form when it was not ASCII)."""
    parts = split_link(link)
    return parts.host if parts else None


def ascii_host(host: str) -> str:
    """The host's IDNA form ("xn--..."), which shows each letter from another alphabet as
    what it is; raises idna.IDNAError for a host that is not a domain name."""
    return idna.encode(host, uts46=True).decode("ascii")


def _stored(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get(STORED))


class Intake(BaseModel):
    """What a member of staff tells the bot about a planned post.

    New answers are held to every rule below. An intake read back from the store (validated
    with context {"stored": True}, as `StoredIntake` does) is cleaned instead of refused, so a
    rule added later never makes a proposal accepted earlier unreadable.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    audience: list[Audience] = Field(min_length=1)
    theme: Theme
    content_type: ContentType
    crisis: bool = False
    has_media: bool = False
    alt_text: str | None = Field(default=None, max_length=1000)
    media_kind: MediaKind | None = None
    people_in_media: PeopleInMedia | None = None
    consent: bool | None = None
    captions: bool | None = None
    job_level: JobLevel | None = None
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    link: str | None = Field(default=None, max_length=LINK_MAX)
    planned_for: dt.date | None = None
    department: str | None = Field(default=None, max_length=120)
    title: str | None = Field(default=None, max_length=150)

    @field_validator("audience")
    @classmethod
    def _unique_audience(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @field_validator("alt_text", "link", "department", "title", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and blank(value):
            return None
        return value

    @field_validator("text", mode="before")
    @classmethod
    def _clean_text(cls, value: object) -> object:
        # Before the length checks: what is removed does not count, and a draft of nothing
        # but control characters is as empty as it looks.
        if not isinstance(value, str):
            return value
        value = clean_draft(value)
        return "" if blank(value) else value

    # One-line answers (the questions of kind short_text): every surface asks them in a
    # one-line input, in which no one types a line break or a control character. One there
    # comes from a forged request or a program, so it is refused, naming the field, rather
    # than guessed at; the stored answer is then always what was sent.
    @field_validator("alt_text", "department", "title")
    @classmethod
    def _one_line(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not any(breaks_line(char) for char in value):
            return value
        if _stored(info):
            return clean_line(value)
        raise PydanticCustomError(
            "control_character", "{field} must be one line without control characters",
            {"field": info.field_name},
        )

    @field_validator("link")
    @classmethod
    def _link_is_web_address(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if _stored(info):
            return _stored_link(value)
        return web_link(value)


def web_link(value: str) -> str:
    """A web address as people type it, checked and as it is kept: "https://" added to a
    bare one, the host in ASCII. Raises PydanticCustomError (a ValueError) naming what is
    wrong: another scheme, whitespace, user info, no domain name, too long."""
    value = with_scheme(value)
    parts = split_link(value)
    if parts is None:
        raise PydanticCustomError("link_scheme", "link must begin with https://")
    if any(invisible_in_link(char) for char in value):
        raise PydanticCustomError("link_whitespace", "link must not contain whitespace")
    if parts.userinfo is not None or "@" in _rfc_authority(value):
        # https://norddjurs.dk@evil.example/ goes to evil.example.
        raise PydanticCustomError("link_userinfo", "link must not contain user info")
    if not parts.host or "%" in parts.host:
        raise PydanticCustomError("link_host", "link needs a domain name")
    shown = value
    if not parts.host.isascii():
        try:
            shown = parts.with_host(ascii_host(parts.host))
        except idna.IDNAError:
            raise PydanticCustomError("link_host", "link needs a domain name") from None
    # The field's own limit counted what was typed; "https://" or punycode may add to it.
    if len(shown) > LINK_MAX:
        raise PydanticCustomError(
            "string_too_long", "link is too long in its ASCII form",
            {"max_length": LINK_MAX, "actual": len(shown)},
        )
    return shown


def _rfc_authority(link: str) -> str:
    """The authority as RFC 3986 reads it, where "\\" is an ordinary character: a link that
    has user info to either reader is refused, whichever program opens it."""
    after = link[len(LINK_PREFIX):]
    return re.split(r"[/?#]", after, maxsplit=1)[0]


def _stored_link(value: str) -> str:
    """A stored link, with its host in ASCII when that is possible (and fits), and as it was
    otherwise."""
    parts = split_link(value)
    if parts is None or parts.host.isascii():
        return value
    try:
        shown = parts.with_host(ascii_host(parts.host))
    except idna.IDNAError:
        return value
    return shown if len(shown) <= LINK_MAX else value


def _read_stored(
    value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
) -> Intake:
    if isinstance(value, Intake):
        return value
    return Intake.model_validate(value, context={**(info.context or {}), STORED: True})


# An intake as the store holds it: accepted under the rules of its day (see `Intake`).
StoredIntake = Annotated[Intake, WrapValidator(_read_stored)]


class PlatformFit(BaseModel):
    platform: Platform
    fit: Fit
    reasons: list[str] = Field(min_length=1)


class Finding(BaseModel):
    code: str
    platform: Platform | None = None
    message: str


class TextChecks(BaseModel):
    lix: float
    words: int
    findings: list[Finding]


class Review(BaseModel):
    route: Route
    urgent: bool
    reason: str


SUMMARY_LINES = 3
SUMMARY_CHARS = 200


class AdviceWarning(BaseModel):
    """Something the proposer must know or fix, with a stable code for programs."""

    code: str = Field(min_length=1)
    message: str = Field(min_length=1)


class Gate(BaseModel):
    """Something missing that stops an approval until it is fixed, or a reviewer overrides it
    with a written reason (the law or guidance it rests on is named in `guidance`)."""

    code: str = Field(min_length=1)
    # A clause for a list after "selvom" ("der mangler samtykke").
    label: str = Field(min_length=1)
    message: str = Field(min_length=1)
    guidance: str = Field(min_length=1)


# The code of a warning stored as a bare string, before warnings had codes.
LEGACY_WARNING = "note"


def _warning_from_string(value: object) -> object:
    """A recommendation stored before warnings had codes held bare strings; they stay
    readable."""
    if isinstance(value, str):
        return {"code": LEGACY_WARNING, "message": value}
    return value


class Recommendation(BaseModel):
    # Read first: where to post, who approves, the one most important thing to fix (or, when
    # consent is missing or it is a crisis, that first).
    summary: list[Annotated[str, Field(max_length=SUMMARY_CHARS)]] = Field(
        default_factory=list, max_length=SUMMARY_LINES
    )
    platforms: list[PlatformFit]
    tone_tips: dict[str, list[str]]
    text_checks: TextChecks
    review: Review
    warnings: list[Annotated[AdviceWarning, BeforeValidator(_warning_from_string)]]
    # Non-empty exactly when the intake says crisis; replaces the everyday tone tips.
    crisis_checklist: list[str] = Field(default_factory=list)
    policy_version: str


class QuestionKind(StrEnum):
    """How a question is asked and its answer read: a closed set, and every surface has a
    renderer for each member (tests/test_question_kinds.py checks that, so a new kind fails a
    test rather than a user)."""

    MULTI_CHOICE = "multi_choice"
    CHOICE = "choice"
    BOOL = "bool"
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    DATE = "date"
    URL = "url"


class Option(BaseModel):
    value: str
    label: str


class Question(BaseModel):
    """One guided question; every surface renders its form from the list of these."""

    id: str
    label: str
    help: str
    kind: QuestionKind
    required: bool = True
    options: list[Option] = Field(default_factory=list)
    max_length: int | None = None
    # Shown only when every named intake field holds one of the listed values.
    applies_when: dict[str, list[str | bool]] = Field(default_factory=dict)

    def applies(self, answers: dict[str, object]) -> bool:
        return all(answers.get(field) in allowed for field, allowed in self.applies_when.items())
