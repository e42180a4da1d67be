"""The strategy report for the management board (`opslag rapport`): its numbers as plain data.

`build` is pure: it is given what the store read (`Store.report_facts`), the period and the
municipality's time zone, and counts; handlers/report_html.py turns the result into the page.
Every number is also counted for the period before, of the same number of days, so the page can
say whether the municipality does more or less of what its strategy asks.

What counts where (the README's "Rapport til direktionen" says the same to its readers):
- A proposal counts in the period it was first submitted in, with the theme, route, department,
  recommended platforms and text checks of its latest revision.
- A post counts as published in the period it was marked published (at most once per period),
  on the platforms its links name; a takedown, a reminder and a decision in the period they
  were recorded in.
- Review time runs from the first submission to the first decision (approve, ask for changes,
  reject), for the proposals first decided in the period: median and 90th percentile
  (statistics.quantiles, inclusive method), and how many were decided within the SLA.
- A crisis counts in the period it was submitted; the time to the first action is the time to
  the first history event by a person other than its proposer (the bot's own rows, an
  escalation or a reminder, are no action). Crises are always reviewed centrally, so that
  person is the central team's.
- Months are calendar months in the municipality's time zone.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import gc
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Literal, NamedTuple

from pydantic import BaseModel

from bot.proposal import Status
from bot.store import DECISION_EVENTS, EventFacts, ProposalFacts, ReportFacts, Store
from policy import active_policy, coverage_groups, label

# History events, as the workflow records them (issue 12 adds the last three).
SUBMITTED = "submitted"
RESUBMITTED = "resubmitted"
WITHDRAWN = "withdrawn"
ESCALATED = "escalated"
PUBLISHED = "published"
TAKEN_DOWN = "taken_down"
REMINDED = "reminded"
DECIDED = frozenset(str(status) for status in DECISION_EVENTS)
# The platform of the bot's own history rows (bot/workflow.py: an escalation, a reminder).
BOT_PLATFORM = "opslag"

# The text checks the page follows over time (policy/textchecks.py), and how the word a
# finding is about is read from its Danish message there: 'Skriv "hvis" i stedet for
# "såfremt".', 'Drop "form", ...' and 'Passiv form: "behandles".' (tests/test_report.py checks
# these against the messages the engine writes).
OFFICIALESE = "officialese"
PASSIVE = "passive"
FINDING_CODES = (OFFICIALESE, PASSIVE)
_FINDING_WORD = {
    OFFICIALESE: re.compile(r'i stedet for "([^"]+)"|^Drop "([^"]+)"'),
    PASSIVE: re.compile(r'^Passiv form[^:]*: "([^"]+)"'),
}
TOP_WORDS = 10

MONTHS_SHORT = (
    "jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.",
)

GroupKind = Literal["styrkeposition", "fokusomraade", "andet"]


class Month(BaseModel):
    key: str  # "2026-01"
    label: str  # "jan. 2026"


class ThemeCount(BaseModel):
    """A strength position or focus area of the strategy; key "" holds every other theme."""

    key: str
    label: str
    kind: GroupKind
    proposals: int
    published: int
    proposals_by_month: list[int]
    published_by_month: list[int]


class PlatformCount(BaseModel):
    key: str
    label: str
    recommended: int  # proposals whose advice recommends the platform
    published: int  # posts published there (a link was given)


class RouteCount(BaseModel):
    key: str  # "central", "department", or "" for a recommendation without a route
    label: str
    proposals: int


class DepartmentCount(BaseModel):
    name: str  # as most of its proposals spell it; "" when none was given
    proposals: int
    central: int  # of which routed to the central team
    department: int  # of which routed to the department itself


class MonthReview(BaseModel):
    decided: int  # first decisions in the month
    median_hours: float | None
    p90_hours: float | None


class ReviewNumbers(BaseModel):
    decisions: int  # every decision in the period, also a second one after a resubmission
    approved: int
    changes_requested: int
    rejected: int
    first_decisions: int  # proposals first decided in the period: their review times below
    median_hours: float | None
    p90_hours: float | None
    within_sla: int
    undecided: int  # submitted in the period, neither decided nor withdrawn by its end
    reminders: int
    by_month: list[MonthReview]

    def share(self, count: int) -> float | None:
        """`count` as a share of the decisions, 0..1; None without decisions."""
        return count / self.decisions if self.decisions else None


class CrisisItem(BaseModel):
    proposal_id: int
    submitted_at: dt.datetime
    minutes_to_action: float | None  # None: nobody but its proposer has acted on it yet
    escalated: bool


class MonthCrises(BaseModel):
    count: int  # crises submitted in the month
    median_minutes: float | None  # to the first action, of those acted on


class CrisisNumbers(BaseModel):
    count: int
    items: list[CrisisItem]
    by_month: list[MonthCrises]
    median_minutes: float | None
    slowest_minutes: float | None
    without_action: int
    escalated: int


class AdviceMonth(BaseModel):
    proposals: int
    median_lix: float | None
    officialese: int  # findings in the month's proposals
    passive: int


class WordCount(BaseModel):
    word: str
    count: int


class AdviceNumbers(BaseModel):
    proposals: int
    median_lix: float | None
    officialese: int
    passive: int
    by_month: list[AdviceMonth]
    top_officialese: list[WordCount]
    top_passive: list[WordCount]


class PeriodNumbers(BaseModel):
    first: dt.date
    last: dt.date  # included
    months: list[Month]
    events: int  # history events recorded in the period: none means nothing happened
    proposals: int
    published: int
    taken_down: int
    themes: list[ThemeCount]  # strength positions, focus areas, then every other theme
    platforms: list[PlatformCount]
    routes: list[RouteCount]
    departments: list[DepartmentCount]  # most proposals first
    review: ReviewNumbers
    crises: CrisisNumbers
    advice: AdviceNumbers

    @property
    def empty(self) -> bool:
        return self.events == 0

    def theme(self, key: str) -> ThemeCount | None:
        return next((theme for theme in self.themes if theme.key == key), None)


class Report(BaseModel):
    current: PeriodNumbers
    previous: PeriodNumbers  # the same number of days, ending the day before
    sla_hours: int
    escalate_minutes: int
    policy_version: str
    timezone: str
    made_at: dt.datetime

    @property
    def empty(self) -> bool:
        return self.current.empty

    def focus(self) -> list[tuple[ThemeCount, ThemeCount]]:
        """The focus areas the strategy wants more of, each beside the period before."""
        pairs = []
        for theme in self.current.themes:
            before = self.previous.theme(theme.key)
            if theme.kind == "fokusomraade" and before is not None:
                pairs.append((theme, before))
        return pairs


# -- periods and months -------------------------------------------------------------------------


def previous_period(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The same number of days, ending the day before `first`."""
    days = (last - first).days + 1
    return first - dt.timedelta(days=days), first - dt.timedelta(days=1)


def bounds(first: dt.date, last: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """From midnight starting `first` to midnight ending `last`, local time."""
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    return start, dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tz)


def months_of(first: dt.date, last: dt.date) -> list[Month]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(Month(key=f"{year:04d}-{month:02d}",
                            label=f"{MONTHS_SHORT[month - 1]} {year}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# -- loading and building -----------------------------------------------------------------------


def load(
    store: Store, first: dt.date, last: dt.date, tz: dt.tzinfo, *, sla_hours: int,
    escalate_minutes: int, made_at: dt.datetime,
) -> Report:
    """Read the period and the one before from the store, and count (`build`)."""
    before, _ = previous_period(first, last)
    start, _ = bounds(before, last, tz)
    _, end = bounds(first, last, tz)
    with collector_paused():
        facts = store.report_facts(start, end, finding_codes=FINDING_CODES,
                                   link_event=PUBLISHED)
        return build(facts, first, last, tz, sla_hours=sla_hours,
                     escalate_minutes=escalate_minutes, made_at=made_at)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off meanwhile: the facts are some 50,000 small objects for
    10,000 proposals, without cycles, and its passes over them cost a sixth of the report's
    time (bench/bench_report.py). Whatever garbage is made is collected afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build(
    facts: ReportFacts, first: dt.date, last: dt.date, tz: dt.tzinfo, *, sla_hours: int,
    escalate_minutes: int, made_at: dt.datetime,
) -> Report:
    """The report for `first`..`last` (both included) and the period before, from the facts
    of every proposal with any history event in the two."""
    counter = _Counter(facts, tz, sla_hours)
    return Report(
        current=counter.period(first, last),
        previous=counter.period(*previous_period(first, last)),
        sla_hours=sla_hours, escalate_minutes=escalate_minutes,
        policy_version=active_policy().version, timezone=str(tz), made_at=made_at,
    )


class _Story(NamedTuple):
    """What the report needs of one proposal's history, read once for both periods."""

    proposal: ProposalFacts
    submitted: dt.datetime  # first submitted
    decided: dt.datetime | None  # first decided
    closed: dt.datetime | None  # first decided or withdrawn
    # A crisis: the first event by someone other than its proposer and the bot.
    acted: dt.datetime | None
    escalated: bool


def _story(proposal: ProposalFacts, history: list[EventFacts]) -> _Story:
    submitted = decided = withdrawn = acted = None
    escalated = False
    for event in history:  # in the order recorded: each "first" is the first one seen
        kind = event.event
        if kind == SUBMITTED:
            submitted = submitted or event.at
        elif kind in DECIDED:
            decided = decided or event.at
        elif kind == WITHDRAWN:
            withdrawn = withdrawn or event.at
        elif kind == ESCALATED:
            escalated = True
        if (proposal.crisis and acted is None and event.actor[0] != BOT_PLATFORM
                and event.actor != proposal.proposer and event.at >= proposal.created_at):
            acted = event.at
    closed = min((at for at in (decided, withdrawn) if at is not None), default=None)
    return _Story(proposal, submitted or proposal.created_at, decided, closed, acted, escalated)


class _Counter:
    """Counts one period at a time over the same facts."""

    def __init__(self, facts: ReportFacts, tz: dt.tzinfo, sla_hours: int) -> None:
        history: dict[int, list[EventFacts]] = {}
        for event in facts.events:
            history.setdefault(event.proposal_id, []).append(event)
        self.stories = [_story(p, history.get(p.id, [])) for p in facts.proposals]
        self.proposals = {story.proposal.id: story.proposal for story in self.stories}
        # In time order, so a period's events are one slice (bisect).
        self.events = sorted(facts.events, key=lambda e: e.at)
        self.times = [event.at for event in self.events]
        self.tz = tz
        self.sla_hours = sla_hours
        groups = coverage_groups()
        self.groups: list[tuple[str, str, GroupKind]] = [
            *((g["key"], g["label"], g["kind"]) for g in groups), ("", "", "andet")]
        # The group a theme counts towards; every theme no group names counts as "other".
        self.group_of = {theme: i for i, g in enumerate(groups) for theme in g["themes"]}

    def period(self, first: dt.date, last: dt.date) -> PeriodNumbers:
        # In UTC, as the store's times are: comparing two times of the same time zone object
        # skips asking each for its offset (10,000s of comparisons here).
        start, end = (moment.astimezone(dt.UTC) for moment in bounds(first, last, self.tz))
        months = months_of(first, last)
        # Where each month begins: a moment's month is found by bisection.
        starts = [dt.datetime(int(m.key[:4]), int(m.key[5:]), 1, tzinfo=self.tz)
                  .astimezone(dt.UTC) for m in months]
        starts[0] = start

        def month(moment: dt.datetime) -> int:
            return bisect.bisect_right(starts, moment) - 1

        stories = [s for s in self.stories if start <= s.proposal.created_at < end]
        submitted = [story.proposal for story in stories]
        events = self.events[bisect.bisect_left(self.times, start):
                             bisect.bisect_left(self.times, end)]
        kinds = Counter(event.event for event in events)
        published = self._published(events)
        return PeriodNumbers(
            first=first, last=last, months=months, events=len(events),
            proposals=len(submitted), published=len(published),
            taken_down=len({e.proposal_id for e in events if e.event == TAKEN_DOWN}),
            themes=self._themes(submitted, published, len(months), month),
            platforms=_platforms(submitted, published),
            routes=_routes(submitted),
            departments=_departments(submitted),
            review=self._review(stories, kinds, start, end, len(months), month),
            crises=_crises(stories, len(months), month),
            advice=_advice(submitted, len(months), month),
        )

    def _published(self, events: Iterable[EventFacts]) -> dict[int, tuple[dt.datetime, set[str]]]:
        """Per proposal published in the period: when first, and on which platforms."""
        published: dict[int, tuple[dt.datetime, set[str]]] = {}
        for event in events:
            if event.event != PUBLISHED or event.proposal_id not in self.proposals:
                continue
            _, platforms = published.setdefault(event.proposal_id, (event.at, set()))
            platforms.update(event.links)
        return published

    def _themes(
        self, submitted: list[ProposalFacts],
        published: dict[int, tuple[dt.datetime, set[str]]], months: int,
        month: Callable[[dt.datetime], int],
    ) -> list[ThemeCount]:
        other = len(self.groups) - 1
        proposed = [[0] * months for _ in self.groups]
        for proposal in submitted:
            proposed[self.group_of.get(proposal.theme or "", other)][
                month(proposal.created_at)] += 1
        posted = [[0] * months for _ in self.groups]
        for proposal_id, (at, _) in published.items():
            theme = self.proposals[proposal_id].theme or ""
            posted[self.group_of.get(theme, other)][month(at)] += 1
        return [
            ThemeCount(key=key, label=name, kind=kind, proposals=sum(by_month),
                       published=sum(posted[i]), proposals_by_month=by_month,
                       published_by_month=posted[i])
            for i, ((key, name, kind), by_month) in enumerate(
                zip(self.groups, proposed, strict=True))
        ]

    def _review(
        self, stories: list[_Story], kinds: Counter[str], start: dt.datetime,
        end: dt.datetime, months: int, month: Callable[[dt.datetime], int],
    ) -> ReviewNumbers:
        hours: list[float] = []
        by_month: list[list[float]] = [[] for _ in range(months)]
        for story in self.stories:
            if story.decided is None or not start <= story.decided < end:
                continue
            waited = (story.decided - story.submitted).total_seconds() / 3600
            hours.append(waited)
            by_month[month(story.decided)].append(waited)
        median, p90 = _median_p90(hours)
        return ReviewNumbers(
            decisions=sum(kinds[event] for event in DECIDED),
            approved=kinds[str(Status.APPROVED)],
            changes_requested=kinds[str(Status.CHANGES_REQUESTED)],
            rejected=kinds[str(Status.REJECTED)], first_decisions=len(hours),
            median_hours=median, p90_hours=p90,
            within_sla=sum(1 for h in hours if h <= self.sla_hours),
            undecided=sum(1 for s in stories if s.closed is None or s.closed >= end),
            reminders=kinds[REMINDED],
            by_month=[
                MonthReview(decided=len(values), median_hours=median_of_month,
                            p90_hours=p90_of_month)
                for values in by_month
                for median_of_month, p90_of_month in [_median_p90(values)]
            ],
        )


def _crises(
    stories: list[_Story], months: int, month: Callable[[dt.datetime], int],
) -> CrisisNumbers:
    items = [
        CrisisItem(
            proposal_id=story.proposal.id, submitted_at=story.proposal.created_at,
            minutes_to_action=(story.acted - story.proposal.created_at).total_seconds() / 60
            if story.acted else None,
            escalated=story.escalated,
        )
        for story in stories if story.proposal.crisis
    ]
    minutes = [item.minutes_to_action for item in items if item.minutes_to_action is not None]
    counts = [0] * months
    acted: list[list[float]] = [[] for _ in range(months)]
    for item in items:
        at = month(item.submitted_at)
        counts[at] += 1
        if item.minutes_to_action is not None:
            acted[at].append(item.minutes_to_action)
    return CrisisNumbers(
        count=len(items), items=items,
        by_month=[MonthCrises(count=count, median_minutes=_median_p90(values)[0])
                  for count, values in zip(counts, acted, strict=True)],
        median_minutes=_median_p90(minutes)[0],
        slowest_minutes=max(minutes) if minutes else None,
        without_action=len(items) - len(minutes),
        escalated=sum(1 for item in items if item.escalated),
    )


def _advice(
    submitted: list[ProposalFacts], months: int, month: Callable[[dt.datetime], int],
) -> AdviceNumbers:
    by_month: list[list[ProposalFacts]] = [[] for _ in range(months)]
    for proposal in submitted:
        by_month[month(proposal.created_at)].append(proposal)
    words = {code: Counter[str]() for code in FINDING_CODES}
    # The same message comes again and again: read each one's word once.
    for (code, message), count in Counter(f for p in submitted for f in p.findings).items():
        word = finding_word(code, message)
        if word:
            words[code][word] += count
    return AdviceNumbers(
        proposals=len(submitted), median_lix=_median_lix(submitted),
        officialese=_findings(submitted, OFFICIALESE), passive=_findings(submitted, PASSIVE),
        by_month=[
            AdviceMonth(proposals=len(group), median_lix=_median_lix(group),
                        officialese=_findings(group, OFFICIALESE),
                        passive=_findings(group, PASSIVE))
            for group in by_month
        ],
        top_officialese=_top(words[OFFICIALESE]), top_passive=_top(words[PASSIVE]),
    )


def finding_word(code: str, message: str) -> str | None:
    """The word or phrase a finding of `code` is about, lower-case; None when its message
    does not name one the way policy/textchecks.py writes them."""
    pattern = _FINDING_WORD.get(code)
    match = pattern.search(message) if pattern else None
    if match is None:
        return None
    return next(group for group in match.groups() if group).lower()


def _platforms(
    submitted: list[ProposalFacts], published: dict[int, tuple[dt.datetime, set[str]]],
) -> list[PlatformCount]:
    recommended = Counter(key for p in submitted for key in p.recommended)
    on = Counter(key for _, platforms in published.values() for key in platforms)
    keys = list(dict.fromkeys([*active_policy().platforms, *recommended, *on]))
    return [
        PlatformCount(key=key, label=label("platform", key), recommended=recommended[key],
                      published=on[key])
        for key in keys
    ]


def _routes(submitted: list[ProposalFacts]) -> list[RouteCount]:
    counts = Counter(p.route or "" for p in submitted)
    keys = list(dict.fromkeys(["central", "department", *sorted(counts)]))
    return [
        RouteCount(key=key, label=label("route", key) if key else "", proposals=counts[key])
        for key in keys if key or counts[key]
    ]


def _departments(submitted: list[ProposalFacts]) -> list[DepartmentCount]:
    """Free text today: spellings that differ only in case and spaces are one department,
    named as most of its proposals name it."""
    # Counted by (spelling, route) first: a few dozen pairs, however many proposals.
    pairs = Counter((p.department or "", p.route or "") for p in submitted)
    spellings: dict[str, Counter[str]] = {}
    routes: dict[str, Counter[str]] = {}
    for (raw, route), count in pairs.items():
        name = " ".join(raw.split())
        key = name.casefold()
        spellings.setdefault(key, Counter())[name] += count
        routes.setdefault(key, Counter())[route] += count
    counts = [
        DepartmentCount(
            name=spellings[key].most_common(1)[0][0], proposals=sum(routes[key].values()),
            central=routes[key]["central"], department=routes[key]["department"],
        )
        for key in spellings
    ]
    return sorted(counts, key=lambda d: (-d.proposals, d.name == "", d.name.casefold()))


def _median_p90(values: Sequence[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    if len(values) == 1:
        return float(values[0]), float(values[0])
    return statistics.median(values), statistics.quantiles(values, n=10, method="inclusive")[8]


def _median_lix(proposals: Iterable[ProposalFacts]) -> float | None:
    values = [p.lix for p in proposals if p.lix is not None]
    return statistics.median(values) if values else None


def _findings(proposals: Iterable[ProposalFacts], code: str) -> int:
    return sum(1 for p in proposals for found, _ in p.findings if found == code)


def _top(words: Counter[str]) -> list[WordCount]:
    ranked = sorted(words.items(), key=lambda item: (-item[1], item[0]))
    return [WordCount(word=word, count=count) for word, count in ranked[:TOP_WORDS]]
