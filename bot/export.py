"""The decision record for access-to-documents requests (aktindsigt).

A period selects every proposal with any history event in it (submitted, decided, resubmitted,
withdrawn, escalated, moved to the central team, published, taken down, reminded), and each
comes with its full history, also the events outside the period. Times are given in the
municipality's time zone with their UTC offset.

- JSON: one document {"exported_at", "period", "proposals": [...]}, each proposal with its
  intake, recommendation, policy version, decision and history.
- CSV: one row per history event, with the proposal's columns repeated on each row, so the
  file reads on its own in a spreadsheet. An approval past open gates names them and the
  reviewer's reason (`override_gates`, `override_reason`); a decision on one's own proposal
  says so (`self_decided`); each row's `details` say what else it recorded (links, whom a
  reminder named). The proposal's columns say where and when it was published, who asked for
  it to be taken down and why, and how many reminders were sent; the consent answers and who
  reviews it are among the facts. Status and event are in Danish there (the JSON keeps
  the codes). Cells a spreadsheet would run as a formula (starting with = + - @) get a leading
  apostrophe.

Each submission and resubmission event carries the draft, the recommendation and the policy
version it was made with (its snapshot), so every revision a proposer sent is in the record.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from typing import IO, Any

from bot import readout
from bot.proposal import HistoryEvent, Proposal
from bot.workflow import status_label
from policy import label

# The record's own columns around the facts every surface shows (bot/readout.py), which get
# a column each, named by the fact's key.
_HEAD_COLUMNS = ["proposal_id", "title"]
_RECORD_COLUMNS = [
    "proposer_platform", "proposer_id", "source", "created_at", "crisis",
    "recommended_platforms", "policy_version", "revision", "status",
    "published_at", "published_by", "published_links", "taken_down_at", "taken_down_by",
    "takedown_reason", "reminders",
]
_EVENT_COLUMNS = [
    "event_at", "event", "event_revision", "actor_name", "actor_platform", "actor_id", "note",
    "override_gates", "override_reason", "self_decided", "details", "text",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The first and last day a period may have. The store compares UTC times, and the midnight
# before date.min or after date.max has no UTC time in some time zones.
FIRST_DAY = dt.date.min + dt.timedelta(days=1)
LAST_DAY = dt.date.max - dt.timedelta(days=1)


def period_bounds(first: dt.date, last: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """From midnight starting `first` to midnight ending `last`, local time: both days count.
    Both days lie from FIRST_DAY to LAST_DAY."""
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    return start, dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tz)


def local_time(moment: dt.datetime | None, tz: dt.tzinfo) -> str | None:
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment else None


def record(proposal: Proposal, tz: dt.tzinfo) -> dict[str, Any]:
    """One proposal as filed: who proposed what, what the bot recommended under which policy
    version, who decided what and when, and every history event."""
    data = proposal.model_dump(mode="json", exclude={"history"})
    data.update(
        title=proposal.title,
        created_at=local_time(proposal.created_at, tz),
        updated_at=local_time(proposal.updated_at, tz),
        decided_at=local_time(proposal.decided_at, tz),
        escalated_at=local_time(proposal.escalated_at, tz),
        history=[
            {**event.model_dump(mode="json"), "at": local_time(event.at, tz)}
            for event in proposal.history
        ],
    )
    return data


def to_json_document(
    proposals: list[Proposal],
    period: tuple[dt.date, dt.date],
    exported_at: dt.datetime,
    tz: dt.tzinfo,
) -> dict[str, Any]:
    return {
        "exported_at": local_time(exported_at, tz),
        "period": {"from": period[0].isoformat(), "to": period[1].isoformat()},
        "proposals": [record(proposal, tz) for proposal in proposals],
    }


def csv_columns() -> list[str]:
    """The CSV's header: asked of the model each time, so a new fact is a new column."""
    return [*_HEAD_COLUMNS, *(about.key for about in readout.FACTS), *_RECORD_COLUMNS,
            *_EVENT_COLUMNS]


def csv_rows(
    proposal: Proposal, tz: dt.tzinfo, event_labels: Mapping[str, str]
) -> list[dict[str, Any]]:
    intake = proposal.intake
    base = {
        "proposal_id": proposal.id,
        "title": proposal.title,
        **{fact.key: fact.value for fact in readout.facts(proposal)},
        "proposer_platform": proposal.proposer.platform,
        "proposer_id": proposal.proposer.user_id,
        "source": proposal.source,
        "created_at": local_time(proposal.created_at, tz),
        "crisis": "ja" if intake.crisis else "nej",
        "recommended_platforms": ", ".join(
            label("platform", p) for p in proposal.recommended_platforms
        ),
        "policy_version": proposal.policy_version,
        "revision": proposal.revision,
        "status": status_label(proposal.status),
        **_publication(proposal, tz),
        "reminders": sum(1 for e in proposal.history if e.event in _REMINDERS),
        "text": intake.text,
    }
    return [
        {
            **base,
            "event_at": local_time(event.at, tz),
            "event": event_labels.get(event.event, event.event),
            "actor_name": event.actor_name,
            "actor_platform": event.actor_platform,
            "actor_id": event.actor_id,
            "note": event.note or "",
            **_decision_details(event),
            "details": "; ".join(readout.event_details(event)),
            "event_revision": event.revision or "",
            # A (re)submission row shows the draft as it was sent then.
            "text": _snapshot_text(event.snapshot) or intake.text,
        }
        for event in proposal.history
    ]


_REMINDERS = frozenset({"reminded", "publish_reminded"})


def _publication(proposal: Proposal, tz: dt.tzinfo) -> dict[str, Any]:
    """Where and when it was published, and who asked for it to be taken down, and why."""
    published, takedown = proposal.publication, proposal.takedown
    return {
        "published_at": local_time(published.at, tz) if published else "",
        "published_by": published.by.display if published else "",
        "published_links": "; ".join(f"{link.platform}: {link.url}"
                                     for link in readout.published_links(proposal)),
        "taken_down_at": local_time(takedown.at, tz) if takedown else "",
        "taken_down_by": takedown.by.display if takedown else "",
        "takedown_reason": takedown.reason if takedown else "",
    }


def _decision_details(event: HistoryEvent) -> dict[str, str]:
    """An approval past open gates (which ones, in Danish, and the reviewer's reason) and a
    decision on one's own proposal: empty cells for every other event."""
    override = event.details.get("override") or {}
    gates = [label("gate", str(code)) for code in override.get("gates") or []]
    return {
        "override_gates": "; ".join(gates),
        "override_reason": (event.note or "") if gates else "",
        "self_decided": "ja" if event.details.get("self_decided") else "",
    }


def _snapshot_text(snapshot: dict[str, Any] | None) -> str | None:
    if not snapshot:
        return None
    text = snapshot.get("intake", {}).get("text")
    return text if isinstance(text, str) else None


def write_csv(
    proposals: list[Proposal], out: IO[str], tz: dt.tzinfo, event_labels: Mapping[str, str]
) -> None:
    """`event_labels`: the Danish name of each history event (the surface that writes owns
    them); an event without one is written as its code."""
    writer = csv.DictWriter(out, fieldnames=csv_columns())
    writer.writeheader()
    for proposal in proposals:
        for row in csv_rows(proposal, tz, event_labels):
            writer.writerow({key: _cell(value) for key, value in row.items()})


def _cell(value: Any) -> Any:
    # Any text cell, not only the free-text ones: a fact added later may hold what someone typed.
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
