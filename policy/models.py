"""The policy's public data shapes: the intake a proposer fills in and the recommendation.

Field names are a contract shared by the CLI's JSON, the Slack modal's block ids and the
Teams card's input ids.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
Platform = Literal["facebook", "linkedin", "instagram", "intranet", "website"]
Fit = Literal["recommended", "possible", "not_recommended"]
JobLevel = Literal["chef", "medarbejder"]
Route = Literal["central", "department"]

TEXT_MAX = 3000


def blank(value: str) -> bool:
    """Nothing a reader would see: only whitespace and invisible format characters (zero-width
    spaces and joiners, byte-order marks, direction marks)."""
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in value)


class Intake(BaseModel):
    """What a member of staff tells the bot about a planned post."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    audience: list[Audience] = Field(min_length=1)
    theme: Theme
    content_type: ContentType
    crisis: bool = False
    has_media: bool = False
    alt_text: str | None = Field(default=None, max_length=1000)
    captions: bool | None = None
    job_level: JobLevel | None = None
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    link: str | None = Field(default=None, max_length=500)
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
    def _blank_text_is_empty(cls, value: object) -> object:
        return "" if isinstance(value, str) and blank(value) else value

    @field_validator("link")
    @classmethod
    def _link_is_web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("https://", "http://")):
            raise ValueError("link skal begynde med https://")
        return value


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


class Recommendation(BaseModel):
    platforms: list[PlatformFit]
    tone_tips: dict[str, list[str]]
    text_checks: TextChecks
    review: Review
    warnings: list[str]
    policy_version: str


QuestionKind = Literal["multi_choice", "choice", "bool", "short_text", "long_text", "date", "url"]


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
