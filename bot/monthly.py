"""The monthly strategy summary in the review channels (issue 13 §2).

When. The first time in a month that `OPSLAG_REPORT_CRON` (croniter, in `OPSLAG_TIMEZONE`)
fires on a working day (Monday to Friday, not a Danish public holiday, nor 24 or 31 December:
bot/workdays.py). The default, "0 8 * * *", is 08:00 on the month's first working day: Monday
4 January 2027, as the 1st is nytårsdag and the 2nd and 3rd a weekend. That fire time names the
month it falls in; the summary is of the calendar month before. A fire missed while the server
was down is posted when it comes back, within `MISSED_DAYS`. An empty value turns the post off.

Exactly once, as the weekly digest (bot/runs.py): each (month, platform, channel) is
claimed in the store's `runs` table (`monthly:2026-11:<platform>:<channel>`) in the same
transaction as its outbox row, so it is posted once per month and channel, across restarts and
processes. The schedule asks every round: a look at the claims first keeps a round that finds
them all taken from counting the report again.

Where: the review channel on every review platform, and each department's review channel
that its platform can reach now.

What: three numbers of the month, each beside the month before (proposals, published posts,
median time to the first decision against the SLA) and the one chart: the focus areas of the
strategy (recruitment, climate), which it wants more of, by month over the last `CHART_MONTHS`
months (a strategy without focus areas: all proposals and published posts), with one sentence
that reads them: counted by bot/report.py, as `opslag rapport` counts. The payload is plain data,
`{"summary": <Summary JSON>, "channel": <the channel, as that platform's sender reads it>}`;
each edge draws the chart from its numbers when it sends (handlers/monthly_chart.py: no
plotting in the core). The link to the full page (GET /rapport/<ÅÅÅÅ-MM>?token=…) is not
stored with the row, as it holds the token: the senders make it when they send (`page_url`).
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from functools import lru_cache
from zoneinfo import ZoneInfo

from croniter import croniter
from croniter.croniter import CroniterError
from pydantic import BaseModel

from bot import report
from bot.config import Settings, SettingsError
from bot.core import Core
from bot.digest import MONTHS
from bot.platform import Kind, Target
from bot.runs import post_claimed
from bot.tokens import token_matches
from bot.workdays import is_working_day
from policy.textchecks import danish_number

MONTHLY = Kind.MONTHLY_REPORT
# How long after its fire time a missed summary is still posted.
MISSED_DAYS = dt.timedelta(days=7)
# At most this many fire times are looked at in a month (a cron firing every minute reaches
# the first working day after Christmas and a weekend in some 7,000).
MAX_FIRES = 50_000
# The chart's months, the reported one last.
CHART_MONTHS = 6
# The page's path; the month is written ÅÅÅÅ-MM.
PAGE_PATH = "/rapport/{month}"
Month = tuple[int, int]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

# Every Danish word of the summary, on every surface.
TEXT = {
    "title": "Strategien i tal: {month}",
    "intro": "Sådan gik {month} i Opslag: forslag, udgivne opslag og tiden til en afgørelse.",
    "empty": "I {month} blev der hverken foreslået, udgivet eller afgjort noget i Opslag.",
    "proposals": "Forslag",
    "published": "Udgivne opslag",
    "median": "Median tid til første afgørelse",
    "before": "{month}: {value}",
    "sla": "fristen er {hours}",
    "no_decisions": "ingen afgørelser",
    "focus": "{label}: {count} forslag ({versus})",
    "focus_lead": "Fokusområderne, som strategien vil have mere af: {items}.",
    "no_focus": "Strategien har ingen fokusområder.",
    "chart_title": "Forslag i fokusområderne pr. måned",
    "chart_title_totals": "Forslag og udgivne opslag pr. måned",
    "axis": "Antal",
    "alt": "Linjediagram: forslag pr. måned i strategiens fokusområder, {first} til {last}.",
    "alt_totals": "Linjediagram: forslag og udgivne opslag pr. måned, {first} til {last}.",
    "link": "Se hele rapporten for {month}",
    "no_link": "Hele rapporten: opslag rapport --fra {first} --til {last}",
}


class Figure(BaseModel):
    """One of the three numbers: its name, the number in Danish, and what to read it
    against (the month before, or the SLA)."""

    label: str
    value: str
    note: str
    number: float | None  # the number itself; None: none to give (no decisions)


class ChartLine(BaseModel):
    """One line of the chart: a focus area's proposals per month, the chart's months in
    order."""

    label: str
    values: list[int]


class Summary(BaseModel):
    month: str  # "2026-11"
    title: str
    intro: str
    figures: list[Figure]
    reading: str  # the focus areas in one sentence
    empty: bool  # nothing at all happened in the month
    months: list[str]  # the chart's month labels ("jun. 2026")
    lines: list[ChartLine]
    chart_title: str
    axis: str
    alt: str
    first: dt.date
    last: dt.date

    def payload(self, channel: str) -> dict[str, object]:
        return {"summary": self.model_dump(mode="json"), "channel": channel}

    def notice(self) -> str | None:
        """A line saying the month was empty, when it was."""
        return TEXT["empty"].format(month=month_name(parse_month(self.month))) if self.empty \
            else None

    def link_text(self) -> str:
        return TEXT["link"].format(month=month_name(parse_month(self.month)))

    def without_link(self) -> str:
        """What the post says instead of a link, when the server has no page to link to."""
        return TEXT["no_link"].format(first=self.first.isoformat(), last=self.last.isoformat())


# -- settings ----------------------------------------------------------------------------------


def check_settings(settings: Settings) -> None:
    """Fail at start, with one line naming the variable, on a cron expression that won't do."""
    cron = settings.opslag_report_cron.strip()
    if cron and not croniter.is_valid(cron):
        raise SettingsError(
            "Ugyldig indstilling OPSLAG_REPORT_CRON: "
            f"{settings.opslag_report_cron!r} er ikke et cron-udtryk (fx '0 8 * * *'; "
            "tom slår den månedlige opsummering fra)"
        )


def authorized(settings: Settings, token: str | None) -> bool:
    """The request's token matches OPSLAG_REPORT_TOKEN; never when none is configured."""
    return token_matches(settings.opslag_report_token, token)


def page_url(settings: Settings, month: str) -> str | None:
    """The full page of `month` at this server, token included; None without
    OPSLAG_PUBLIC_URL or OPSLAG_REPORT_TOKEN. Made when a post is sent, never stored."""
    token = settings.opslag_report_token
    secret = token.get_secret_value() if token else ""
    if not settings.opslag_public_url or not secret:
        return None
    query = urllib.parse.urlencode({"token": secret})
    return f"{settings.opslag_public_url}{PAGE_PATH.format(month=month)}?{query}"


# -- months ------------------------------------------------------------------------------------


def parse_month(text: str) -> Month:
    """'2026-11' -> (2026, 11); ValueError for anything else."""
    match = _MONTH.match(text)
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        raise ValueError(f"ikke en måned: {text!r}")
    return int(match[1]), int(match[2])


def month_key(month: Month) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def month_name(month: Month) -> str:
    return f"{MONTHS[month[1] - 1]} {month[0]}"


def shift(month: Month, months: int) -> Month:
    index = month[0] * 12 + month[1] - 1 + months
    return index // 12, index % 12 + 1


def month_days(month: Month) -> tuple[dt.date, dt.date]:
    """The first and the last day of a month."""
    following = shift(month, 1)
    return (dt.date(month[0], month[1], 1),
            dt.date(following[0], following[1], 1) - dt.timedelta(days=1))


def due_month(cron: str, now: dt.datetime, tz: dt.tzinfo) -> Month | None:
    """The month whose summary is due at `now`: the one before the month of the latest
    first-working-day fire, unless that fire is more than MISSED_DAYS ago; None when the post
    is off or not due."""
    if not cron.strip():
        return None
    local = now.astimezone(tz)
    this_month = (local.year, local.month)
    for month in (this_month, shift(this_month, -1)):
        fired = first_working_fire(cron, month, tz)
        if fired is not None and fired <= local:
            return shift(month, -1) if local - fired <= MISSED_DAYS else None
    return None


@lru_cache(maxsize=64)
def first_working_fire(cron: str, month: Month, tz: dt.tzinfo) -> dt.datetime | None:
    """The first time in `month` that `cron` fires on a working day (local time), or None.
    Cached: the schedule asks every round, and a cron firing every minute takes thousands of
    steps to reach a working day after a long holiday."""
    first, last = month_days(month)
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz) - dt.timedelta(seconds=1)
    try:
        fires = croniter(cron, start)
        for _ in range(MAX_FIRES):
            fired = fires.get_next(dt.datetime)
            if fired.date() > last:
                return None
            if is_working_day(fired.date()):
                return fired
    except CroniterError:  # an expression that never fires ("0 8 30 2 *")
        return None
    return None


def run_key(month: Month, target: Target) -> str:
    return f"monthly:{month_key(month)}:{target.platform}:{target.channel}"


# -- where -------------------------------------------------------------------------------------


def monthly_targets(core: Core) -> list[Target]:
    """The review channel on each review platform and each department's review channel that
    its platform can reach now."""
    targets = set(core.platforms.review_targets(core.store))
    departments = core.settings.opslag_departments
    for department in departments.departments if departments else []:
        for platform in core.platforms:
            channel = platform.department_channel(department, core.store)
            if channel and platform.reachable(channel, core.store):
                targets.add(Target(platform.name, channel))
    return sorted(targets)


# -- what --------------------------------------------------------------------------------------


def load_summary(core: Core, month: Month) -> Summary:
    """Count the month and the months before it from the store (bot/report.py). On the store
    thread in the server."""
    first, _ = month_days(shift(month, -(CHART_MONTHS - 1)))
    _, last = month_days(month)
    return build(count(core, first, last), month)


def count(core: Core, first: dt.date, last: dt.date) -> report.Report:
    """The report's numbers from `first` to `last` (and the period before), under this
    server's settings: its time zone, SLA and escalation time."""
    settings = core.settings
    return report.load(
        core.store, first, last, ZoneInfo(settings.opslag_timezone),
        sla_hours=settings.opslag_review_sla_hours,
        escalate_minutes=settings.opslag_crisis_escalate_minutes, made_at=core.clock(),
    )


def build(counted: report.Report, month: Month) -> Summary:
    """The summary of `month`, the last month of `counted` (pure)."""
    period = counted.current
    now, before = len(period.months) - 1, len(period.months) - 2
    name, before_name = month_name(month), MONTHS[shift(month, -1)[1] - 1]

    def total(field: str, index: int) -> int:
        return sum(getattr(theme, field)[index] for theme in period.themes)

    def counted_figure(label: str, field: str) -> Figure:
        value = total(field, now)
        note = TEXT["before"].format(month=before_name, value=_n(total(field, before)))
        return Figure(label=label, value=_n(value), note=note, number=value)

    review = period.review.by_month[now]
    median = review.median_hours
    figures = [
        counted_figure(TEXT["proposals"], "proposals_by_month"),
        counted_figure(TEXT["published"], "published_by_month"),
        Figure(label=TEXT["median"],
               value=_hours(median) if median is not None else TEXT["no_decisions"],
               note=TEXT["sla"].format(hours=_hours(counted.sla_hours)), number=median),
    ]
    focus = [theme for theme, _ in counted.focus()]
    if focus:
        lines = [ChartLine(label=theme.label, values=theme.proposals_by_month) for theme in focus]
        chart_title, alt = TEXT["chart_title"], TEXT["alt"]
    else:  # a strategy without focus areas: what it has, proposed and published
        lines = [ChartLine(label=TEXT[key], values=[total(field, i) for i in range(now + 1)])
                 for key, field in (("proposals", "proposals_by_month"),
                                    ("published", "published_by_month"))]
        chart_title, alt = TEXT["chart_title_totals"], TEXT["alt_totals"]
    first, last = month_days(month)
    # Nothing proposed, published or decided in the month.
    empty = not (total("proposals_by_month", now) or total("published_by_month", now)
                 or review.decided)
    return Summary(
        month=month_key(month), title=TEXT["title"].format(month=name),
        intro=TEXT["intro"].format(month=name), figures=figures,
        reading=_reading(focus, now, before, before_name), empty=empty,
        months=[m.label for m in period.months], lines=lines,
        chart_title=chart_title, axis=TEXT["axis"],
        alt=alt.format(first=period.months[0].label, last=period.months[-1].label),
        first=first, last=last,
    )


def _reading(focus: list[report.ThemeCount], now: int, before: int, before_name: str) -> str:
    if not focus:
        return TEXT["no_focus"]
    items = [
        TEXT["focus"].format(label=theme.label, count=_n(theme.proposals_by_month[now]),
                             versus=TEXT["before"].format(
                                 month=before_name, value=_n(theme.proposals_by_month[before])))
        for theme in focus
    ]
    return TEXT["focus_lead"].format(items="; ".join(items))


def _n(value: float) -> str:
    return danish_number(value)


def _hours(value: float) -> str:
    if round(value, 1) == 1:
        return "1 time"
    return f"{danish_number(value, 0 if round(value, 1).is_integer() else 1)} timer"


# -- posting -----------------------------------------------------------------------------------


def post_monthly(core: Core, month: Month, targets: list[Target]) -> list[Target]:
    """Claim and enqueue the month's summary for each target nobody has claimed yet; the
    claim and the outbox row commit together. The summary is counted once, and only when a
    target is still open (a look at the claims first: the schedule asks every round).
    Returns the targets this call posted to."""
    keys = {target: run_key(month, target) for target in targets}
    claimed = core.store.claimed_runs(list(keys.values()))
    open_targets = [target for target in targets if keys[target] not in claimed]
    if not open_targets:
        return []
    summary = load_summary(core, month)
    return post_claimed(core, MONTHLY, {t: keys[t] for t in open_targets}, summary.payload)


def post_due(core: Core) -> list[Target]:
    """Claim and enqueue the due month's summary for each channel nobody has posted it to
    yet; returns where this call posted."""
    settings = core.settings
    month = due_month(settings.opslag_report_cron, core.clock(),
                      ZoneInfo(settings.opslag_timezone))
    if month is None:
        return []
    return post_monthly(core, month, monthly_targets(core))
