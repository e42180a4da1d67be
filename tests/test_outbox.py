"""The outbox delivers every stored message once, in order per proposal, across failures and
restarts; a rate limit uses up no attempt, a message is given up only for good reason (and the
central team is told), and a lane waits behind a given-up message until it is resolved. The
sender here is an in-process recorder; the platform tests do the same over HTTP."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest

from bot.outbox import (
    GIVE_UP_AFTER,
    UNDELIVERED,
    Delivery,
    Outbox,
    Pacer,
    PermanentFailure,
    RetryLater,
)
from bot.proposal import Actor, Decision
from bot.store import Store
from bot.workflow import CentralRoster, Workflow
from policy import parse_intake
from tests.conftest import FakeClock, intake_data

ANNA = Actor(platform="fake", user_id="anna", name="Anna")
CHEF = Actor(platform="fake", user_id="chef", name="Chef")


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, int | None]] = []
        self.failures: list[Exception] = []
        self.notices: list[dict[str, Any]] = []
        # kind -> what every delivery of that kind raises, until removed
        self.refuse: dict[str, Exception] = {}

    async def __call__(self, delivery: Delivery) -> dict[str, Any]:
        if delivery.row.kind in self.refuse:
            raise self.refuse[delivery.row.kind]
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((delivery.row.kind, delivery.row.proposal_id))
        if delivery.row.kind == UNDELIVERED:
            self.notices.append(delivery.payload)
        if delivery.row.kind == "review_post":
            return {"ts": f"ts-{delivery.row.proposal_id}"}
        return {"replied_to": (await delivery.earlier_result("review_post") or {}).get("ts")}


def make(db_path: Path, clock: FakeClock, recorder: Recorder) -> tuple[Workflow, Outbox]:
    store = Store(db_path)
    outbox = Outbox(store, clock=clock, rng=random.Random(15))
    outbox.register("fake", recorder)
    roster = CentralRoster(members={"fake": {"chef"}})
    workflow = Workflow(
        store, roster, review_platforms=lambda: ["fake"], delivery_platforms=["fake"],
        clock=clock, on_enqueue=outbox.notify,
    )
    return workflow, outbox


async def test_submit_and_decide_deliver_each_message_once_in_order(
    db_path: Path, clock: FakeClock
) -> None:
    recorder = Recorder()
    workflow, outbox = make(db_path, clock, recorder)
    pid = workflow.submit(parse_intake(intake_data()), ANNA).id
    workflow.decide(pid, Decision.APPROVE, CHEF)
    assert await outbox.run_once() == 5
    assert await outbox.run_once() == 0
    kinds = [kind for kind, _ in recorder.sent]
    assert sorted(kinds) == sorted(
        ["recommendation", "review_post", "review_update", "thread_reply", "decision_notice"]
    )
    # Within the review thread and within the proposer's chat, order is kept.
    assert kinds.index("review_post") < kinds.index("review_update") < kinds.index("thread_reply")
    assert kinds.index("recommendation") < kinds.index("decision_notice")
    rows = {row.kind: row for row in workflow.store.outbox_rows()}
    assert rows["thread_reply"].result == {"replied_to": f"ts-{pid}"}


async def test_rate_limit_waits_for_retry_after_then_delivers(
    db_path: Path, clock: FakeClock
) -> None:
    recorder = Recorder()
    recorder.failures = [RetryLater("429", after_seconds=30)]
    workflow, outbox = make(db_path, clock, recorder)
    workflow.submit(parse_intake(intake_data()), ANNA)
    await outbox.run_once()
    # The first message hit the limit; the second went out. The first waits its 30 seconds and
    # a random part of 15 more.
    assert recorder.sent == [("review_post", 1)]
    row = workflow.store.outbox_rows(status="pending")[0]
    wait = (row.next_attempt_at - clock()).total_seconds()
    assert 30 <= wait <= 45
    clock.advance(seconds=wait - 0.001)
    assert await outbox.run_once() == 0
    clock.advance(seconds=0.001)
    assert await outbox.run_once() == 1
    assert recorder.sent[-1] == ("recommendation", 1)


async def test_an_update_never_overtakes_its_post(db_path: Path, clock: FakeClock) -> None:
    recorder = Recorder()
    workflow, outbox = make(db_path, clock, recorder)
    pid = workflow.submit(parse_intake(intake_data()), ANNA).id
    workflow.decide(pid, Decision.APPROVE, CHEF)
    recorder.failures = [ConnectionError("nede"), ConnectionError("nede")]
    await outbox.run_once()
    assert ("review_update", pid) not in recorder.sent
    clock.advance(minutes=10)
    await outbox.run_once()
    kinds = [kind for kind, _ in recorder.sent]
    assert kinds.index("review_post") < kinds.index("review_update") < kinds.index("thread_reply")


async def test_a_restart_delivers_what_was_pending_once(db_path: Path, clock: FakeClock) -> None:
    first = Recorder()
    first.failures = [ConnectionError("nede")] * 2
    workflow, outbox = make(db_path, clock, first)
    workflow.submit(parse_intake(intake_data()), ANNA)
    await outbox.run_once()
    assert first.sent == []
    workflow.store.close()

    clock.advance(minutes=5)
    second = Recorder()
    workflow, outbox = make(db_path, clock, second)
    assert await outbox.run_once() == 2
    assert sorted(second.sent) == [("recommendation", 1), ("review_post", 1)]


async def test_two_workers_on_one_database_send_each_message_once(
    db_path: Path, clock: FakeClock
) -> None:
    recorder = Recorder()
    workflow, outbox_a = make(db_path, clock, recorder)
    _, outbox_b = make(db_path, clock, recorder)
    for _ in range(20):
        workflow.submit(parse_intake(intake_data()), ANNA)
    await asyncio.gather(outbox_a.run_once(), outbox_b.run_once())
    assert len(recorder.sent) == 40
    assert len(set(recorder.sent)) == 40


async def test_permanent_failure_is_not_retried_and_the_central_team_is_told(
    db_path: Path, clock: FakeClock
) -> None:
    recorder = Recorder()
    recorder.refuse["review_post"] = PermanentFailure("Slack: channel_not_found",
                                                      "Slack kender ikke kanalen.")
    workflow, outbox = make(db_path, clock, recorder)
    workflow.submit(parse_intake(intake_data(title="Træer i Grenaa")), ANNA)
    await outbox.run_once()
    del recorder.refuse["review_post"]
    clock.advance(hours=1)
    await outbox.run_once()
    failed = workflow.store.outbox_rows(status="failed")
    assert [(row.kind, row.attempts, row.last_error) for row in failed] == [
        ("review_post", 1, "Slack: channel_not_found")]
    (notice,) = recorder.notices
    assert notice["title"] == "⚠️ En besked fra Opslag kunne ikke leveres"
    assert notice["lines"] == [
        "Forslaget i godkendelseskanalen for forslag nr. 1 «Træer i Grenaa» kunne ikke "
        "leveres i fake.",
        "Årsag: Slack kender ikke kanalen.",
        "De senere beskeder om forslaget samme sted venter, til driften har sendt denne igen "
        f"eller frigivet den (besked nr. {failed[0].id} i udbakken).",
    ]


async def test_a_rate_limit_never_uses_up_an_attempt(db_path: Path, clock: FakeClock) -> None:
    recorder = Recorder()
    recorder.refuse["review_post"] = RetryLater("429", after_seconds=1, rate_limited=True)
    workflow, outbox = make(db_path, clock, recorder)
    workflow.submit(parse_intake(intake_data()), ANNA)
    store = workflow.store
    for _ in range(100):  # far more refusals than any count of attempts would allow
        await outbox.run_once()
        clock.advance(seconds=2)
    assert [(r.kind, r.status, r.attempts) for r in store.outbox_rows(status="pending")] == [
        ("review_post", "pending", 0)]
    del recorder.refuse["review_post"]
    await outbox.run_once()
    assert {(r.kind, r.status, r.attempts) for r in store.outbox_rows()} == {
        ("review_post", "sent", 1), ("recommendation", "sent", 1)}


async def test_retries_refused_together_come_back_spread_out_the_same_way_for_a_seed(
    db_path: Path, clock: FakeClock
) -> None:
    recorder = Recorder()
    recorder.refuse["review_post"] = RetryLater("429", after_seconds=1, rate_limited=True)
    workflow, outbox = make(db_path, clock, recorder)
    for _ in range(20):
        workflow.submit(parse_intake(intake_data()), ANNA)
    await outbox.run_once()
    waits = [(row.next_attempt_at - clock()).total_seconds()
             for row in workflow.store.outbox_rows(status="pending")]
    assert len(waits) == 20 and all(1 <= wait <= 1.5 for wait in waits)
    assert len(set(waits)) == 20  # not in lockstep
    seeded = random.Random(15)
    assert waits == [pytest.approx(1 + seeded.uniform(0, 0.5), abs=1e-6) for _ in waits]


async def test_a_message_is_given_up_only_after_the_time_limit(
    db_path: Path, clock: FakeClock
) -> None:
    recorder = Recorder()
    recorder.refuse["review_post"] = ConnectionError("nede")
    workflow, outbox = make(db_path, clock, recorder)
    workflow.submit(parse_intake(intake_data()), ANNA)
    store = workflow.store
    created = clock()
    while clock() - created < GIVE_UP_AFTER:
        await outbox.run_once()
        (row,) = store.outbox_rows(status="pending")
        assert recorder.notices == []
        clock.now = max(clock(), row.next_attempt_at)
    await outbox.run_once()
    (failed,) = store.outbox_rows(status="failed")
    assert failed.kind == "review_post" and failed.attempts > 100
    (notice,) = recorder.notices
    assert notice["lines"][1] == (
        "Årsag: fake har ikke taget imod beskeden i 24 timer (sidste svar: ConnectionError: "
        "nede).")


async def test_a_lane_waits_behind_a_given_up_message_until_it_is_sent_again(
    db_path: Path, clock: FakeClock
) -> None:
    recorder = Recorder()
    recorder.refuse["review_post"] = PermanentFailure("channel_not_found")
    workflow, outbox = make(db_path, clock, recorder)
    pid = workflow.submit(parse_intake(intake_data()), ANNA).id
    await outbox.run_once()
    workflow.decide(pid, Decision.APPROVE, CHEF)
    clock.advance(hours=30)
    await outbox.run_once()
    review_lane = [kind for kind, _ in recorder.sent if kind.startswith(("review", "thread"))]
    assert review_lane == []  # the update and the reply wait for the post
    assert ("decision_notice", pid) in recorder.sent  # another lane goes on

    del recorder.refuse["review_post"]
    (failed,) = workflow.store.outbox_rows(status="failed")
    resolved_at = clock()
    assert outbox.retry_failed(failed.id)
    assert not outbox.retry_failed(failed.id)  # pending now, not given up
    # The update waited 30 hours behind the post; its time limit starts again now, so a
    # passing failure is retried, not given up.
    recorder.refuse["review_update"] = ConnectionError("nede")
    await outbox.run_once()
    assert workflow.store.outbox_rows(status="failed") == []
    assert len(recorder.notices) == 1
    del recorder.refuse["review_update"]
    clock.advance(minutes=1)
    await outbox.run_once()
    review_lane = [kind for kind, _ in recorder.sent if kind.startswith(("review", "thread"))]
    assert review_lane == ["review_post", "review_update", "thread_reply"]
    rows = {row.kind: row for row in workflow.store.outbox_rows()}
    assert rows["thread_reply"].result == {"replied_to": f"ts-{pid}"}
    assert rows["review_post"].retried_at == rows["thread_reply"].retried_at == resolved_at


async def test_a_released_message_lets_its_lane_go_on_without_it(
    db_path: Path, clock: FakeClock
) -> None:
    recorder = Recorder()
    recorder.refuse["review_post"] = PermanentFailure("channel_not_found")
    workflow, outbox = make(db_path, clock, recorder)
    pid = workflow.submit(parse_intake(intake_data()), ANNA).id
    workflow.decide(pid, Decision.APPROVE, CHEF)
    await outbox.run_once()
    (failed,) = workflow.store.outbox_rows(status="failed")

    assert outbox.release_failed(failed.id)
    await outbox.run_once()
    assert [k for k, _ in recorder.sent if k.startswith(("review", "thread"))] == [
        "review_update", "thread_reply"]
    assert workflow.store.outbox_rows(status="released") != []


async def test_a_notice_that_cannot_be_delivered_is_not_the_subject_of_another(
    db_path: Path, clock: FakeClock
) -> None:
    recorder = Recorder()
    recorder.refuse["review_post"] = PermanentFailure("channel_not_found")
    recorder.refuse[UNDELIVERED] = PermanentFailure("channel_not_found")
    workflow, outbox = make(db_path, clock, recorder)
    workflow.submit(parse_intake(intake_data()), ANNA)
    await outbox.run_once()
    clock.advance(days=2)
    await outbox.run_once()
    failed = [row.kind for row in workflow.store.outbox_rows(status="failed")]
    assert failed == ["review_post", UNDELIVERED]
    assert workflow.store.outbox_rows(status="pending") == []


async def test_the_pacer_keeps_the_order_of_asking_and_the_rate() -> None:
    pacer = Pacer(rate=200, burst=3)
    loop = asyncio.get_running_loop()
    sent: list[tuple[int, float]] = []

    async def send(number: int) -> None:
        async with pacer.turn("C1"):
            sent.append((number, loop.time()))

    started = loop.time()
    await asyncio.gather(*(send(n) for n in range(13)))
    assert [number for number, _ in sent] == list(range(13))
    # 3 at once, then one every 5 ms: the 13th no earlier than 50 ms after the first.
    assert sent[-1][1] - started >= 10 / 200 - 0.002


async def test_the_pacer_puts_back_a_message_whose_turn_is_far_off() -> None:
    now = 100.0
    pacer = Pacer(rate=1, burst=1, max_wait=0.5, now=lambda: now)
    async with pacer.turn("C1"):
        pass
    async with pacer.turn("D1"):  # another channel has its own pace
        pass
    with pytest.raises(RetryLater) as refused:
        async with pacer.turn("C1"):
            pass
    assert refused.value.rate_limited and refused.value.after_seconds == pytest.approx(1.0)


@pytest.mark.parametrize("attempts, expected", [(0, 2.0), (3, 16.0), (20, 600.0)])
def test_backoff_grows_and_is_capped(attempts: int, expected: float) -> None:
    from bot.outbox import backoff_seconds

    assert backoff_seconds(attempts) == expected
