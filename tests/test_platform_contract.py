"""The platform contract (bot/platform.py): a platform defined here, in the test, registered
with the one call an edge makes, gets the whole flow through the outbox: the proposer's
recommendation, the review post, the decision (its update, thread line and notice) and the
weekly digest. The core never names a platform; registration refuses a sender with a gap."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.core import Core, build_core
from bot.outbox import Delivery, PermanentFailure, RetryLater, Sender, retry_after
from bot.platform import Kind, PlatformError
from bot.proposal import Actor, Decision
from bot.schedule import Scheduler, Target
from bot.store import Store
from policy import parse_intake
from tests.conftest import FakeClock, intake_data
from tests.test_digest_support import MONDAY_0800

ANNA = Actor(platform="toy", user_id="anna", name="Anna")
CHEF = Actor(platform="toy", user_id="chef", name="Chef")
BOT = Path(__file__).resolve().parent.parent / "bot"


@dataclass
class Sent:
    kind: str
    where: str
    status: str | None = None
    thread: str | None = None


@dataclass
class ToySender(Sender):
    """Records what it is asked to send; a review message is addressed by its row id."""

    sent: list[Sent] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    def _record(self, delivery: Delivery, where: str, thread: str | None = None) -> Sent:
        kind = delivery.row.kind
        if kind in self.refuse:
            raise PermanentFailure(f"toy refuses {kind}")
        status = str(delivery.proposal.status) if "proposal" in delivery.payload else None
        sent = Sent(kind, where, status, thread)
        self.sent.append(sent)
        return sent

    async def _in_thread(self, delivery: Delivery) -> dict[str, Any]:
        review = await delivery.review_message("message")
        if review is None:
            raise RetryLater("no review message yet")
        self._record(delivery, "review", thread=review["message"])
        return {}

    async def recommendation(self, delivery: Delivery) -> dict[str, Any]:
        self._record(delivery, f"dm:{delivery.proposal.proposer.user_id}")
        return {}

    async def review_post(self, delivery: Delivery) -> dict[str, Any]:
        self._record(delivery, "review")
        return {"message": f"m{delivery.row.id}"}

    async def review_update(self, delivery: Delivery) -> dict[str, Any]:
        review = await delivery.review_message("message")
        self._record(delivery, "review", thread=review["message"] if review else None)
        return review or {}

    async def thread_reply(self, delivery: Delivery) -> dict[str, Any]:
        return await self._in_thread(delivery)

    async def decision_notice(self, delivery: Delivery) -> dict[str, Any]:
        self._record(delivery, f"dm:{delivery.proposal.proposer.user_id}")
        return {}

    async def escalation(self, delivery: Delivery) -> dict[str, Any]:
        return await self._in_thread(delivery)

    async def escalation_dm(self, delivery: Delivery) -> dict[str, Any]:
        self._record(delivery, f"dm:{delivery.payload['user']}")
        return {}

    async def digest(self, delivery: Delivery) -> dict[str, Any]:
        self._record(delivery, str(delivery.payload["channel"]))
        return {}

    async def undelivered(self, delivery: Delivery) -> dict[str, Any]:
        self.sent.append(Sent(delivery.row.kind, " ".join(delivery.payload["lines"])))
        return {}

    async def publish_reminder(self, delivery: Delivery) -> dict[str, Any]:
        self._record(delivery, f"dm:{delivery.payload.get('user')}")
        return {}

    async def review_reminder(self, delivery: Delivery) -> dict[str, Any]:
        return await self._in_thread(delivery)

    async def takedown_notice(self, delivery: Delivery) -> dict[str, Any]:
        self._record(delivery, f"dm:{delivery.payload.get('user')}")
        return {}

    async def publish_reminder_update(self, delivery: Delivery) -> dict[str, Any]:
        self._record(delivery, f"dm:{delivery.payload.get('user')}")
        return {}

    async def monthly_report(self, delivery: Delivery) -> dict[str, Any]:
        self._record(delivery, str(delivery.payload.get("channel")))
        return {}


class NoDigest(Sender):
    """Every kind but the digest and the notice about an undelivered message."""

    async def recommendation(self, delivery: Delivery) -> None: ...
    async def review_post(self, delivery: Delivery) -> None: ...
    async def review_update(self, delivery: Delivery) -> None: ...
    async def thread_reply(self, delivery: Delivery) -> None: ...
    async def decision_notice(self, delivery: Delivery) -> None: ...
    async def escalation(self, delivery: Delivery) -> None: ...
    async def escalation_dm(self, delivery: Delivery) -> None: ...
    async def publish_reminder(self, delivery: Delivery) -> None: ...
    async def review_reminder(self, delivery: Delivery) -> None: ...
    async def takedown_notice(self, delivery: Delivery) -> None: ...
    async def publish_reminder_update(self, delivery: Delivery) -> None: ...
    async def monthly_report(self, delivery: Delivery) -> None: ...


@dataclass
class Toy:
    """A platform with one review channel, `review`, and digest channels written `toy:<name>`."""

    sender: Sender | None
    members: set[str] = field(default_factory=lambda: {"chef"})
    name: str = "toy"
    label: str = "Legetøj"
    bare_channels: bool = False
    channel_syntax: str = "toy:<kanal>"
    public: bool = False

    def review_channel(self, store: Store) -> str | None:
        return "review"

    def channel(self, entry: str) -> str | None:
        prefix, _, name = entry.partition(":")
        return name if prefix == self.name and name else None

    def reachable(self, channel: str, store: Store) -> bool:
        return True

    def central_members(self) -> set[str]:
        return self.members


@pytest.fixture
def toy_core(make_settings: Any, clock: FakeClock) -> Any:
    made: list[Core] = []

    def build(sender: Sender, **settings: Any) -> Core:
        core = build_core(make_settings(**settings), clock=clock)
        core.add_platform(Toy(sender))  # the one call an edge makes
        made.append(core)
        return core

    yield build
    for core in made:
        core.close()


async def test_a_toy_platform_gets_the_whole_flow_through_the_contract(
    toy_core: Any, clock: FakeClock
) -> None:
    sender = ToySender()
    core = toy_core(sender, opslag_digest_channels=["toy:plan"])
    clock.now = MONDAY_0800.replace(day=19)  # the Thursday before week 48

    pid = core.workflow.submit(parse_intake(intake_data(planned_for="2026-11-24")), ANNA).id
    core.workflow.decide(pid, Decision.APPROVE, CHEF)  # the toy's member decides
    clock.now = MONDAY_0800
    posted = Scheduler(core).run_due()
    await core.outbox.run_once()

    assert posted == [Target("toy", "plan"), Target("toy", "review")]
    # Each lane in order: the review channel's, and the proposer's chat.
    assert [(s.kind, s.status) for s in sender.sent if s.kind != Kind.DIGEST
            and s.where == "review"] == [
        ("review_post", "pending"), ("review_update", "approved"), ("thread_reply", "approved"),
    ]
    assert [(s.kind, s.status) for s in sender.sent if s.where == "dm:anna"] == [
        ("recommendation", "pending"), ("decision_notice", "approved"),
    ]
    # The update and the thread line found the review message the post made.
    by_kind = {s.kind: s for s in sender.sent}
    post = next(row for row in core.store.outbox_rows() if row.kind == Kind.REVIEW_POST)
    assert by_kind["review_update"].thread == by_kind["thread_reply"].thread == f"m{post.id}"
    assert sorted(s.where for s in sender.sent if s.kind == Kind.DIGEST) == ["plan", "review"]
    assert len(sender.sent) == 7
    assert {row.status for row in core.store.outbox_rows()} == {"sent"}


async def test_a_refusal_is_told_to_the_central_team_naming_the_platform(
    toy_core: Any, clock: FakeClock
) -> None:
    sender = ToySender(refuse={"review_post"})
    core = toy_core(sender)
    core.workflow.submit(parse_intake(intake_data()), ANNA)
    await core.outbox.run_once()
    await core.outbox.run_once()

    (notice,) = [s for s in sender.sent if s.kind == Kind.UNDELIVERED]
    assert "kunne ikke leveres i Legetøj" in notice.where
    assert "Legetøj afviste beskeden" in notice.where


def test_a_sender_without_a_method_for_every_kind_is_refused_at_registration(
    make_settings: Any, clock: FakeClock
) -> None:
    core = build_core(make_settings(), clock=clock)
    try:
        with pytest.raises(PlatformError, match="mangler en metode for beskedtyperne "
                                                "digest, undelivered"):
            core.add_platform(Toy(NoDigest()))
        assert "toy" not in core.platforms
        assert core.outbox.platforms == set()  # nothing half-registered
    finally:
        core.close()


def test_a_platform_that_only_routes_needs_no_sender_and_gets_its_messages_stored(
    make_settings: Any, clock: FakeClock
) -> None:
    """The terminal registers the platforms without their senders: what it stores waits in
    the outbox for the server."""
    core = build_core(make_settings(), clock=clock, platforms=[Toy(sender=None)])
    try:
        core.workflow.submit(parse_intake(intake_data()), ANNA)
        assert {(row.platform, row.kind) for row in core.store.outbox_rows()} == {
            ("toy", "recommendation"), ("toy", "review_post")
        }
        assert core.outbox.platforms == set()
    finally:
        core.close()


def test_a_second_platform_of_the_same_name_or_for_bare_ids_is_refused(
    make_settings: Any, clock: FakeClock
) -> None:
    core = build_core(make_settings(), clock=clock, platforms=[Toy(ToySender())])
    try:
        with pytest.raises(PlatformError, match="unikt"):
            core.add_platform(Toy(ToySender()))
        core.add_platform(Toy(ToySender(), name="bare", bare_channels=True))
        with pytest.raises(PlatformError, match="uden platformens navn"):
            core.add_platform(Toy(ToySender(), name="other", bare_channels=True))
        assert core.platforms.target("C1") == Target("bare", "C1")
        assert core.platforms.target("toy:x") == Target("toy", "x")
        assert core.platforms.target("mail:x") is None
    finally:
        core.close()


@pytest.mark.parametrize(("headers", "seconds"), [
    ({"Retry-After": "12"}, 12.0),
    ({"retry-after": "3"}, 3.0),  # as slack_sdk hands the headers over
    ({"Retry-After": "-5"}, 0.0),
    ({"Retry-After": "inf"}, None),
    ({"Retry-After": "nan"}, None),
    ({"Retry-After": "1e300"}, 24 * 3600.0),  # longer than the outbox would wait for anything
    ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # a date gone by
    ({"Retry-After": "soon"}, None),
    ({}, None),
    (None, None),
])
def test_one_retry_after_reader_for_every_platform(
    headers: dict[str, str] | None, seconds: float | None
) -> None:
    assert retry_after(headers) == seconds


def test_a_retry_after_date_is_counted_from_now() -> None:
    date = {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}
    assert retry_after(date, now=lambda: 1445412480.0 - 90) == 90.0


def test_no_module_of_the_core_names_a_platform() -> None:
    """The entry points that name the edges live in opslag/, outside the core."""
    named = {
        path.name: sorted({m.lower() for m in re.findall(r"slack|teams", path.read_text(),
                                                         re.IGNORECASE)})
        for path in sorted(BOT.glob("*.py"))
    }
    assert {name: words for name, words in named.items() if words} == {}
