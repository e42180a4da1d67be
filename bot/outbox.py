"""Delivers stored messages through whichever platform adapter is registered, with retries.

A message is stored before anyone is told it was received; the outbox then delivers it and marks
it sent. A platform error or rate limit schedules a later attempt (honouring `Retry-After`);
a restart picks up what is still pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock, utcnow
from bot.store import OutboxRow, Store, StoreUnavailable

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BASE_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 600.0
LEASE = dt.timedelta(seconds=120)
# A database that cannot write (locked by another process, read-only, full): how the outbox
# waits it out. Each attempt holds up the event loop for the store's busy timeout, so the
# attempts thin out instead of coming every poll.
STORE_RETRY_SECONDS = 0.05
STORE_RETRY_MAX_SECONDS = 5.0
# On stop (a deploy's SIGTERM) what is being sent may finish and be marked for this long, within
# the usual 10 s before a SIGKILL; cut off, it stays claimed and is sent again after the lease.
DRAIN_SECONDS = 8.0


class RetryLater(Exception):
    """The platform asked us to come back later (a 429 or a passing failure)."""

    def __init__(self, reason: str, after_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.after_seconds = after_seconds


class PermanentFailure(Exception):
    """The platform refused the message for good (e.g. channel not found); retrying won't help."""


@dataclass
class Delivery:
    """One message to deliver, with a way to find what earlier deliveries returned."""

    row: OutboxRow
    store: Store

    @property
    def payload(self) -> dict[str, Any]:
        return self.row.payload

    def earlier_result(self, kind: str) -> dict[str, Any] | None:
        if self.row.proposal_id is None:
            return None
        return self.store.last_result(self.row.proposal_id, self.row.platform, kind)


Sender = Callable[[Delivery], Awaitable[dict[str, Any] | None]]


def backoff_seconds(attempts: int) -> float:
    return float(min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * (2 ** max(0, attempts))))


class Outbox:
    def __init__(self, store: Store, *, clock: Clock = utcnow) -> None:
        self.store = store
        self.clock = clock
        self.worker = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._senders: dict[str, Sender] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def register(self, platform: str, sender: Sender) -> None:
        self._senders[platform] = sender

    @property
    def platforms(self) -> set[str]:
        return set(self._senders)

    def notify(self) -> None:
        """Something was enqueued: deliver it now instead of at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Deliver everything that is due now; returns how many messages were sent."""
        sent = 0
        while not self._stopping:
            rows = self.store.claim_due(self.clock(), self.worker, LEASE, self.platforms)
            if not rows:
                break
            results = await asyncio.gather(*(self._deliver(row) for row in rows))
            sent += sum(results)
        return sent

    async def _deliver(self, row: OutboxRow) -> bool:
        sender = self._senders[row.platform]
        try:
            result = await sender(Delivery(row, self.store))
        except RetryLater as exc:
            wait = exc.after_seconds if exc.after_seconds is not None else backoff_seconds(
                row.attempts
            )
            self._retry(row, str(exc), wait)
            return False
        except PermanentFailure as exc:
            log.error("outbox %s (%s) opgivet: %s", row.id, row.kind, exc)
            reason = str(exc)
            await self._record(row, lambda: self.store.mark_retry(
                row.id, self.worker, self.clock(), reason, give_up=True))
            return False
        except Exception as exc:  # any other platform trouble: try again later
            log.warning("outbox %s (%s) fejlede: %s", row.id, row.kind, type(exc).__name__)
            self._retry(row, f"{type(exc).__name__}: {exc}", backoff_seconds(row.attempts))
            return False
        await self._record(row, lambda: self.store.mark_sent(
            row.id, self.worker, self.clock(), result or {}))
        return True

    def _retry(self, row: OutboxRow, error: str, wait_seconds: float) -> None:
        give_up = row.attempts + 1 >= MAX_ATTEMPTS
        if give_up:
            log.error("outbox %s (%s) opgivet efter %s forsøg", row.id, row.kind, MAX_ATTEMPTS)
        next_at = self.clock() + dt.timedelta(seconds=wait_seconds)
        try:
            self.store.mark_retry(row.id, self.worker, next_at, error, give_up=give_up)
        except StoreUnavailable as exc:  # still claimed: tried again when the lease runs out
            log.warning("outbox %s (%s): forsøget kunne ikke gemmes: %s", row.id, row.kind, exc)

    async def _record(self, row: OutboxRow, write: Callable[[], None]) -> None:
        """Store what became of a delivery. The platform has the message now: if the database
        can't write, keep trying (sleeping in between, so other requests are served) for half
        the lease; a sent message left unmarked would be claimed and sent again."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LEASE.total_seconds() / 2
        wait = STORE_RETRY_SECONDS
        while True:
            try:
                write()
                return
            except StoreUnavailable as exc:
                if loop.time() + wait > deadline:
                    log.error("outbox %s (%s) kunne ikke markeres; den kan blive sendt igen: %s",
                              row.id, row.kind, exc)
                    return
            await asyncio.sleep(wait)
            wait = min(wait * 2, STORE_RETRY_MAX_SECONDS)

    async def run_forever(self, poll_seconds: float = 1.0) -> None:
        wait = poll_seconds
        while not self._stopping:
            try:
                await self.run_once()
                wait = poll_seconds
            except StoreUnavailable as exc:
                # Locked, read-only or full. A change stored elsewhere wakes us (notify); else
                # ask again less and less often, up to STORE_RETRY_MAX_SECONDS.
                log.warning("outbox: databasen kan ikke skrive nu (%s); prøver igen", exc)
                wait = min(max(wait, poll_seconds) * 2, STORE_RETRY_MAX_SECONDS)
            except Exception:
                log.exception("outbox-runden fejlede; prøver igen")
                wait = poll_seconds
            if self._stopping:
                break
            self._wake.clear()
            with_timeout = asyncio.wait_for(self._wake.wait(), timeout=wait)
            with contextlib.suppress(TimeoutError):
                await with_timeout

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run_forever())

    async def stop(self, drain_seconds: float = DRAIN_SECONDS) -> None:
        """Claim nothing more, and let what is being sent now finish and be marked (for up to
        `drain_seconds`): cancelled mid-send, a message would stay claimed, and the next server
        would wait out its lease and then send it again."""
        task = self._task
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), drain_seconds)
        except TimeoutError:
            log.warning("outbox: stoppet midt i en afsendelse; den sendes igen efter lejen")
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._stopping = False  # run_once works again (tests deliver by hand after a stop)
