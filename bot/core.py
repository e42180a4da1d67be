"""Builds the platform-agnostic core once from settings; the entry points add the platforms."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock, utcnow
from bot.config import Settings
from bot.outbox import Outbox
from bot.store import Store
from bot.workflow import CentralRoster, Workflow

# The store key under which the Teams edge keeps the review channel's conversation reference.
TEAMS_REVIEW_REF = "teams:review_channel"
PLATFORMS = ("slack", "teams")


@dataclass
class Core:
    settings: Settings
    store: Store
    workflow: Workflow
    outbox: Outbox
    clock: Clock

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Core:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def review_platforms(settings: Settings, store: Store) -> list[str]:
    """Where the central team reviews: Slack when a review channel is set, Teams once a central
    member has chosen the review channel there."""
    platforms = []
    if settings.slack_enabled and settings.slack_review_channel:
        platforms.append("slack")
    if store.get_ref(TEAMS_REVIEW_REF) is not None:
        platforms.append("teams")
    return platforms


def build_core(settings: Settings, *, clock: Clock = utcnow) -> Core:
    store = Store(settings.opslag_db, busy_timeout=settings.opslag_db_busy_timeout)
    outbox = Outbox(store, clock=clock)
    roster = CentralRoster(
        members={
            "console": set(settings.opslag_central_users),
            "slack": set(settings.slack_central_users),
            "teams": set(settings.teams_central_users),
        }
    )
    workflow = Workflow(
        store,
        roster,
        review_platforms=lambda: review_platforms(settings, store),
        delivery_platforms=PLATFORMS,
        clock=clock,
        on_enqueue=outbox.notify,
    )
    return Core(settings=settings, store=store, workflow=workflow, outbox=outbox, clock=clock)
