"""The content calendar: approved, planned posts as an iCalendar feed to subscribe to.

One all-day event per approved proposal with a planned date, with a UID that stays the same
for the proposal, so Outlook and Google Calendar update an event instead of duplicating it.
The only personal data in the feed is the proposer's display name.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterable

from icalendar import Calendar, Event

from bot.config import Settings
from bot.core import Core
from bot.proposal import Proposal
from policy import label

PRODID = "-//Norddjurs Kommune//Opslag//DA"
UID_DOMAIN = "opslag.norddjurs.dk"
# How far back the feed reaches; the future is unbounded.
HISTORY_DAYS = 365

TEXT = {
    "name": "Opslag: planlagt indhold",
    "description": "Godkendte opslag med planlagt dato, fra Opslag",
    "platforms": "Platforme: {platforms}",
    "no_platform": "ingen anbefalet platform",
    "theme": "Tema: {theme}",
    "proposer": "Foreslået af: {name}",
    "number": "Forslag nr. {id}",
}


def authorized(settings: Settings, token: str | None) -> bool:
    """The request's token matches the configured one; never when none is configured."""
    configured = settings.opslag_calendar_token
    secret = configured.get_secret_value() if configured else ""
    if not secret or token is None:
        return False
    return hmac.compare_digest(token.encode(), secret.encode())


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
    event.add("summary", proposal.title)
    event.add("description", _description(proposal, platforms))
    if platforms:
        event.add("categories", platforms)
    event.add("transp", "TRANSPARENT")
    event.add("status", "CONFIRMED")
    return event


def _description(proposal: Proposal, platforms: list[str]) -> str:
    return "\n".join(
        [
            TEXT["platforms"].format(platforms=", ".join(platforms) or TEXT["no_platform"]),
            TEXT["theme"].format(theme=label("theme", proposal.intake.theme)),
            TEXT["proposer"].format(name=proposal.proposer.display),
            TEXT["number"].format(id=proposal.id),
        ]
    )


def feed(core: Core) -> bytes:
    """The feed from the store: approved posts planned from a year ago onwards."""
    today = core.clock().date()
    rows = core.store.approved_planned_between(
        today - dt.timedelta(days=HISTORY_DAYS), dt.date.max
    )
    return build_feed(rows, core.settings.opslag_timezone)


def feed_for_token(core: Core, token: str | None) -> bytes | None:
    """The feed for GET /kalender.ics, or None (the server answers 404) for a wrong token."""
    return feed(core) if authorized(core.settings, token) else None
