"""The week's overview reads a bounded number of proposals, however many are waiting: the week's
approved ones, and of the pending and the undated approved ones only the few it lists; the rest
it counts ("… og N mere"), and its numbers are those of a digest built from every row."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import pytest

from bot import digest, schedule, store
from bot.core import Core
from bot.digest import MAX_LISTED, Digest, more_text
from bot.proposal import Actor, Decision, Proposal, Status
from handlers.console_digest import render_digest
from handlers.slack.digest_render import blocks_of
from handlers.teams.digest_render import card_of
from policy import parse_intake, recommend
from tests.conftest import FakeClock, intake_data
from tests.test_digest_support import CHEF, MONDAY_0800, WEEK_48

PENDING = 40
TRAY = 20
THEMES = ("klima_miljoe", "bosaetning", "erhverv_job")


def stored_proposal(at: dt.datetime, number: int, **overrides: Any) -> Proposal:
    """A proposal as the workflow stores a submission (without its history or messages)."""
    intake = parse_intake(intake_data(title=f"Forslag {number}", **overrides))
    recommendation = recommend(intake)
    return Proposal(
        id=0, created_at=at, updated_at=at, source="console",
        proposer=Actor(platform="console", user_id=f"u{number}", name=f"Bruger {number}"),
        intake=intake, recommendation=recommendation,
        policy_version=recommendation.policy_version, status=Status.PENDING,
    )


def seed_waiting(core: Core, start: dt.datetime, pending: int, tray: int) -> list[int]:
    """`pending` proposals waiting for a decision, planned in week 48 with three themes in
    turn, one a minute from `start`; then `tray` approved ones without a date. Returns the
    pending ones' ids, oldest first."""
    ids = []
    with core.store.transaction():
        for number in range(pending):
            at = start + dt.timedelta(minutes=number)
            proposal = stored_proposal(at, number, theme=THEMES[number % len(THEMES)],
                                       planned_for="2026-11-26")
            ids.append(core.store.insert_proposal(proposal))
    for number in range(tray):
        at = start + dt.timedelta(hours=1, minutes=number)
        proposal_id = core.store.insert_proposal(
            stored_proposal(at, pending + number, planned_for=None))
        core.workflow.decide(proposal_id, Decision.APPROVE, CHEF)
    return ids


def count_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the proposals read from the store from now on (each one parsed)."""
    loaded: list[int] = []
    parse = store._proposal_from_row

    def counting(row: dict[str, Any], history: Any) -> Proposal:
        loaded.append(int(row["id"]))
        return parse(row, history)

    monkeypatch.setattr(store, "_proposal_from_row", counting)
    return loaded


def texts(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_the_digest_reads_only_what_it_lists_and_counts_the_rest(
    core: Core, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    pending = seed_waiting(core, dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), PENDING, TRAY)
    clock.now = MONDAY_0800
    loaded = count_loads(monkeypatch)

    built = schedule.load_digest(core, WEEK_48)

    assert len(loaded) == 2 * MAX_LISTED  # the listed pending and tray items, nothing more
    assert [item.id for item in built.pending] == pending[:MAX_LISTED]  # oldest first
    assert (built.pending_more, built.tray_more) == (PENDING - MAX_LISTED, TRAY - MAX_LISTED)
    # Exactly the digest built from every row: counts and coverage included.
    everything = core.store.list_proposals()
    settings = core.settings
    assert built == digest.build(everything, WEEK_48, clock(), settings.opslag_review_sla_hours,
                                 schedule.timezone(settings))


def test_every_surface_says_how_many_more_are_waiting(core: Core, clock: FakeClock) -> None:
    seed_waiting(core, dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), PENDING, TRAY)
    clock.now = MONDAY_0800
    built: Digest = schedule.load_digest(core, WEEK_48)
    pending_more = more_text(PENDING - MAX_LISTED)  # "… og 25 mere"
    tray_more = more_text(TRAY - MAX_LISTED)
    surfaces: Iterable[str] = (texts(blocks_of(built)), texts(card_of(built)),
                               render_digest(built))
    for rendered in surfaces:
        assert pending_more in rendered and tray_more in rendered
