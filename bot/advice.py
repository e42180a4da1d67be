"""The recommendation as people read it, once for every surface.

`advice(rec)` turns the policy's answer into what a surface shows: a title, the short answer
(at most three lines, always shown), and the details (one click away on a chat surface: a
folded section on a card, a second view on top of a modal). Headings, the fit marks and the
review line are worded here only, so the chat surfaces and the terminal cannot drift apart,
and a new part of the advice is one edit here (each surface renders every `Section`).

Values are plain text as the policy wrote them; each surface escapes them for its markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from bot import readout
from policy import Recommendation, label

TITLE: Final = "Anbefaling til dit opslag"
TITLE_REVISED: Final = "Ny anbefaling til din rettede udgave"
TITLE_NUMBERED: Final = "Anbefaling til forslag nr. {id}"
DETAILS: Final = "Begrundelser og tips"
PLATFORMS: Final = "Platforme"
CHECKLIST: Final = "Krisetjekliste"
TONE: Final = "Tone"
TEXT: Final = "Teksten · {words} ord · LIX {lix:.0f}"
NO_FINDINGS: Final = "Ingen bemærkninger til teksten."
WARNINGS: Final = "Vær opmærksom på"
WHEN: Final = "Hvornår"
WHEN_NORMAL: Final = "Du kan forvente svar inden for {hours} timer."
WHEN_URGENT: Final = (
    "Haster: krisekommunikation behandles straks. Sker der intet inden for {minutes} minutter, "
    "kaldes den centrale kommunikationsafdeling igen."
)
URGENT: Final = "Haster."

# One mark per fit on every surface; a card may also colour the line (`Fit.key`).
FIT_MARK: Final = {"recommended": "✅", "possible": "🟡", "not_recommended": "⛔"}


@dataclass(frozen=True)
class Fit:
    """One platform's verdict: `headline` ("✅ Facebook: Anbefales") and its reasons. A
    platform that is advised against gets one reason and no tips."""

    platform: str
    key: str  # recommended | possible | not_recommended
    headline: str
    reasons: list[str]


@dataclass(frozen=True)
class Section:
    """A heading and its bullet items; `subheads` groups items under a sub-heading (the tone
    tips per platform), and `empty` is said when there are no items. A `whole` section (the
    crisis checklist) is shown with every item: a surface short of room shortens the items
    instead of leaving any out."""

    title: str
    items: list[str] = field(default_factory=list)
    subheads: list[tuple[str, list[str]]] = field(default_factory=list)
    empty: str = ""
    whole: bool = False


@dataclass(frozen=True)
class ReviewLine:
    """Who approves, why, and when the proposer can expect an answer."""

    who: str  # "Den centrale kommunikationsafdeling"
    reason: str
    urgent: bool
    when: str


@dataclass(frozen=True)
class Advice:
    title: str
    summary: list[str]  # at most three lines: where, who approves, the one thing to fix
    fits: list[Fit]
    sections: list[Section]  # crisis checklist, tone, the text, warnings: in reading order
    review: ReviewLine

    @property
    def best(self) -> list[Fit]:
        """The platforms that fit, for the short view."""
        return [fit for fit in self.fits if fit.key != "not_recommended"]


def fit_line(platform: str, fit: str) -> str:
    return f"{FIT_MARK[fit]} {label('platform', platform)}: {label('fit', fit)}"


def advice(rec: Recommendation, *, sla_hours: int, escalate_minutes: int,
           title: str = TITLE) -> Advice:
    fits = [_fit(fit.platform, fit.fit, fit.reasons) for fit in rec.platforms]
    sections = [s for s in (_checklist(rec), _tone(rec), _text(rec), _warnings(rec)) if s]
    return Advice(title, list(rec.summary), fits, sections,
                  _review(rec, sla_hours, escalate_minutes))


def _fit(platform: str, fit: str, reasons: list[str]) -> Fit:
    shown = reasons[:1] if fit == "not_recommended" else list(reasons)
    return Fit(platform, fit, fit_line(platform, fit), shown)


def _checklist(rec: Recommendation) -> Section | None:
    items = list(rec.crisis_checklist)
    return Section(CHECKLIST, items, whole=True) if items else None


def _tone(rec: Recommendation) -> Section | None:
    groups = [(label("platform", p), list(tips)) for p, tips in rec.tone_tips.items() if tips]
    return Section(TONE, subheads=groups) if groups else None


def _text(rec: Recommendation) -> Section:
    checks = rec.text_checks
    findings = [
        f"{f.message} ({label('platform', f.platform)})" if f.platform else f.message
        for f in checks.findings
    ]
    return Section(TEXT.format(words=checks.words, lix=checks.lix), findings,
                   empty=NO_FINDINGS)


def _warnings(rec: Recommendation) -> Section | None:
    return Section(WARNINGS, [w.message for w in rec.warnings]) if rec.warnings else None


def _review(rec: Recommendation, sla_hours: int, escalate_minutes: int) -> ReviewLine:
    urgent = rec.review.urgent
    when = (WHEN_URGENT.format(minutes=escalate_minutes) if urgent
            else WHEN_NORMAL.format(hours=sla_hours))
    return ReviewLine(readout.route_name(rec.review.route, start=True), rec.review.reason,
                      urgent, when)
