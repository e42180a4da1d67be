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
from bot.store import OutboxRow, Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BASE_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 600.0
LEASE = dt.timedelta(seconds=120)


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
        while True:
            rows = self.store.claim_due(self.clock(), self.worker, LEASE, self.platforms)
            if not rows:
                return sent
            results = await asyncio.gather(*(self._deliver(row) for row in rows))
            sent += sum(results)

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
            self.store.mark_retry(row.id, self.worker, self.clock(), str(exc), give_up=True)
            return False
        except Exception as exc:  # any other platform trouble: try again later
            log.warning("outbox %s (%s) fejlede: %s", row.id, row.kind, type(exc).__name__)
            self._retry(row, f"{type(exc).__name__}: {exc}", backoff_seconds(row.attempts))
            return False
        self.store.mark_sent(row.id, self.worker, self.clock(), result or {})
        return True

    def _retry(self, row: OutboxRow, error: str, wait_seconds: float) -> None:
        give_up = row.attempts + 1 >= MAX_ATTEMPTS
        if give_up:
            log.error("outbox %s (%s) opgivet efter %s forsøg", row.id, row.kind, MAX_ATTEMPTS)
        next_at = self.clock() + dt.timedelta(seconds=wait_seconds)
        self.store.mark_retry(row.id, self.worker, next_at, error, give_up=give_up)

    async def run_forever(self, poll_seconds: float = 1.0) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("outbox-runden fejlede; prøver igen")
            self._wake.clear()
            with_timeout = asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)
            with contextlib.suppress(TimeoutError):
                await with_timeout

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
