"""The proposal as the core sees it: who, what, its state and its history."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, model_validator

from policy import Recommendation
from policy.models import StoredIntake


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    # Issue 12 §6: after approval, the post was put out (with a link per platform), and later
    # possibly taken down again (consent withdrawn, an error found).
    PUBLISHED = "published"
    TAKEN_DOWN = "taken_down"


class Decision(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"

    @property
    def status(self) -> Status:
        return _DECISION_STATUS[self]


_DECISION_STATUS = {
    Decision.APPROVE: Status.APPROVED,
    Decision.REQUEST_CHANGES: Status.CHANGES_REQUESTED,
    Decision.REJECT: Status.REJECTED,
}

OPEN_STATUSES = frozenset({Status.PENDING, Status.CHANGES_REQUESTED})

# Proposal numbers are SQLite integers: at most 19 digits.
_NUMBER_DIGITS = 19


def whole_number(raw: Any) -> int | None:
    """A number as our buttons, cards, forms and the command line send it: an int (not a
    bool) or ASCII digits, at most 19 of them; None for anything else."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= _NUMBER_DIGITS:
        return int(raw)
    return None


def proposal_number(raw: Any) -> int:
    """The proposal a button value, a card's data or a form's metadata names; 0 (which names
    none, so the workflow answers "findes ikke") for anything but a whole number."""
    number = whole_number(raw)
    return 0 if number is None else number


class Actor(BaseModel):
    """A person acting through one platform. `address` is how that platform reaches them."""

    platform: str
    user_id: str
    name: str = ""
    address: dict[str, Any] = Field(default_factory=dict)

    @property
    def display(self) -> str:
        return self.name or self.user_id


class HistoryEvent(BaseModel):
    id: int
    proposal_id: int
    at: dt.datetime
    event: str
    actor_platform: str
    actor_id: str
    actor_name: str
    note: str | None = None
    revision: int | None = None
    # The draft, recommendation and policy version of a (re)submission, as they were then.
    snapshot: dict[str, Any] | None = None
    # What else the record keeps about the event, by key: `override` (the gates a reviewer
    # approved past, see `Proposal.overridden`), `self_decided` (a decision on one's own
    # proposal, allowed by OPSLAG_ALLOW_SELF_APPROVAL).
    details: dict[str, Any] = Field(default_factory=dict)


class Publication(BaseModel):
    """Where and when an approved post was put out ("Udgivet"), and by whom."""

    links: dict[str, str]  # platform key (the strategy's platforms) -> the post's address
    by: Actor
    at: dt.datetime


class Takedown(BaseModel):
    """Who asked for an approved or published post to be taken down ("Tag ned"), why, when."""

    by: Actor
    at: dt.datetime
    reason: str


class Proposal(BaseModel):
    id: int
    created_at: dt.datetime
    updated_at: dt.datetime
    source: str
    proposer: Actor
    intake: StoredIntake  # read as accepted then: a rule added later never locks it out
    recommendation: Recommendation
    policy_version: str
    status: Status
    revision: int = 1
    decision: Decision | None = None
    decided_by: Actor | None = None
    decided_at: dt.datetime | None = None
    decision_note: str | None = None
    # The gates (policy.gates: their codes) that were open when it was approved anyway; the
    # reviewer's written reason is the decision note.
    overridden: list[str] = Field(default_factory=list)
    # The decision was made by the proposer (allowed by OPSLAG_ALLOW_SELF_APPROVAL).
    self_decided: bool = False
    escalated_at: dt.datetime | None = None
    # Who reviews it now: "department" (its department's own reviewers) or "central". It
    # starts as the advice's route; "Bed Kommunikation om hjælp" moves it to central.
    review_route: str = ""
    # Set when it is marked published ("Udgivet"), and kept after "Tag ned" (the publisher
    # needs the links to remove the post).
    publication: Publication | None = None
    takedown: Takedown | None = None
    history: list[HistoryEvent] = Field(default_factory=list)

    @model_validator(mode="after")
    def _route_from_advice(self) -> Proposal:
        if not self.review_route:  # stored before the route could change
            self.review_route = self.recommendation.review.route
        return self

    @property
    def title(self) -> str:
        """A short name for lists and notifications: the given title or the draft's start."""
        if self.intake.title:
            return self.intake.title
        first_line = self.intake.text.splitlines()[0] if self.intake.text else ""
        return first_line if len(first_line) <= 60 else first_line[:57].rstrip() + "…"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def recommended_platforms(self) -> list[str]:
        """The platforms the recommendation recommends (not the merely possible ones)."""
        return [fit.platform for fit in self.recommendation.platforms if fit.fit == "recommended"]
