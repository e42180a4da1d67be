"""The weekly digest job and the crisis escalation timer.

One loop wakes every `poll_seconds` and asks two questions:

- Is a digest due? The latest fire time of `OPSLAG_DIGEST_CRON` (croniter, in
  `OPSLAG_TIMEZONE`) names the week (`digest.coming_week`). Each (week, platform, channel) is
  claimed in the store's `runs` table in the same transaction as its outbox row, so it is
  posted exactly once per week and channel, across restarts and processes. A fire time missed
  while the server was down is posted when it comes back, as long as that week is not over;
  one on a weekday holiday waits for the next working day.
- Is a crisis proposal waiting longer than `OPSLAG_CRISIS_ESCALATE_MINUTES`? The workflow
  escalates it, once.

Digest channels: the review channel on every review platform, plus `OPSLAG_DIGEST_CHANNELS`,
whose entries name their platform, `<platform>:<channel>`; each registered platform says which
entries are its own, what channel they name and whether it can be reached now, and one of them
may take entries written without a platform (see `bot.platform.Platforms.target` and the
README). The outbox payload is `{"digest": <Digest JSON>, "channel": <the channel, as that
platform's sender reads it>}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from bot import backup, digest, monthly
from bot.config import Settings, SettingsError
from bot.core import Core
from bot.digest import Digest, Totals, Week
from bot.platform import Kind, Platforms, Target
from bot.reminders import Reminders
from bot.runs import post_claimed
from bot.workdays import after_holidays

log = logging.getLogger(__name__)

DIGEST = Kind.DIGEST
POLL_SECONDS = 30.0


def timezone(settings: Settings) -> ZoneInfo:
    try:
        return ZoneInfo(settings.opslag_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"Ugyldig indstilling OPSLAG_TIMEZONE: ukendt tidszone {settings.opslag_timezone!r}"
        ) from None


def parse_channel(entry: str, platforms: Platforms) -> Target:
    """The platform and channel an OPSLAG_DIGEST_CHANNELS entry names, as the registered
    platform that owns it reads it; SettingsError when none does."""
    target = platforms.target(entry)
    if target is None:
        raise SettingsError(
            f"Ugyldig indstilling OPSLAG_DIGEST_CHANNELS: {entry!r} skal være "
            f"{platforms.syntax()}"
        )
    return target


def check_settings(settings: Settings, platforms: Platforms) -> None:
    """Fail at start, with one line naming the variable, on a setting the schedule can't use."""
    timezone(settings)
    if not croniter.is_valid(settings.opslag_digest_cron):
        raise SettingsError(
            "Ugyldig indstilling OPSLAG_DIGEST_CRON: "
            f"{settings.opslag_digest_cron!r} er ikke et cron-udtryk (fx '0 8 * * 1')"
        )
    for entry in settings.opslag_digest_channels:
        parse_channel(entry, platforms)


def digest_targets(core: Core) -> list[Target]:
    """The review channel on each review platform and every configured extra channel that
    its platform can reach now (e.g. one whose address the platform has not learnt yet is
    left out)."""
    targets = set(core.platforms.review_targets(core.store))
    for entry in core.settings.opslag_digest_channels:
        target = parse_channel(entry, core.platforms)
        if _reachable(core, target):
            targets.add(target)
    return sorted(targets)


def _reachable(core: Core, target: Target) -> bool:
    platform = core.platforms.get(target.platform)
    return platform is not None and platform.reachable(target.channel, core.store)


def due_week(cron: str, now: dt.datetime, tz: dt.tzinfo) -> Week | None:
    """The week whose digest is due at `now`: that of the latest fire time, unless that week
    is already over (a server that was down all week doesn't post a stale digest). A fire on
    a weekday holiday (anden påskedag, anden pinsedag) waits for the same time on the next
    working day: nobody reads it on the holiday (bot/workdays.py)."""
    local = now.astimezone(tz)
    fired = local if croniter.match(cron, local) else croniter(cron, local).get_prev(dt.datetime)
    if local < after_holidays(fired):
        return None
    week = digest.coming_week(fired.date())
    return week if local.date() <= digest.week_dates(week)[1] else None


def run_key(week: Week, target: Target) -> str:
    return f"digest:{week[0]}-W{week[1]:02d}:{target.platform}:{target.channel}"


def load_digest(core: Core, week: Week) -> Digest:
    """Read the rows a digest needs from the store and build it as of now. Bounded however
    many proposals wait: the week's approved ones, and only the oldest pending (for the
    central team and for the departments), the earliest undated approved and the earliest
    unpublished ones that the digest lists (`digest.MAX_LISTED`); the rest are counted in the
    store's indexes. The server calls this on the store thread (bot/store_thread.py)."""
    first, last = digest.week_dates(week)
    store = core.store
    today = core.clock().astimezone(timezone(core.settings)).date()
    unpublished, unpublished_count = store.unpublished_between(
        today - digest.UNPUBLISHED_DAYS, today, limit=digest.MAX_LISTED)
    rows = [
        *store.approved_planned_between(first, last),
        *store.approved_without_date(limit=digest.MAX_LISTED),
        *store.pending_oldest_first(limit=digest.MAX_LISTED, route="central"),
        *store.pending_oldest_first(limit=digest.MAX_LISTED, route="department"),
        *unpublished,
    ]
    _, tray, pending_by_theme = store.digest_counts(first, last)
    by_route = store.pending_by_route()
    totals = Totals(pending=sum(n for route, n in by_route.items() if route != "department"),
                    tray=tray, pending_by_theme=pending_by_theme,
                    department_pending=by_route.get("department", 0),
                    unpublished=unpublished_count)
    settings = core.settings
    return digest.build(
        rows, week, core.clock(), settings.opslag_review_sla_hours, timezone(settings),
        totals=totals, last_backup=backup.last_good(store),
    )


def week_overview(core: Core, week: Week | None = None) -> Digest:
    """The digest on demand (`/foreslå-opslag uge`, `ugeoversigt`, `opslag digest`): the given
    ISO week, or the coming one (`digest.coming_week`). `.payload()` is what renderers take."""
    if week is None:
        week = digest.coming_week(core.clock().astimezone(timezone(core.settings)).date())
    return load_digest(core, week)


def post_digest(core: Core, week: Week, targets: list[Target]) -> list[Target]:
    """Claim and enqueue the week's digest (built once) for each target nobody has claimed yet;
    the claim and the outbox row commit together. Returns the targets this call posted to."""
    if not targets:
        return []
    built = load_digest(core, week)
    return post_claimed(core, DIGEST, {t: run_key(week, t) for t in targets}, built.payload)


class Scheduler:
    def __init__(self, core: Core, *, poll_seconds: float = POLL_SECONDS) -> None:
        check_settings(core.settings, core.platforms)
        monthly.check_settings(core.settings)
        self.core = core
        self.poll_seconds = poll_seconds
        self.tz = timezone(core.settings)
        self._claimed: set[str] = set()  # run keys this process knows are done
        self.reminders = Reminders(core)
        self._task: asyncio.Task[None] | None = None

    def run_due(self) -> list[Target]:
        """One round: escalate overdue crises, send due reminders, post a due digest and a due
        monthly summary. Returns where the digest was posted."""
        self.escalate()
        self.remind()
        self.post_monthly_report()
        return self.post_due_digest()

    def jobs(self) -> list[Callable[[], object]]:
        """What each round of the loop runs, each on its own (one failing stops no other)."""
        return [self.escalate, self.remind, self.post_due_digest, self.post_monthly_report]

    def remind(self) -> int:
        """Reminders to review past the SLA and to publish on the planned day."""
        return self.reminders.run_due()

    def post_monthly_report(self) -> list[Target]:
        return monthly.post_due(self.core)

    def escalate(self) -> None:
        minutes = self.core.settings.opslag_crisis_escalate_minutes
        self.core.workflow.escalate_overdue_crises(dt.timedelta(minutes=minutes))

    def post_due_digest(self) -> list[Target]:
        week = due_week(self.core.settings.opslag_digest_cron, self.core.clock(), self.tz)
        if week is None:
            return []
        open_targets = [
            t for t in digest_targets(self.core) if run_key(week, t) not in self._claimed
        ]
        posted = post_digest(self.core, week, open_targets)
        # Claimed now or earlier, here or by another process: either way it is done.
        self._claimed.update(run_key(week, target) for target in open_targets)
        return posted

    async def run_forever(self) -> None:
        while True:
            for job in self.jobs():
                try:
                    # On the store thread: a digest reads every row it shows, and a locked
                    # database waits the busy timeout; the event loop serves requests meanwhile.
                    await self.core.run(job)
                except Exception:
                    log.exception("planlagt kørsel fejlede; prøver igen")
            await asyncio.sleep(self.poll_seconds)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
