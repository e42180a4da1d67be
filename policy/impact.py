"""How a revised strategy would change the advice: the same intakes recommended under two
strategies, and what differs, counted per change.

What is compared is what decides where a post goes and who approves it: each platform's fit,
the review route, whether it is urgent, and the warnings by code (new or dropped). Both sides
are recommended now, from the same code, so only the strategy file makes the difference (a
stored recommendation may come from an older version of the program).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from policy.engine import Policy, recommend
from policy.models import Intake, Recommendation

ChangeKind = Literal["fit", "route", "urgent", "warning_new", "warning_dropped"]
# The order the changes are listed in: where a post goes, who approves it, then the warnings.
KIND_ORDER: tuple[ChangeKind, ...] = ("fit", "route", "urgent", "warning_new", "warning_dropped")
# A platform the strategy does not have: no fit on that side.
ABSENT = ""


@dataclass(frozen=True, slots=True)
class Change:
    """One kind of difference and the proposals it touches. `subject` is the platform (for a
    fit) or the warning code; `before` and `after` are the fits, routes or "true"/"false"."""

    kind: ChangeKind
    subject: str
    before: str
    after: str
    proposals: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.proposals)


@dataclass(frozen=True, slots=True)
class Impact:
    before: Policy
    after: Policy
    compared: tuple[int, ...]
    changes: tuple[Change, ...]
    # The proposals whose advice changes at all.
    changed: tuple[int, ...]


def impact(intakes: Iterable[tuple[int, Intake]], before: Policy, after: Policy) -> Impact:
    """The intakes (each with its proposal number) under `before` and `after`."""
    found: dict[tuple[ChangeKind, str, str, str], list[int]] = {}
    compared: list[int] = []
    changed: list[int] = []
    for number, intake in intakes:
        compared.append(number)
        differences = differ(recommend(intake, policy=before), recommend(intake, policy=after))
        for key in differences:
            found.setdefault(key, []).append(number)
        if differences:
            changed.append(number)
    changes = [
        Change(kind=kind, subject=subject, before=old, after=new, proposals=tuple(numbers))
        for (kind, subject, old, new), numbers in found.items()
    ]
    changes.sort(key=lambda c: (KIND_ORDER.index(c.kind), -c.count, c.subject, c.before, c.after))
    return Impact(before=before, after=after, compared=tuple(compared), changes=tuple(changes),
                  changed=tuple(changed))


def differ(
    old: Recommendation, new: Recommendation
) -> list[tuple[ChangeKind, str, str, str]]:
    """What differs between two recommendations for the same intake."""
    differences: list[tuple[ChangeKind, str, str, str]] = []
    old_fits = {fit.platform: fit.fit for fit in old.platforms}
    new_fits = {fit.platform: fit.fit for fit in new.platforms}
    for platform in [*old_fits, *[p for p in new_fits if p not in old_fits]]:
        was, now = old_fits.get(platform, ABSENT), new_fits.get(platform, ABSENT)
        if was != now:
            differences.append(("fit", platform, was, now))
    if old.review.route != new.review.route:
        differences.append(("route", "", old.review.route, new.review.route))
    if old.review.urgent != new.review.urgent:
        differences.append(("urgent", "", _yes(old.review.urgent), _yes(new.review.urgent)))
    old_codes = [warning.code for warning in old.warnings]
    new_codes = [warning.code for warning in new.warnings]
    differences += [("warning_new", code, "", "") for code in _once(new_codes)
                    if code not in old_codes]
    differences += [("warning_dropped", code, "", "") for code in _once(old_codes)
                    if code not in new_codes]
    return differences


def _yes(value: bool) -> str:
    return "true" if value else "false"


def _once(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))
