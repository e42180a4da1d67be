"""Builds the platform-agnostic core once from settings; the entry points add the platforms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from bot.clock import Clock, utcnow
from bot.config import Settings
from bot.outbox import Outbox
from bot.store import Store
from bot.store_thread import StoreThread
from bot.workflow import CentralRoster, Workflow

P = ParamSpec("P")
T = TypeVar("T")

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
    # Where async code runs its store and workflow calls (see bot/store_thread.py).
    store_thread: StoreThread = field(default_factory=StoreThread)

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` on the store thread: for every call from async code that
        reads or writes the store (directly or through the workflow), so the event loop never
        waits on SQLite and transactions never interleave."""
        return await self.store_thread.run(fn, *args, **kwargs)

    def close(self) -> None:
        self.store_thread.close()
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
    store = Store(settings.opslag_db, busy_timeout=settings.opslag_db_busy_timeout, clock=clock)
    store_thread = StoreThread()
    # The outbox's short calls go ahead of the requests' (see bot/store_thread.py).
    outbox = Outbox(store, clock=clock, run=store_thread.run_first)
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
    return Core(settings=settings, store=store, workflow=workflow, outbox=outbox, clock=clock,
                store_thread=store_thread)
