"""The outbox delivers every stored message once, in order per proposal, across failures and
restarts. The sender here is an in-process recorder; the platform tests do the same over HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.outbox import Delivery, Outbox, PermanentFailure, RetryLater
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

    async def __call__(self, delivery: Delivery) -> dict[str, Any]:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((delivery.row.kind, delivery.row.proposal_id))
        if delivery.row.kind == "review_post":
            return {"ts": f"ts-{delivery.row.proposal_id}"}
        return {"replied_to": (delivery.earlier_result("review_post") or {}).get("ts")}


def make(db_path: Path, clock: FakeClock, recorder: Recorder) -> tuple[Workflow, Outbox]:
    store = Store(db_path)
    outbox = Outbox(store, clock=clock)
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
    # The first message hit the limit; the second went out. The first waits its 30 seconds.
    assert recorder.sent == [("review_post", 1)]
    clock.advance(seconds=29)
    assert await outbox.run_once() == 0
    clock.advance(seconds=1)
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


async def test_permanent_failure_is_not_retried(db_path: Path, clock: FakeClock) -> None:
    recorder = Recorder()
    recorder.failures = [PermanentFailure("channel_not_found")]
    workflow, outbox = make(db_path, clock, recorder)
    workflow.submit(parse_intake(intake_data()), ANNA)
    await outbox.run_once()
    clock.advance(hours=1)
    await outbox.run_once()
    failed = workflow.store.outbox_rows(status="failed")
    assert [row.last_error for row in failed] == ["channel_not_found"]


@pytest.mark.parametrize("attempts, expected", [(0, 2.0), (3, 16.0), (20, 600.0)])
def test_backoff_grows_and_is_capped(attempts: int, expected: float) -> None:
    from bot.outbox import backoff_seconds

    assert backoff_seconds(attempts) == expected
