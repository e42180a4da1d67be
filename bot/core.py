"""Builds the platform-agnostic core once from settings; the entry points add the platforms
(`Core.add_platform`, see bot/platform.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from bot.clock import Clock, utcnow
from bot.config import Settings
from bot.outbox import Outbox
from bot.platform import Platform, Platforms
from bot.preview import Previews
from bot.store import Store
from bot.store_thread import StoreThread
from bot.workflow import CentralRoster, Workflow
from policy import load_policy, use_policy

P = ParamSpec("P")
T = TypeVar("T")

# The people who act in the terminal (`opslag decide`): not a platform, nothing is sent there.
CONSOLE = "console"


@dataclass
class Core:
    settings: Settings
    store: Store
    workflow: Workflow
    outbox: Outbox
    clock: Clock
    # Where async code runs its store and workflow calls (see bot/store_thread.py).
    store_thread: StoreThread = field(default_factory=StoreThread)
    platforms: Platforms = field(default_factory=Platforms)

    @property
    def previews(self) -> Previews:
        """The answers people are reading the advice on, before they send (bot/preview.py)."""
        return Previews(self.store, self.clock)

    def add_platform(self, platform: Platform) -> None:
        """Register a platform edge: the one call an edge makes. The contract is checked
        first (`Platforms.add` raises PlatformError at start); then the workflow asks it where
        it reviews and who is central, messages for its people are stored, and, when this
        process delivers for it, the outbox sends through its sender."""
        self.platforms.add(platform)
        self.workflow.roster.sources[platform.name] = platform.central_members
        self.workflow.delivery_platforms.add(platform.name)
        if platform.sender is not None:
            self.outbox.register(platform.name, platform.sender, platform.label)

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


def build_core(settings: Settings, *, clock: Clock = utcnow,
               platforms: Iterable[Platform] = ()) -> Core:
    """The core, with `platforms` registered (more may be added with `Core.add_platform`).
    The advice follows the strategy the settings name (OPSLAG_STRATEGY) from here on."""
    use_policy(load_policy(settings.opslag_strategy))
    store = Store(settings.opslag_db, busy_timeout=settings.opslag_db_busy_timeout, clock=clock)
    store_thread = StoreThread()
    # The outbox's short calls go ahead of the requests' (see bot/store_thread.py).
    outbox = Outbox(store, clock=clock, run=store_thread.run_first)
    roster = CentralRoster(members={CONSOLE: set(settings.opslag_central_users)})
    registry = Platforms()
    workflow = Workflow(
        store,
        roster,
        # Asked at each change: a review channel can be chosen while the server runs.
        review_platforms=lambda: registry.reviewing(store),
        department_platforms=lambda department: registry.reviewing_for(department, store),
        clock=clock,
        on_enqueue=outbox.notify,
        crisis_phone=settings.opslag_crisis_phone,
        departments=settings.opslag_departments,
        allow_self_approval=settings.opslag_allow_self_approval,
    )
    core = Core(settings=settings, store=store, workflow=workflow, outbox=outbox, clock=clock,
                store_thread=store_thread, platforms=registry)
    try:
        for platform in platforms:
            core.add_platform(platform)
    except BaseException:
        core.close()
        raise
    return core
