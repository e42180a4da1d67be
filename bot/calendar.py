"""The content calendar: approved, planned posts as an iCalendar feed to subscribe to.

One all-day event per approved proposal with a planned date (published ones with their
links; one taken down again stays, cancelled, with who asked and why), with a UID that stays
the same for the proposal, so Outlook and Google Calendar update an event instead of
duplicating it. The only personal data in the feed are display names: the proposer's, and who
asked for a post to be taken down. The feed covers a window
of months around today (`window`); the server builds it in a worker process and keeps it until
the data changes (`Feed`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import os
import signal
from collections.abc import Iterable
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor
from dataclasses import dataclass

from icalendar import Calendar, Event

from bot import readout, schedule
from bot.config import Settings
from bot.core import Core
from bot.proposal import Proposal, Status
from bot.store import Reader, StoreUnavailable
from bot.tokens import token_matches
from policy import label, load_policy, use_policy

PRODID = "-//Norddjurs Kommune//Opslag//DA"
UID_DOMAIN = "opslag.norddjurs.dk"
# The feed covers whole months: from the first of the month three months back to the end of
# the 18th month ahead. A calendar app needs the coming plans and a little of the past, and a
# bounded window keeps the feed small however long the bot has run.
MONTHS_BACK = 3
MONTHS_AHEAD = 18
# How much lower the build's CPU priority is than the server's (see `worker_pool`).
WORKER_NICENESS = 10

Window = tuple[dt.date, dt.date]
# What a built feed depends on: the window, and the approved proposals' data version.
Version = tuple[Window, tuple[int, int, str | None]]

TEXT = {
    "name": "Opslag: planlagt indhold",
    "description": "Godkendte opslag med planlagt dato, fra Opslag",
    "platforms": "Platforme: {platforms}",
    "no_platform": "ingen anbefalet platform",
    "theme": "Tema: {theme}",
    "proposer": "Foreslået af: {name}",
    "number": "Forslag nr. {id}",
    "published": "Udgivet: {links}",
    "taken_down": "Taget ned: {title}",
    "takedown_reason": "Taget ned efter ønske fra {name}: {reason}",
}


def authorized(settings: Settings, token: str | None) -> bool:
    """The request's token matches the configured one; never when none is configured."""
    return token_matches(settings.opslag_calendar_token, token)


def uid(proposal_id: int) -> str:
    return f"forslag-{proposal_id}@{UID_DOMAIN}"


def build_feed(proposals: Iterable[Proposal], timezone: str) -> bytes:
    """The iCalendar text for the given approved, planned proposals (pure)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", TEXT["name"])
    calendar.add("x-wr-caldesc", TEXT["description"])
    calendar.add("x-wr-timezone", timezone)
    for proposal in proposals:
        if proposal.intake.planned_for is not None:
            calendar.add_component(_event(proposal, proposal.intake.planned_for))
    return calendar.to_ical()


def _event(proposal: Proposal, day: dt.date) -> Event:
    platforms = [label("platform", key) for key in proposal.recommended_platforms]
    event = Event()
    event.add("uid", uid(proposal.id))
    event.add("dtstamp", proposal.updated_at)
    event.add("last-modified", proposal.updated_at)
    event.add("dtstart", day)
    if day < dt.date.max:  # without an end an all-day event lasts that day (RFC 5545)
        event.add("dtend", day + dt.timedelta(days=1))
    taken_down = proposal.takedown is not None and proposal.status is Status.TAKEN_DOWN
    title = TEXT["taken_down"].format(title=proposal.title) if taken_down else proposal.title
    event.add("summary", title)
    event.add("description", _description(proposal, platforms))
    if platforms:
        event.add("categories", platforms)
    event.add("transp", "TRANSPARENT")
    # A post taken down stays in the calendar, cancelled: a subscriber sees it was removed.
    event.add("status", "CANCELLED" if taken_down else "CONFIRMED")
    return event


def _description(proposal: Proposal, platforms: list[str]) -> str:
    lines = [
        TEXT["platforms"].format(platforms=", ".join(platforms) or TEXT["no_platform"]),
        TEXT["theme"].format(theme=label("theme", proposal.intake.theme)),
        TEXT["proposer"].format(name=proposal.proposer.display),
        TEXT["number"].format(id=proposal.id),
    ]
    links = readout.published_links(proposal)
    if links:
        lines.append(TEXT["published"].format(
            links=", ".join(f"{link.platform} {link.url}" for link in links)))
    if proposal.takedown is not None:
        lines.append(TEXT["takedown_reason"].format(name=proposal.takedown.by.display,
                                                    reason=proposal.takedown.reason))
    return "\n".join(lines)


def window(today: dt.date) -> Window:
    """The first and last day the feed covers (both included). It moves on the first of each
    month, so a cached feed stays valid all month while nothing changes."""
    first = _month_start(today, -MONTHS_BACK)
    last = _month_start(today, MONTHS_AHEAD + 1) - dt.timedelta(days=1)
    return first, last


def _month_start(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `day`'s month (before, when negative)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month + 1, 1)


def today(core: Core) -> dt.date:
    """Today where the municipality is: the window turns at local midnight."""
    return core.clock().astimezone(schedule.timezone(core.settings)).date()


def feed(core: Core) -> bytes:
    """The feed from the store, built here and now (`opslag calendar`)."""
    rows = core.store.approved_planned_between(*window(today(core)))
    return build_feed(rows, core.settings.opslag_timezone)


class Unavailable(Exception):
    """The feed cannot be built now (the database is locked or gone, the worker died); the
    next request tries again."""


def worker_pool() -> Executor:
    """Where the server builds the feed: a process of its own. A build of thousands of events
    takes seconds of CPU; in a thread of the server it would hold the GIL the event loop needs
    to answer the chat platforms. `spawn` starts a clean interpreter (forking a process that runs
    threads is unsafe); it starts at the first request and then stays."""
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_in_the_background)


def _in_the_background() -> None:
    """The worker yields the CPU to the server (and to anything else) when both want it: a
    calendar app can wait a few seconds, a chat platform's ack cannot. Ctrl-C reaches the whole
    process group; the server stops its worker itself."""
    os.nice(WORKER_NICENESS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def refresh(path: str, days: Window, timezone: str, known: Version | None,
            strategy: str | None = None) -> tuple[Version, bytes | None]:
    """In the worker: the data's version and the feed built from it, or no feed when `known`
    is still the version (the cached one holds, and its bytes need not travel back). Version
    and rows come from one snapshot of a read-only connection of its own, so the version kept
    is the version of the rows built; the Store's connection belongs to the store thread.
    `strategy`: the server's strategy file (OPSLAG_STRATEGY), whose labels the feed uses."""
    _follow_strategy(strategy)
    reader = Reader(path)
    try:
        with reader.snapshot():
            version: Version = (days, reader.approved_version())
            if version == known:
                return version, None
            rows = reader.approved_planned_between(*days)
    finally:
        reader.close()
    return version, build_feed(rows, timezone)


# The strategy file this process has put in use for the feed's labels: a spawned worker starts
# with the shipped one, and follows the server's (read once, as the server reads it once).
_followed: list[str | None] = [None]


def _follow_strategy(strategy: str | None) -> None:
    if strategy != _followed[0]:
        use_policy(load_policy(strategy))
        _followed[0] = strategy


@dataclass(frozen=True)
class _Built:
    version: Version
    body: bytes


class Feed:
    """The feed as the server serves it: built in a worker (`worker_pool`), kept until the data
    or the window changes, and one refresh at a time: requests that arrive while one runs wait
    for it instead of starting their own. All state here lives on the event loop."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self._pool: Executor | None = None
        self._built: _Built | None = None
        self._running: asyncio.Future[bytes] | None = None

    async def get(self) -> bytes:
        """The current feed. A request that finds no refresh running starts one (only a
        version check when nothing changed); requests meanwhile share it."""
        if self._running is None:
            running = asyncio.ensure_future(self._refresh())
            running.add_done_callback(self._finished)
            self._running = running
        # A client that hangs up must not cancel the refresh the other requests wait for.
        return await asyncio.shield(self._running)

    def _finished(self, running: asyncio.Future[bytes]) -> None:
        if self._running is running:
            self._running = None
        if not running.cancelled():
            running.exception()  # handed to every waiter; here only marked as seen

    async def _refresh(self) -> bytes:
        pool = self._pool = self._pool or worker_pool()
        known = self._built.version if self._built else None
        days = window(today(self._core))
        timezone = self._core.settings.opslag_timezone
        path = str(self._core.store.path)
        given = self._core.settings.opslag_strategy
        strategy = None if given is None else str(given)
        try:
            version, body = await asyncio.get_running_loop().run_in_executor(
                pool, refresh, path, days, timezone, known, strategy)
        except BrokenExecutor as exc:  # the worker died; the next request starts a new one
            self._pool = None
            pool.shutdown(wait=False)
            raise Unavailable(str(exc)) from exc
        except StoreUnavailable as exc:
            raise Unavailable(str(exc)) from exc
        if body is None and self._built is not None:
            return self._built.body
        assert body is not None  # nothing was cached, so the worker built
        self._built = _Built(version, body)
        return body

    def close(self) -> None:
        """Stop the worker; a build still running ends first, in the background."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
