"""The week's content as plain data: one pure function from proposals and a moment.

No clock, no database, no platform: `build` is given the rows and `now`, and every surface
renders the result (Block Kit, Adaptive Card, plain text) with the Danish texts kept here in
`TEXT`, so the three renderings say the same thing in the same words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from bot.proposal import Proposal, Status
from policy import coverage_groups, label
from policy.models import Platform

Week = tuple[int, int]

DEFAULT_TZ = ZoneInfo("Europe/Copenhagen")
# A pending proposal planned this many days ahead (or already past its date) is flagged.
NEAR_DAYS = 3
# "Ikke udgivet" looks this far back: a post whose day passed weeks ago unmarked is no longer
# something to act on (and posts approved before Opslag could mark them published are not
# listed for ever after an upgrade).
UNPUBLISHED_DAYS = dt.timedelta(days=14)
# How many items a chat surface lists per section before "… og N mere". A digest holds no
# more pending or undated items than this; it counts the rest (`pending_more`, `tray_more`).
MAX_LISTED = 15

WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)

# Every Danish word the digest shows, on every surface.
TEXT = {
    "title": "Uge {week}",
    "intro": "Ugeoversigt fra Opslag",
    "planned": "Planlagt i ugen",
    "nothing_that_day": "intet planlagt",
    "pending": "Afventer godkendelse (ældste først)",
    "no_pending": "Intet afventer godkendelse.",
    "department_pending": "Afventer afdelingernes egne godkendere (ældste først)",
    "unpublished": f"Ikke udgivet: datoen er passeret (de seneste {UNPUBLISHED_DAYS.days} dage)",
    "unpublished_detail": "planlagt {date}, ikke markeret som udgivet",
    "tray": "Godkendt uden dato",
    "no_tray": "Intet godkendt indhold uden dato.",
    "coverage": "Strategien i ugen",
    "none": "ingen",
    "styrkeposition": "Styrkepositioner",
    "fokusomraade": "Fokusområder",
    "platforms": "Fordeling på platforme",
    "no_platform": "ingen anbefalet platform",
    "by": "af {name}",
    "number": "nr. {id}",
    "waiting": "venter {age}",
    "under_an_hour": "under 1 t",
    "overdue": "over fristen på {hours} timer",
    "date_near": "planlagt {date}",
    "crisis": "krise",
    "more": "… og {count} mere",
    "approved_count": "{count} godkendt",
    "pending_count": "{count} afventer",
    "backup": "Seneste gode sikkerhedskopi af beslutningsjournalen: {when}",
    "backup_old": "⚠️ Seneste gode sikkerhedskopi af beslutningsjournalen: {when}, for over "
                  "{hours} timer siden. Sig det til IT.",
    "no_backup": "⚠️ Der er endnu ingen god sikkerhedskopi af beslutningsjournalen. "
                 "Sig det til IT.",
}
# A nightly copy older than this is flagged in the digest: the copying has stopped.
BACKUP_WARN_HOURS = 48


class Item(BaseModel):
    id: int
    title: str
    proposer: str
    platforms: list[str]  # Danish labels of the platforms the recommendation recommends
    planned_for: dt.date | None = None
    crisis: bool = False
    # What else its line says, in Danish ("planlagt 24/11, ikke markeret som udgivet", the
    # department that reviews it); every surface shows it after the platforms.
    detail: str = ""


class PendingItem(Item):
    waiting_since: dt.datetime
    age_hours: int
    overdue: bool
    date_near: bool


class Day(BaseModel):
    date: dt.date
    label: str
    items: list[Item]


class Coverage(BaseModel):
    key: str
    label: str
    kind: Literal["styrkeposition", "fokusomraade"]
    approved: int  # approved content planned in the week
    pending: int  # still pending, planned in the week


class PlatformCount(BaseModel):
    key: str
    label: str
    count: int


class Totals(BaseModel):
    """What a digest read from the store in bounded pieces counts instead of listing (see
    `schedule.load_digest`): every pending proposal, every approved one without a date, and the
    pending ones planned in the week by theme (for the strategy coverage)."""

    pending: int  # those the central team reviews
    tray: int
    pending_by_theme: dict[str, int]
    department_pending: int = 0  # those a department's own reviewers review
    unpublished: int = 0  # approved, planned before today, not marked published


@dataclass(frozen=True)
class Listing:
    """One list of the digest: its heading, its items (pending ones say how long they have
    waited), how many more there are than listed, and what to say when it is empty (None:
    leave the list out)."""

    heading: str
    items: Sequence[Item]
    more: int
    empty: str | None = None

    @property
    def shown(self) -> bool:
        return bool(self.items) or self.more > 0 or self.empty is not None


class Digest(BaseModel):
    year: int
    week: int
    title: str
    period: str
    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    sla_hours: int
    days: list[Day]
    pending: list[PendingItem]  # the oldest `MAX_LISTED`
    tray: list[Item]  # the earliest approved `MAX_LISTED`
    coverage: list[Coverage]
    platforms: list[PlatformCount]
    # How many more there are than listed above ("… og N mere"). Defaults keep digests stored
    # in the outbox before these fields existed readable.
    pending_more: int = 0
    tray_more: int = 0
    # Issue 12: the proposals a department's own reviewers review (under their own heading,
    # not among the central team's), and approved posts whose day has passed unpublished.
    department_pending: list[PendingItem] = []
    department_pending_more: int = 0
    unpublished: list[Item] = []
    unpublished_more: int = 0
    # When the last good copy of the database was made (bot/backup.py), in local time; None
    # when there is none, or the digest was stored before this field existed.
    last_backup: dt.datetime | None = None

    def listings(self) -> list[Listing]:
        """The digest's lists after the planned week, in the order every surface shows them;
        one without an `empty` text is left out when it has nothing."""
        return [
            Listing(TEXT["pending"], self.pending, self.pending_more, TEXT["no_pending"]),
            Listing(TEXT["department_pending"], self.department_pending,
                    self.department_pending_more),
            Listing(TEXT["unpublished"], self.unpublished, self.unpublished_more),
            Listing(TEXT["tray"], self.tray, self.tray_more, TEXT["no_tray"]),
        ]

    def payload(self, channel: str | None = None) -> dict[str, Any]:
        """The outbox payload the platform renderers take: {"digest": ..., "channel": ...}."""
        data: dict[str, Any] = {"digest": self.model_dump(mode="json")}
        if channel is not None:
            data["channel"] = channel
        return data


# -- weeks -------------------------------------------------------------------------------

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(text: str) -> Week:
    """'2026-W49' -> (2026, 49); ValueError (Danish) for anything else, such as 2025-W53."""
    match = _WEEK.match(text.strip().upper())
    if not match:
        raise ValueError("skriv ugen som ÅÅÅÅ-Uuu, fx 2026-W49")
    week = int(match[1]), int(match[2])
    try:
        dt.date.fromisocalendar(week[0], week[1], 1)
    except ValueError:
        raise ValueError(f"år {week[0]} har ingen uge {week[1]}") from None
    try:
        week_dates(week)
    except ValueError:  # 9999-W52: its Sunday is 2 January of year 10000
        raise ValueError(
            f"uge {week[1]} i år {week[0]} slutter efter kalenderens sidste dag"
        ) from None
    return week


def week_dates(week: Week) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of an ISO week."""
    return dt.date.fromisocalendar(week[0], week[1], 1), dt.date.fromisocalendar(*week, 7)


def coming_week(day: dt.date) -> Week:
    """The week a digest on `day` is about: its own week on a weekday, the next one at a
    weekend (when this week is as good as over)."""
    if day.isoweekday() >= 6:
        day += dt.timedelta(days=8 - day.isoweekday())
    iso = day.isocalendar()
    return iso.year, iso.week


# -- Danish text helpers shared by the renderers -----------------------------------------

def day_label(day: dt.date) -> str:
    return f"{WEEKDAYS[day.weekday()].capitalize()} {day.day}. {MONTHS[day.month - 1]}"


def short_date(day: dt.date) -> str:
    return f"{day.day}/{day.month}"


def period_label(start: dt.date, end: dt.date) -> str:
    """'23.–29. november 2026', '30. november – 6. december 2026' or across a new year."""
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}.–{end.day}. {MONTHS[end.month - 1]} {end.year}"
    first = f"{start.day}. {MONTHS[start.month - 1]}"
    if start.year != end.year:
        first += f" {start.year}"
    return f"{first} – {end.day}. {MONTHS[end.month - 1]} {end.year}"


def age_text(hours: int) -> str:
    if hours < 1:
        return TEXT["under_an_hour"]
    if hours < 24:
        return f"{hours} t"
    return f"{hours // 24} d {hours % 24} t"


def platforms_text(item: Item) -> str:
    """The platforms, and the item's detail after them when it has one."""
    platforms = ", ".join(item.platforms) or TEXT["no_platform"]
    return f"{platforms} · {item.detail}" if item.detail else platforms


def pending_flags(item: PendingItem, sla_hours: int) -> list[str]:
    """The warnings a pending item carries, in Danish, most urgent first."""
    flags = []
    if item.crisis:
        flags.append(TEXT["crisis"])
    if item.overdue:
        flags.append(TEXT["overdue"].format(hours=sla_hours))
    if item.date_near and item.planned_for is not None:
        flags.append(TEXT["date_near"].format(date=short_date(item.planned_for)))
    return flags


def more_text(count: int) -> str:
    return TEXT["more"].format(count=count)


def capped(lines: list[Any], cap: int, more: int = 0) -> tuple[list[Any], int]:
    """The first `cap` of a section's lines, and how many are left out: those beyond `cap`
    plus the `more` the digest counted but did not list. Every renderer ends the section with
    `more_text` of that number when it is not 0."""
    return lines[:cap], max(0, len(lines) - cap) + more


def coverage_text(group: Coverage) -> str:
    """'✔ Bosætning: 2 godkendt' or '✘ Infrastruktur: ingen (1 afventer)'."""
    count = TEXT["approved_count"].format(count=group.approved) if group.approved else TEXT["none"]
    waiting = f" ({TEXT['pending_count'].format(count=group.pending)})" if group.pending else ""
    return f"{'✔' if group.approved else '✘'} {group.label}: {count}{waiting}"


def coverage_sections(digest: Digest) -> list[tuple[str, list[Coverage]]]:
    """The coverage under the headings 'Styrkepositioner' and 'Fokusområder'."""
    sections = []
    for kind in ("styrkeposition", "fokusomraade"):
        groups = [group for group in digest.coverage if group.kind == kind]
        if groups:
            sections.append((TEXT[kind], groups))
    return sections


def platform_balance_text(counts: list[PlatformCount]) -> str:
    return " · ".join(f"{count.label} {count.count}" for count in counts)


def backup_text(digest: Digest) -> str:
    """The digest's last line: when the record was last copied, with a warning when it is
    older than BACKUP_WARN_HOURS or never was."""
    made = digest.last_backup
    if made is None:
        return TEXT["no_backup"]
    when = f"{day_label(made.date()).lower()} kl. {made:%H.%M}"
    if digest.generated_at - made > dt.timedelta(hours=BACKUP_WARN_HOURS):
        return TEXT["backup_old"].format(when=when, hours=BACKUP_WARN_HOURS)
    return TEXT["backup"].format(when=when)


# -- the build -----------------------------------------------------------------------------

def build(
    proposals: Iterable[Proposal],
    week: Week,
    now: dt.datetime,
    sla_hours: int,
    tz: dt.tzinfo = DEFAULT_TZ,
    *,
    totals: Totals | None = None,
    last_backup: dt.datetime | None = None,
) -> Digest:
    """The digest of `week` as seen at `now` from any set of proposals (rows it does not need
    are ignored): approved content of the week by day, pending oldest first, the approved
    tray without a date, and how the week covers the strategy and the platforms. Pending and
    tray list `MAX_LISTED` items each and count the rest. `totals`: the proposals are only the
    oldest pending and earliest tray items (a bounded read), and these are the full counts.
    `last_backup`: when the last good copy of the database was made."""
    start, end = week_dates(week)
    today = now.astimezone(tz).date()
    planned: list[Proposal] = []
    pending: list[Proposal] = []
    department: list[Proposal] = []
    unpublished: list[Proposal] = []
    tray: list[Proposal] = []
    for proposal in {p.id: p for p in proposals}.values():  # a row read by two queries once
        day = proposal.intake.planned_for
        if proposal.status is Status.PENDING:
            (department if proposal.review_route == "department" else pending).append(proposal)
        elif proposal.status is Status.APPROVED and day is None:
            tray.append(proposal)
        elif proposal.status in _CONTENT and day is not None and start <= day <= end:
            planned.append(proposal)
        if (proposal.status is Status.APPROVED and day is not None
                and today - UNPUBLISHED_DAYS <= day < today):
            unpublished.append(proposal)
    if totals is None:
        in_week = [p for p in [*pending, *department]
                   if p.intake.planned_for and start <= p.intake.planned_for <= end]
        totals = Totals(pending=len(pending), tray=len(tray),
                        pending_by_theme=_by_theme(in_week), department_pending=len(department),
                        unpublished=len(unpublished))
    listed_pending = _oldest_first(pending)[:MAX_LISTED]
    listed_department = _oldest_first(department)[:MAX_LISTED]
    listed_unpublished = sorted(unpublished, key=_planned_order)[:MAX_LISTED]
    listed_tray = sorted(tray, key=_tray_order)[:MAX_LISTED]
    return Digest(
        year=week[0], week=week[1], title=TEXT["title"].format(week=week[1]),
        period=period_label(start, end), start=start, end=end, generated_at=now,
        sla_hours=sla_hours,
        days=_days(planned, start),
        pending=[_pending_item(p, now, today, sla_hours) for p in listed_pending],
        tray=[_item(p) for p in listed_tray],
        coverage=_coverage(planned, totals.pending_by_theme),
        platforms=_platform_counts(planned),
        pending_more=max(0, totals.pending - len(listed_pending)),
        tray_more=max(0, totals.tray - len(listed_tray)),
        department_pending=[_pending_item(p, now, today, sla_hours, department=True)
                            for p in listed_department],
        department_pending_more=max(0, totals.department_pending - len(listed_department)),
        unpublished=[_unpublished_item(p) for p in listed_unpublished],
        unpublished_more=max(0, totals.unpublished - len(listed_unpublished)),
        last_backup=last_backup.astimezone(tz) if last_backup else None,
    )


# Content of the week: approved, and also published (taken down is not content any more).
_CONTENT = frozenset({Status.APPROVED, Status.PUBLISHED})


def _planned_order(proposal: Proposal) -> tuple[dt.date, int]:
    # The store's `unpublished_between` orders the same way.
    return proposal.intake.planned_for or dt.date.min, proposal.id


def _unpublished_item(proposal: Proposal) -> Item:
    day = proposal.intake.planned_for
    detail = TEXT["unpublished_detail"].format(date=short_date(day)) if day else ""
    return _item(proposal).model_copy(update={"detail": detail})


def _tray_order(proposal: Proposal) -> tuple[dt.datetime, int]:
    # The store's `approved_without_date` orders the same way.
    return proposal.decided_at or proposal.updated_at, proposal.id


def _by_theme(proposals: list[Proposal]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for proposal in proposals:
        theme = proposal.intake.theme
        counts[theme] = counts.get(theme, 0) + 1
    return counts


def _days(planned: list[Proposal], start: dt.date) -> list[Day]:
    by_day: dict[dt.date, list[Item]] = {}
    for proposal in sorted(planned, key=lambda p: (p.intake.planned_for, p.id)):
        assert proposal.intake.planned_for is not None
        by_day.setdefault(proposal.intake.planned_for, []).append(_item(proposal))
    days = [start + dt.timedelta(days=offset) for offset in range(7)]
    return [Day(date=day, label=day_label(day), items=by_day.get(day, [])) for day in days]


def _oldest_first(pending: list[Proposal]) -> list[Proposal]:
    # A pending proposal has waited since it was last (re)submitted: `updated_at`.
    return sorted(pending, key=lambda p: (p.updated_at, p.id))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _item(proposal: Proposal) -> Item:
    return Item(
        id=proposal.id,
        title=_one_line(proposal.title),
        proposer=_one_line(proposal.proposer.display),
        platforms=[label("platform", key) for key in proposal.recommended_platforms],
        planned_for=proposal.intake.planned_for,
        crisis=proposal.intake.crisis,
    )


def _pending_item(
    proposal: Proposal, now: dt.datetime, today: dt.date, sla_hours: int,
    *, department: bool = False,
) -> PendingItem:
    """`department`: its line names the department whose reviewers review it."""
    waited = now - proposal.updated_at
    day = proposal.intake.planned_for
    item = _item(proposal)
    if department and proposal.intake.department:
        item.detail = _one_line(proposal.intake.department)
    return PendingItem(
        **item.model_dump(),
        waiting_since=proposal.updated_at,
        age_hours=max(0, int(waited.total_seconds() // 3600)),
        overdue=waited > dt.timedelta(hours=sla_hours),
        date_near=day is not None and day <= today + dt.timedelta(days=NEAR_DAYS),
    )


def _coverage(planned: list[Proposal], pending_by_theme: dict[str, int]) -> list[Coverage]:
    groups = []
    for group in coverage_groups():
        themes = set(group["themes"])
        groups.append(
            Coverage(
                key=group["key"], label=group["label"], kind=group["kind"],
                approved=sum(1 for p in planned if p.intake.theme in themes),
                pending=sum(pending_by_theme.get(theme, 0) for theme in themes),
            )
        )
    return groups


def _platform_counts(planned: list[Proposal]) -> list[PlatformCount]:
    counts = dict.fromkeys(get_args(Platform), 0)
    for proposal in planned:
        for key in proposal.recommended_platforms:
            counts[key] += 1
    return [
        PlatformCount(key=key, label=label("platform", key), count=n) for key, n in counts.items()
    ]
