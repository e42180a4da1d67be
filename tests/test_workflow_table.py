"""Who may do what to a proposal in which status, as tables: status × action × actor.

Every cell is one case. A change stores the new status, one history row and the messages it
causes; anything else (a repeat, or a refusal with its Danish reason) stores nothing at all.
The tables are written out by hand, not derived from the code they check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.proposal import Actor, Decision, Proposal, Status
from bot.store import Store
from bot.workflow import (
    CentralRoster,
    DecisionOutcome,
    InvalidState,
    NotAllowed,
    Outdated,
    OwnProposal,
    Workflow,
    WorkflowError,
)
from policy import parse_intake
from tests.conftest import FakeClock, intake_data

PROPOSER = Actor(platform="console", user_id="anna", name="Anna Jensen")
CENTRAL = Actor(platform="console", user_id="chef", name="Chef Hansen")
# Another member of the central team: decides on what `CENTRAL` proposed.
COLLEAGUE = Actor(platform="console", user_id="kollega", name="Kirsten Kollega")
ACTORS = {
    "proposer": PROPOSER,
    "central": CENTRAL,
    "outsider": Actor(platform="console", user_id="ole", name="Ole Udenfor"),
    # Ids are per platform: the same id on another platform is another person.
    "central-id-elsewhere": Actor(platform="slack", user_id="chef", name="Chef Hansen"),
    "proposer-id-elsewhere": Actor(platform="slack", user_id="anna", name="Anna Jensen"),
}
NOTE = "Begrundelse for beslutningen"
EDITED = "Kom og plant træer i Grenaa på lørdag."

# What may come of an action. A status: it changes to that status. The rest store nothing.
UNCHANGED = "unchanged"  # accepted, but it was so already (a second click)
NOT_ALLOWED = "not-allowed"  # this actor may never do this
CLOSED = "closed"  # the proposal is decided or withdrawn
NOT_NOW = "not-now"  # only after a request for changes
OUTDATED = "outdated"  # decided on a revision the proposer has since replaced
OWN = "own-proposal"  # four eyes: nobody decides their own proposal
Outcome = Status | str

PENDING, CHANGES, APPROVED, REJECTED, WITHDRAWN = (
    Status.PENDING, Status.CHANGES_REQUESTED, Status.APPROVED, Status.REJECTED, Status.WITHDRAWN
)
PUBLISHED, TAKEN_DOWN = Status.PUBLISHED, Status.TAKEN_DOWN
NOT_APPROVED = "not-approved"  # only an approved proposal can be marked published
NOTHING_OUT = "nothing-to-take-down"  # neither approved nor published

# A member of the central team deciding on the revision they saw.
#                  approve      request_changes  reject
BY_CENTRAL: dict[Status, tuple[Outcome, Outcome, Outcome]] = {
    PENDING:      (APPROVED,    CHANGES,         REJECTED),
    CHANGES:      (APPROVED,    UNCHANGED,       REJECTED),
    APPROVED:     (UNCHANGED,   CLOSED,          CLOSED),
    REJECTED:     (CLOSED,      CLOSED,          UNCHANGED),
    WITHDRAWN:    (CLOSED,      CLOSED,          CLOSED),
    PUBLISHED:    (CLOSED,      CLOSED,          CLOSED),
    TAKEN_DOWN:   (CLOSED,      CLOSED,          CLOSED),
}
# The same, on the revision before the current one (the proposal is at revision 2).
#                           approve      request_changes  reject
ON_AN_OUTDATED_REVISION: dict[Status, tuple[Outcome, Outcome, Outcome]] = {
    PENDING:      (OUTDATED,    OUTDATED,        OUTDATED),
    CHANGES:      (OUTDATED,    UNCHANGED,       OUTDATED),
    APPROVED:     (UNCHANGED,   CLOSED,          CLOSED),
    REJECTED:     (CLOSED,      CLOSED,          UNCHANGED),
    WITHDRAWN:    (CLOSED,      CLOSED,          CLOSED),
    PUBLISHED:    (CLOSED,      CLOSED,          CLOSED),
    TAKEN_DOWN:   (CLOSED,      CLOSED,          CLOSED),
}
# A member of the central team deciding on their own proposal (four eyes): refused where a
# colleague's decision would change it; a repeat or a closed proposal answers as above.
#                  approve      request_changes  reject
BY_ONESELF: dict[Status, tuple[Outcome, Outcome, Outcome]] = {
    PENDING:      (OWN,         OWN,             OWN),
    CHANGES:      (OWN,         UNCHANGED,       OWN),
    APPROVED:     (UNCHANGED,   CLOSED,          CLOSED),
    REJECTED:     (CLOSED,      CLOSED,          UNCHANGED),
    WITHDRAWN:    (CLOSED,      CLOSED,          CLOSED),
    PUBLISHED:    (CLOSED,      CLOSED,          CLOSED),
    TAKEN_DOWN:   (CLOSED,      CLOSED,          CLOSED),
}
# The same with OPSLAG_ALLOW_SELF_APPROVAL (a one-person team): as any member of the central
# team, and each decision is recorded as their own.
#                  approve      request_changes  reject
BY_ONESELF_ALLOWED: dict[Status, tuple[Outcome, Outcome, Outcome]] = {
    PENDING:      (APPROVED,    CHANGES,         REJECTED),
    CHANGES:      (APPROVED,    UNCHANGED,       REJECTED),
    APPROVED:     (UNCHANGED,   CLOSED,          CLOSED),
    REJECTED:     (CLOSED,      CLOSED,          UNCHANGED),
    WITHDRAWN:    (CLOSED,      CLOSED,          CLOSED),
    PUBLISHED:    (CLOSED,      CLOSED,          CLOSED),
    TAKEN_DOWN:   (CLOSED,      CLOSED,          CLOSED),
}
# The proposer's own actions.
#                  withdraw     resubmit
BY_PROPOSER: dict[Status, tuple[Outcome, Outcome]] = {
    PENDING:      (WITHDRAWN,   NOT_NOW),
    CHANGES:      (WITHDRAWN,   PENDING),
    APPROVED:     (CLOSED,      NOT_NOW),
    REJECTED:     (CLOSED,      NOT_NOW),
    WITHDRAWN:    (UNCHANGED,   NOT_NOW),
    PUBLISHED:    (CLOSED,      NOT_NOW),
    TAKEN_DOWN:   (CLOSED,      NOT_NOW),
}
# From approved to published (issue 12 §6): the central team (who approved it) marks it
# published or takes it down; the proposer may ask for it to be taken down, not publish it.
#                  publish      take_down        (by the central team)
BY_PUBLISHER: dict[Status, tuple[Outcome, Outcome]] = {
    PENDING:      (NOT_APPROVED, NOTHING_OUT),
    CHANGES:      (NOT_APPROVED, NOTHING_OUT),
    APPROVED:     (PUBLISHED,    TAKEN_DOWN),
    REJECTED:     (CLOSED,       NOTHING_OUT),
    WITHDRAWN:    (CLOSED,       NOTHING_OUT),
    PUBLISHED:    (UNCHANGED,    TAKEN_DOWN),
    TAKEN_DOWN:   (CLOSED,       UNCHANGED),
}
#                  publish      take_down        (by the proposer)
BY_PROPOSER_AFTER: dict[Status, tuple[Outcome, Outcome]] = {
    PENDING:      (NOT_ALLOWED,  NOTHING_OUT),
    CHANGES:      (NOT_ALLOWED,  NOTHING_OUT),
    APPROVED:     (NOT_ALLOWED,  TAKEN_DOWN),
    REJECTED:     (NOT_ALLOWED,  NOTHING_OUT),
    WITHDRAWN:    (NOT_ALLOWED,  NOTHING_OUT),
    PUBLISHED:    (NOT_ALLOWED,  TAKEN_DOWN),
    TAKEN_DOWN:   (NOT_ALLOWED,  UNCHANGED),
}
DECISIONS = ("approve", "request_changes", "reject")
PROPOSER_ACTIONS = ("withdraw", "resubmit")
PUBLISH_ACTIONS = ("publish", "take_down")
LINKS = {"facebook": "https://www.facebook.com/norddjurs/posts/1"}

# The history row each change writes, and the Danish reason each refusal gives.
EVENTS = {"approve": "approved", "request_changes": "changes_requested", "reject": "rejected",
          "withdraw": "withdrawn", "resubmit": "resubmitted", "publish": "published",
          "take_down": "taken_down"}
REFUSALS: dict[str, tuple[type[WorkflowError], str]] = {
    NOT_ALLOWED: (NotAllowed, r"^Kun (den|forslagsstilleren)"),
    CLOSED: (InvalidState,
             r"^Forslag nr\. \d+ er allerede (godkendt|afvist|trukket tilbage|udgivet|taget ned)"),
    NOT_NOW: (InvalidState, r"^Forslaget kan kun rettes, når der er bedt om ændringer\.$"),
    OUTDATED: (Outdated, r"^Forslaget er blevet rettet, siden du så det \(nu version 2\)"),
    OWN: (OwnProposal, r"^Du kan ikke selv tage stilling til dit eget forslag"),
    NOT_APPROVED: (InvalidState, r"^Forslaget skal være godkendt, før det kan markeres"),
    NOTHING_OUT: (InvalidState, r"^Forslaget er ikke godkendt eller udgivet, så der er intet"),
}


def expected(status: Status, action: str, actor: str) -> Outcome:
    if action in PUBLISH_ACTIONS:
        table = {"central": BY_PUBLISHER, "proposer": BY_PROPOSER_AFTER}.get(actor)
        return table[status][PUBLISH_ACTIONS.index(action)] if table else NOT_ALLOWED
    if action in DECISIONS:
        return BY_CENTRAL[status][DECISIONS.index(action)] if actor == "central" else NOT_ALLOWED
    return BY_PROPOSER[status][PROPOSER_ACTIONS.index(action)] if actor == "proposer" \
        else NOT_ALLOWED


def label(outcome: Outcome) -> str:
    return f"becomes-{outcome}" if isinstance(outcome, Status) else outcome


TABLE = [
    pytest.param(status, action, actor, expected(status, action, actor),
                 id=f"{status}-{action}-by-{actor}-{label(expected(status, action, actor))}")
    for status in Status
    for action in (*DECISIONS, *PROPOSER_ACTIONS, *PUBLISH_ACTIONS)
    for actor in ACTORS
]
ONESELF_TABLE = [
    pytest.param(status, action, allowed, table[status][index],
                 id=f"{status}-{action}-{'allowed' if allowed else 'four-eyes'}-"
                    f"{label(table[status][index])}")
    for allowed, table in ((False, BY_ONESELF), (True, BY_ONESELF_ALLOWED))
    for status in Status
    for index, action in enumerate(DECISIONS)
]
OUTDATED_TABLE = [
    pytest.param(status, action, ON_AN_OUTDATED_REVISION[status][index],
                 id=f"{status}-{action}-on-revision-1-{label(ON_AN_OUTDATED_REVISION[status][index])}")
    for status in Status
    for index, action in enumerate(DECISIONS)
]


# -- the proposal in each status ----------------------------------------------------------------


@pytest.fixture
def workflow(db_path: Path, clock: FakeClock) -> Iterator[Workflow]:
    """A workflow with a review channel and a proposer to tell, so every change queues
    messages (and a refusal visibly queues none)."""
    store = Store(db_path)
    roster = CentralRoster(members={"console": {"chef", "kollega"}})
    yield Workflow(store, roster, review_platforms=lambda: ["console"],
                   delivery_platforms=["console"], clock=clock)
    store.close()


def reach(workflow: Workflow, status: Status, *, revision: int = 1,
          proposer: Actor = PROPOSER, decider: Actor = CENTRAL) -> Proposal:
    """A proposal by `proposer` in `status` (decided by `decider`), at `revision` (the proposer
    resubmitted `revision - 1` times)."""
    pid = workflow.submit(parse_intake(intake_data(text="Udgave 1.")), proposer).id
    for number in range(2, revision + 1):
        workflow.decide(pid, Decision.REQUEST_CHANGES, decider, "Ret det", revision=number - 1)
        workflow.resubmit(pid, parse_intake(intake_data(text=f"Udgave {number}.")), proposer)
    steps: dict[Status, Callable[[], object]] = {
        PENDING: lambda: None,
        CHANGES: lambda: workflow.decide(pid, Decision.REQUEST_CHANGES, decider, "Ret det"),
        APPROVED: lambda: workflow.decide(pid, Decision.APPROVE, decider),
        REJECTED: lambda: workflow.decide(pid, Decision.REJECT, decider, "Nej tak"),
        WITHDRAWN: lambda: workflow.withdraw(pid, proposer),
        PUBLISHED: lambda: (workflow.decide(pid, Decision.APPROVE, decider),
                            workflow.publish(pid, decider, LINKS)),
        TAKEN_DOWN: lambda: (workflow.decide(pid, Decision.APPROVE, decider),
                             workflow.publish(pid, decider, LINKS),
                             workflow.take_down(pid, proposer, "Samtykket er trukket tilbage")),
    }
    steps[status]()
    proposal = workflow.get(pid)
    assert (proposal.status, proposal.revision) == (status, revision)
    return proposal


def act(workflow: Workflow, action: str, proposal: Proposal, actor: Actor,
        revision: int | None = None) -> Proposal | DecisionOutcome:
    seen = proposal.revision if revision is None else revision
    if action in DECISIONS:
        return workflow.decide(proposal.id, Decision(action), actor, NOTE, revision=seen)
    if action == "withdraw":
        return workflow.withdraw(proposal.id, actor, NOTE)
    if action == "publish":
        return workflow.publish(proposal.id, actor, LINKS)
    if action == "take_down":
        return workflow.take_down(proposal.id, actor, NOTE)
    return workflow.resubmit(proposal.id, parse_intake(intake_data(text=EDITED)), actor)


# -- the checks ---------------------------------------------------------------------------------


def stored(workflow: Workflow, proposal_id: int) -> tuple[dict[str, Any], int]:
    """Everything stored about a proposal: the proposal with its history, and its messages."""
    queued = [row for row in workflow.store.outbox_rows() if row.proposal_id == proposal_id]
    return workflow.get(proposal_id).model_dump(), len(queued)


def check(workflow: Workflow, proposal: Proposal, action: str, actor: Actor, outcome: Outcome,
          clock: FakeClock, *, revision: int | None = None) -> None:
    before = stored(workflow, proposal.id)
    clock.advance(minutes=5)  # a change is dated now, not when the proposal was made
    if outcome in REFUSALS:
        error, message = REFUSALS[str(outcome)]
        with pytest.raises(error, match=message) as refused:
            act(workflow, action, proposal, actor, revision)
        # An outdated revision is its own refusal; a closed proposal never claims to be one.
        assert isinstance(refused.value, Outdated) == (outcome == OUTDATED)
        assert stored(workflow, proposal.id) == before, "a refusal stored something"
        return
    result = act(workflow, action, proposal, actor, revision)
    if isinstance(result, DecisionOutcome):
        assert result.changed == (outcome != UNCHANGED)
    if outcome == UNCHANGED:
        assert stored(workflow, proposal.id) == before, "a repeat stored something"
        return
    changed = workflow.get(proposal.id)
    assert changed.status is outcome
    assert changed.updated_at == clock.now
    new_rows = changed.history[len(proposal.history):]
    assert [(row.event, row.actor_platform, row.actor_id) for row in new_rows] == [
        (EVENTS[action], actor.platform, actor.user_id)
    ]
    assert new_rows[0].at == clock.now
    assert new_rows[0].note == (None if action in ("resubmit", "publish") else NOTE)
    assert stored(workflow, proposal.id)[1] > before[1], "a change queued no message"
    if action in DECISIONS:
        assert (changed.decision, changed.decided_by, changed.decision_note) == (
            Decision(action), actor, NOTE)
        assert new_rows[0].revision == proposal.revision
        # A decision on one's own proposal (only where it is allowed) is recorded as such.
        own = workflow.is_proposer(proposal, actor)
        assert changed.self_decided is own
        assert new_rows[0].details == ({"self_decided": True} if own else {})
    if action == "publish":
        assert changed.publication is not None and changed.publication.by == actor
        assert changed.publication.links == LINKS == new_rows[0].details["links"]
    if action == "take_down":
        assert changed.takedown is not None
        assert (changed.takedown.by, changed.takedown.reason) == (actor, NOTE)
        assert new_rows[0].details["links"] == (LINKS if status_was(proposal) else {})
    if action == "resubmit":
        assert changed.revision == proposal.revision + 1 == new_rows[0].revision
        assert changed.intake.text == EDITED and changed.decision is None
        assert new_rows[0].snapshot is not None
        assert new_rows[0].snapshot["intake"]["text"] == EDITED


def status_was(proposal: Proposal) -> bool:
    """Whether the proposal had been published before this action."""
    return proposal.status is PUBLISHED


@pytest.mark.parametrize("status, action, actor, outcome", TABLE)
def test_status_action_actor(workflow: Workflow, clock: FakeClock, status: Status, action: str,
                             actor: str, outcome: Outcome) -> None:
    check(workflow, reach(workflow, status), action, ACTORS[actor], outcome, clock)


@pytest.mark.parametrize("status, action, allowed, outcome", ONESELF_TABLE)
def test_a_decision_on_ones_own_proposal(workflow: Workflow, clock: FakeClock, status: Status,
                                         action: str, allowed: bool, outcome: Outcome) -> None:
    """Four eyes: a member of the central team who proposed it decides nothing on it, unless
    OPSLAG_ALLOW_SELF_APPROVAL says a one-person team may."""
    proposal = reach(workflow, status, proposer=CENTRAL, decider=COLLEAGUE)
    workflow.allow_self_approval = allowed
    check(workflow, proposal, action, CENTRAL, outcome, clock)


@pytest.mark.parametrize("status, action, outcome", OUTDATED_TABLE)
def test_a_decision_on_an_outdated_revision(workflow: Workflow, clock: FakeClock,
                                            status: Status, action: str,
                                            outcome: Outcome) -> None:
    proposal = reach(workflow, status, revision=2)
    check(workflow, proposal, action, CENTRAL, outcome, clock, revision=1)


@pytest.mark.parametrize("status, action, outcome", [
    pytest.param(status, action, BY_CENTRAL[status][index],
                 id=f"{status}-{action}-{label(BY_CENTRAL[status][index])}")
    for status in Status for index, action in enumerate(DECISIONS)
])
def test_can_decide_offers_exactly_the_changes(workflow: Workflow, status: Status, action: str,
                                               outcome: Outcome) -> None:
    """What the surfaces ask before showing a decision button: the same table."""
    proposal = reach(workflow, status)
    assert workflow.can_decide(proposal, Decision(action)) == isinstance(outcome, Status)


@pytest.mark.parametrize("status, actor, outcome", [
    pytest.param(status, actor, expected(status, "resubmit", actor),
                 id=f"{status}-by-{actor}-{label(expected(status, 'resubmit', actor))}")
    for status in Status for actor in ACTORS
])
def test_can_resubmit_offers_exactly_the_changes(workflow: Workflow, status: Status, actor: str,
                                                 outcome: Outcome) -> None:
    """What the surfaces ask before offering the edit form: the same table."""
    proposal = reach(workflow, status)
    assert workflow.can_resubmit(proposal, ACTORS[actor]) == isinstance(outcome, Status)


def test_the_tables_cover_every_status_and_decision() -> None:
    assert set(BY_CENTRAL) == set(ON_AN_OUTDATED_REVISION) == set(BY_PROPOSER) == set(Status)
    assert set(BY_PUBLISHER) == set(BY_PROPOSER_AFTER) == set(Status)
    assert set(BY_ONESELF) == set(BY_ONESELF_ALLOWED) == set(Status)
    assert set(DECISIONS) == {str(decision) for decision in Decision}
