"""Delivers stored messages through whichever platform adapter is registered, with retries.

A message is stored before anyone is told it was received; the outbox then delivers it and marks
it sent. A restart picks up what is still pending.

Retrying. A passing failure (a 5xx, a timeout, a dropped connection) schedules another attempt
after an exponential backoff. A rate limit (a 429, or our own pacing of a channel, see `Pacer`)
waits as long as `Retry-After` says and uses up no attempt: being asked to wait is not a
failure. Every wait gets a random extra of up to half its length (`rng`, seeded in tests), so
messages refused together do not all come back in the same instant.

Giving up. A message is given up (`failed`) only when the platform refuses it for good
(`PermanentFailure`, e.g. channel not found) or when it has not gone through `GIVE_UP_AFTER`
(24 hours, on the injected clock) after it was stored or last sent back by an operator. The
central team is then told in Danish in each review channel: which message for which proposal
and why (kind `undelivered`). Such a notice is never itself the subject of another notice, and
it is in a lane of its own, so an undeliverable notice is only logged.

Lanes. Messages of one proposal, platform and lane go out in order (a post before its update,
a thread's root before its replies). A lane waits behind a given-up message too, until an
operator resolves it: `Outbox.retry_failed` sends it back (pending again, with fresh attempts
and a fresh time limit; the lane moves on once it is delivered), or `Outbox.release_failed`
lets it go for good (`released`; the lane moves on without it). Either way the messages that
waited behind it count their time limit from then. After a review post is let go, the next
review update posts the review message afresh and later replies go under it; the senders never
post a thread reply outside its thread, so a reply with no review message at all waits (and is
given up in its turn, with a notice).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import logging
import math
import os
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock, iso, utcnow
from bot.platform import Kind
from bot.proposal import Proposal
from bot.store import NewMessage, OutboxRow, Store, StoreUnavailable
from bot.store_thread import Runner, inline

log = logging.getLogger(__name__)

BASE_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 600.0
# A 429 without Retry-After: how long to wait (it uses no attempt, so no backoff grows).
RATE_LIMIT_SECONDS = 30.0
# Each wait grows by a random part of up to this share of it.
JITTER = 0.5
# A message that has not gone through after this long (and no permanent error) is given up.
GIVE_UP_AFTER = dt.timedelta(hours=24)
LEASE = dt.timedelta(seconds=120)
# A database that cannot write (locked by another process, read-only, full): how the outbox
# waits it out. Each attempt holds up the store thread (and the requests queued behind it) for
# the store's busy timeout, so the attempts thin out instead of coming every poll.
STORE_RETRY_SECONDS = 0.05
STORE_RETRY_MAX_SECONDS = 5.0
# On stop (a deploy's SIGTERM) what is being sent may finish and be marked for this long, within
# the usual 10 s before a SIGKILL; cut off, it stays claimed and is sent again after the lease.
DRAIN_SECONDS = 8.0
# The longest a message waits in `Pacer` for its turn in a channel while holding its claim.
MAX_PACE_WAIT_SECONDS = 5.0
# `Pacer` forgets the channels it no longer paces once it remembers at least this many.
PACER_SWEEP_MIN = 256

# The notice to the central team about a message that was given up.
UNDELIVERED = Kind.UNDELIVERED
# The central team's notice about a row of a kind this version does not know.
UNKNOWN_KIND = "Denne version af Opslag kender ikke den slags besked."
Result = dict[str, Any]


class RetryLater(Exception):
    """Come back later: a passing failure, or (`rate_limited`) the platform or our pacing
    asked us to wait, which uses up no attempt."""

    def __init__(self, reason: str, after_seconds: float | None = None, *,
                 rate_limited: bool = False) -> None:
        super().__init__(reason)
        self.after_seconds = after_seconds
        self.rate_limited = rate_limited


class PermanentFailure(Exception):
    """The platform refused the message for good (e.g. channel not found); retrying won't help.
    `explanation` says why in plain Danish for the central team's notice."""

    def __init__(self, reason: str, explanation: str | None = None) -> None:
        super().__init__(reason)
        self.explanation = explanation


@dataclass
class Delivery:
    """One message to deliver, with a way to find what earlier deliveries returned."""

    row: OutboxRow
    store: Store
    # How the store is read from here: the server's store thread (the senders run on the
    # event loop, which must not wait on SQLite).
    run: Runner = inline

    @property
    def payload(self) -> dict[str, Any]:
        return self.row.payload

    @property
    def may_have_been_sent(self) -> bool:
        """Whether an earlier attempt may have reached the platform although this row was not
        marked sent. Each such attempt is counted: a claim whose lease ran out while a worker
        held it (killed or cut off mid-send; see `OutboxRow.reclaimed`), and a failure that may
        still have gone through (a timeout, a 5xx, a dropped connection). A rate limit counts
        none: it was refused for sure. An operator's retry resets the count, so a row sent back
        after an error counts too. A sender that can ask the platform whether the message is
        there does so before sending it again, on every retry until it is marked."""
        row = self.row
        sent_back = row.retried_at is not None and row.last_error is not None
        return row.reclaimed or row.attempts > 0 or sent_back

    @property
    def proposal(self) -> Proposal:
        """The proposal as it was when the message was stored."""
        return Proposal.model_validate(self.payload["proposal"])

    async def earlier_result(self, kind: str) -> dict[str, Any] | None:
        """What the platform answered to this proposal's latest sent message of `kind` here."""
        if self.row.proposal_id is None:
            return None
        return await self.run(self.store.last_result, self.row.proposal_id, self.row.platform,
                              kind)

    async def review_message(self, *keys: str) -> Result | None:
        """Where the proposal's review message is on this platform: the answer to the latest
        review update (which posts the message afresh when the first post is gone), else to
        the review post; only an answer that holds `keys` (the sender's address of it)."""
        for kind in (Kind.REVIEW_UPDATE, Kind.REVIEW_POST):
            result = await self.earlier_result(kind)
            if result and all(result.get(key) for key in keys):
                return result
        return None


# What the outbox calls to deliver one message (a `Sender`, or a plain function in tests).
Deliver = Callable[[Delivery], Awaitable[dict[str, Any] | None]]


class Sender:
    """The skeleton of a platform's sender: one async method per `Kind`, named as its value,
    taking the `Delivery` and returning what the platform answered (stored with the row, for
    the later messages of its lane). Registration checks that every kind has its method.

    An edge overrides `failure` to say what its platform's errors mean for the outbox
    (`RetryLater`, `PermanentFailure`); anything else it raises is retried with backoff."""

    async def __call__(self, delivery: Delivery) -> Result | None:
        try:
            kind = Kind(delivery.row.kind)
        except ValueError:  # stored by another version of Opslag
            raise PermanentFailure(f"ukendt beskedtype: {delivery.row.kind}",
                                   UNKNOWN_KIND) from None
        send: Callable[[Delivery], Awaitable[Result | None]] = getattr(self, kind.value)
        try:
            return await send(delivery)
        except (RetryLater, PermanentFailure):
            raise
        except Exception as exc:
            translated = self.failure(exc)
            if translated is exc:
                raise
            raise translated from exc

    def failure(self, exc: Exception) -> Exception:
        """What a platform error means for the outbox; by default the error itself."""
        return exc


def retry_after(headers: Mapping[str, Any] | None, *,
                now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header, given in seconds or as an HTTP date; None
    when there is none or it can't be read. The name is matched in any case: some clients
    hand over a plain dict of what the server sent."""
    value = next((str(v) for k, v in (headers or {}).items()
                  if str(k).lower() == "retry-after" and v), None)
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - now()
        except (TypeError, ValueError, OverflowError):
            return None
    if not math.isfinite(seconds):  # "inf", "nan": no wait we could schedule
        return None
    # Longer than the outbox waits for any message would only mean giving it up.
    return min(max(0.0, seconds), GIVE_UP_AFTER.total_seconds())


def backoff_seconds(attempts: int) -> float:
    return float(min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * (2 ** max(0, attempts))))


class Pacer:
    """Keeps to a platform's rate per conversation (e.g. about one message a second per
    channel, short bursts allowed): at most `rate` messages a second to one key, `burst` in a
    row after a quiet spell (a generic cell rate algorithm), one at a time and in the order
    they asked. One at a time, the pace holds where the platform counts it: a message that
    was slow to arrive cannot be followed by a bunch that catch up with it. Measured on the
    monotonic clock: it is about the platform's real seconds.

    A message whose turn is more than `max_wait` seconds away is not held here, where it would
    keep its claim and the messages delivered with it waiting: `RetryLater` (a rate limit, no
    attempt) puts it back in the outbox until about its turn."""

    def __init__(self, rate: float, burst: int = 1, *,
                 max_wait: float = MAX_PACE_WAIT_SECONDS,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate
        self.tolerance = (max(1, burst) - 1) * self.interval
        self.max_wait = max_wait
        self._now = now
        self._due: dict[str, float] = {}  # when each key could next take a message at `rate`
        self._waiting: dict[str, int] = {}  # messages sending or in line, per key
        self._locks: dict[str, asyncio.Lock] = {}
        self._sweep_at = PACER_SWEEP_MIN

    @property
    def tracked(self) -> int:
        """How many keys it remembers (each DM is a channel of its own: this stays bounded)."""
        return len(self._due.keys() | self._waiting.keys() | self._locks.keys())

    @contextlib.asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        """Wait for this key's next slot, then hold the key while the message is sent."""
        waiting = self._waiting.get(key, 0)
        now = self._now()
        ahead = self._start(key, now) - now + waiting * self.interval
        if ahead > self.max_wait:
            raise RetryLater(f"venter på sin tur i {key}", ahead, rate_limited=True)
        self._waiting[key] = waiting + 1
        try:
            async with self._locks.setdefault(key, asyncio.Lock()):  # first come, first served
                now = self._now()
                start = self._start(key, now)
                if start > now:
                    await asyncio.sleep(start - now)
                self._due[key] = max(self._due.get(key, now), now) + self.interval
                yield
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody holds or waits for its lock
                del self._waiting[key]
                self._locks.pop(key, None)
            self._forget_past()

    def _forget_past(self) -> None:
        """Drop the keys whose next slot has passed and that nobody waits for: such a key
        paces exactly as one never seen (see `_start`). Swept when the table has doubled since
        the last sweep, so a turn costs O(1) on average; without it every person who ever got
        a DM would stay in memory for good."""
        if len(self._due) < self._sweep_at:
            return
        now = self._now()
        for key in [key for key, due in self._due.items()
                    if due <= now and key not in self._waiting]:
            del self._due[key]
        self._sweep_at = max(PACER_SWEEP_MIN, 2 * len(self._due))

    def _start(self, key: str, now: float) -> float:
        """The earliest moment the next message to `key` may go."""
        return max(self._due.get(key, now), now) - self.tolerance


@dataclass
class Undelivered:
    """Why a message is given up: the technical `error` (stored on the row, logged) and the
    same in plain Danish for the central team (`why`)."""

    error: str
    why: str


class Outbox:
    def __init__(self, store: Store, *, clock: Clock = utcnow,
                 rng: random.Random | None = None,
                 give_up_after: dt.timedelta = GIVE_UP_AFTER, run: Runner = inline) -> None:
        self.store = store
        # Every store call of the delivery loop goes through `run` (the server's store thread).
        self.run = run
        self.clock = clock
        self.rng = rng or random.Random()
        self.give_up_after = give_up_after
        self.worker = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._senders: dict[str, Deliver] = {}
        self._labels: dict[str, str] = {}  # each platform's name as people read it
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop `run_forever` runs on
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def register(self, platform: str, sender: Deliver, label: str | None = None) -> None:
        """Deliver `platform`'s rows through `sender` (`Core.add_platform` checks a platform
        and registers its sender here)."""
        self._senders[platform] = sender
        self._labels[platform] = label or platform

    @property
    def platforms(self) -> set[str]:
        return set(self._senders)

    def notify(self) -> None:
        """Something was enqueued: deliver it now instead of at the next poll. Safe from any
        thread: the workflow calls it on the store thread after each commit, and an asyncio
        Event may only be set on its own loop."""
        loop = self._loop
        if loop is None or loop.is_closed() or _running_loop() is loop:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    # -- an operator resolves a given-up message -----------------------------------------

    def retry_failed(self, row_id: int) -> bool:
        """Send a given-up message again (with fresh attempts and time limit); its lane goes on
        once it is delivered. False when no such message is given up."""
        retried = self.store.retry_failed(row_id, self.clock())
        if retried:
            self.notify()
        return retried

    def release_failed(self, row_id: int) -> bool:
        """Let a given-up message go for good; the later messages of its lane go out without
        it. False when no such message is given up."""
        released = self.store.release_failed(row_id, self.clock())
        if released:
            self.notify()
        return released

    # -- delivering ----------------------------------------------------------------------

    async def run_once(self) -> int:
        """Deliver everything that is due now; returns how many messages were sent."""
        sent = 0
        while not self._stopping:
            rows = await self.run(self.store.claim_due, self.clock(), self.worker, LEASE,
                                  self.platforms)
            if not rows:
                break
            results = await asyncio.gather(*(self._deliver(row) for row in rows))
            sent += sum(results)
        return sent

    async def _deliver(self, row: OutboxRow) -> bool:
        sender = self._senders[row.platform]
        try:
            result = await sender(Delivery(row, self.store, self.run))
        except RetryLater as exc:
            await self._retry(row, exc)
            return False
        except PermanentFailure as exc:
            log.error("outbox %s (%s) opgivet: %s", row.id, row.kind, exc)
            why = exc.explanation or f"{self._label(row)} afviste beskeden ({exc})."
            await self._give_up(row, Undelivered(str(exc), why))
            return False
        except Exception as exc:  # any other platform trouble: try again later
            log.warning("outbox %s (%s) fejlede: %s", row.id, row.kind, type(exc).__name__)
            await self._retry(row, RetryLater(f"{type(exc).__name__}: {exc}"))
            return False
        await self._record(row, lambda: self.store.mark_sent(
            row.id, self.worker, self.clock(), result or {}))
        return True

    async def _retry(self, row: OutboxRow, exc: RetryLater) -> None:
        now = self.clock()
        if now - (row.retried_at or row.created_at) >= self.give_up_after:
            hours = round(self.give_up_after.total_seconds() / 3600)
            log.error("outbox %s (%s) opgivet efter %s timer: %s", row.id, row.kind, hours, exc)
            why = (f"{self._label(row)} har ikke taget imod beskeden i {hours} timer "
                   f"(sidste svar: {exc}).")
            await self._give_up(row, Undelivered(str(exc), why))
            return
        if exc.after_seconds is not None:
            wait = exc.after_seconds  # Retry-After is a minimum: the jitter only adds to it
        else:
            wait = RATE_LIMIT_SECONDS if exc.rate_limited else backoff_seconds(row.attempts)
        next_at = now + dt.timedelta(seconds=wait + self.rng.uniform(0, wait * JITTER))
        try:
            await self.run(self.store.mark_retry, row.id, self.worker, next_at, str(exc),
                           count_attempt=not exc.rate_limited)
        except StoreUnavailable as error:  # still claimed: tried again when the lease runs out
            log.warning("outbox %s (%s): forsøget kunne ikke gemmes: %s", row.id, row.kind,
                        error)

    async def _give_up(self, row: OutboxRow, reason: Undelivered) -> None:
        notices = [] if row.kind == UNDELIVERED else self._notices(row, reason)
        await self._record(row, lambda: self.store.give_up(
            row.id, self.worker, self.clock(), reason.error, notices))

    def _notices(self, row: OutboxRow, reason: Undelivered) -> list[NewMessage]:
        """One notice per platform; each sender posts it in its review channel (if any)."""
        since = row.retried_at or row.created_at
        payload = undelivered_notice(row, reason.why, where=self._label(row))
        return [
            NewMessage(
                platform=platform, kind=UNDELIVERED, proposal_id=row.proposal_id,
                lane=f"undelivered:{row.id}",  # its own lane: it holds up nothing if it fails
                dedupe_key=f"undelivered:{row.id}:{iso(since)}:{platform}", payload=payload,
            )
            for platform in sorted(self.platforms)
        ]

    def _label(self, row: OutboxRow) -> str:
        return self._labels.get(row.platform, row.platform)

    async def _record(self, row: OutboxRow, write: Callable[[], Any]) -> None:
        """Store what became of a delivery. The platform has the message now: if the database
        can't write, keep trying (sleeping in between, so other requests are served) for half
        the lease; a sent message left unmarked would be claimed and sent again."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LEASE.total_seconds() / 2
        wait = STORE_RETRY_SECONDS
        while True:
            try:
                await self.run(write)
                return
            except StoreUnavailable as exc:
                if loop.time() + wait > deadline:
                    log.error("outbox %s (%s) kunne ikke markeres; den kan blive sendt igen: %s",
                              row.id, row.kind, exc)
                    return
            await asyncio.sleep(wait)
            wait = min(wait * 2, STORE_RETRY_MAX_SECONDS)

    async def run_forever(self, poll_seconds: float = 1.0) -> None:
        self._loop = asyncio.get_running_loop()
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


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # another thread (the store's), or no loop at all
        return None


# -- the notice about a given-up message (Danish: the central team reads it) -----------------

_KIND_DA: dict[str, str] = {
    Kind.RECOMMENDATION: "anbefalingen til forslagsstilleren",
    Kind.REVIEW_POST: "forslaget i godkendelseskanalen",
    Kind.REVIEW_UPDATE: "opdateringen af forslaget i godkendelseskanalen",
    Kind.THREAD_REPLY: "svaret i forslagets tråd i godkendelseskanalen",
    Kind.DECISION_NOTICE: "beskeden om afgørelsen til forslagsstilleren",
    Kind.ESCALATION: "påmindelsen om kriseopslaget i godkendelseskanalen",
    Kind.ESCALATION_DM: "den personlige påmindelse om kriseopslaget",
    Kind.DIGEST: "ugeoversigten",
}
NOTICE_TITLE = "⚠️ En besked fra Opslag kunne ikke leveres"


def undelivered_notice(row: OutboxRow, why: str, *, where: str) -> dict[str, Any]:
    """The notice's payload: a title and plain-text lines (no markup; each sender escapes them
    for its platform), and the facts for anyone who reads the outbox. `where` names the
    platform the message was for, as people read it."""
    what = _KIND_DA.get(row.kind, f"en besked af typen {row.kind}")
    title = _proposal_title(row)
    if row.proposal_id is None:
        first = f"{what[0].upper()}{what[1:]} kunne ikke leveres i {where}."
    else:
        named = f" «{title}»" if title else ""
        first = (f"{what[0].upper()}{what[1:]} for forslag nr. {row.proposal_id}{named} "
                 f"kunne ikke leveres i {where}.")
    lines = [first, f"Årsag: {why}"]
    if row.proposal_id is not None:
        lines.append(
            "De senere beskeder om forslaget samme sted venter, til driften har sendt denne "
            f"igen eller frigivet den (besked nr. {row.id} i udbakken)."
        )
    return {
        "title": NOTICE_TITLE, "lines": lines,
        "row": {"id": row.id, "kind": row.kind, "platform": row.platform,
                "proposal_id": row.proposal_id},
    }


def _proposal_title(row: OutboxRow) -> str | None:
    snapshot = row.payload.get("proposal")
    if not isinstance(snapshot, dict):
        return None
    try:
        return Proposal.model_validate(snapshot).title
    except ValueError:  # an odd snapshot must not stop the notice
        return None
