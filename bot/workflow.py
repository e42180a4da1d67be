"""The one place that decides what may happen to a proposal, and by whom.

Every change is stored together with its history row and its outgoing messages in one
transaction, so an acknowledged change is never lost and each message is sent once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.clock import Clock, utcnow
from bot.departments import Department, Departments
from bot.platform import Kind
from bot.proposal import Actor, Decision, Proposal, Publication, Status, Takedown
from bot.store import NewMessage, Store, StoreUnavailable
from policy import (
    Gate,
    Intake,
    Question,
    Recommendation,
    blank,
    gates,
    label,
    recommend,
    web_link,
)
from policy.answers import question_list
from policy.textchecks import danish_number

log = logging.getLogger(__name__)

T = TypeVar("T")

# Outgoing message kinds (bot/platform.py); each platform's sender renders them its own way.
RECOMMENDATION = Kind.RECOMMENDATION
REVIEW_POST = Kind.REVIEW_POST
REVIEW_UPDATE = Kind.REVIEW_UPDATE
THREAD_REPLY = Kind.THREAD_REPLY
DECISION_NOTICE = Kind.DECISION_NOTICE
ESCALATION = Kind.ESCALATION
ESCALATION_DM = Kind.ESCALATION_DM
PUBLISH_REMINDER = Kind.PUBLISH_REMINDER
REVIEW_REMINDER = Kind.REVIEW_REMINDER
TAKEDOWN_NOTICE = Kind.TAKEDOWN_NOTICE
PUBLISH_REMINDER_UPDATE = Kind.PUBLISH_REMINDER_UPDATE

# The bot itself, as the actor of the history rows it writes (an escalation).
_BOT = Actor(platform="opslag", user_id="opslag", name="Opslag")
_DECIDED_EVENTS = frozenset(str(decision.status) for decision in Decision)
# A reason for a decision: the forms allow this many characters; a forged request gets no more.
NOTE_MAX = 1000
# Proposal numbers are SQLite integers; anything outside names no proposal.
_ID_MAX = 2**63 - 1


class WorkflowError(Exception):
    """A refused action. `message` is Danish and safe to show to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(WorkflowError):
    pass


class NotAllowed(WorkflowError):
    pass


NOT_CENTRAL = ("Kun den centrale kommunikationsafdeling kan godkende, bede om ændringer eller "
               "afvise forslag.")
NOT_REVIEWER = ("Kun godkenderne i {department} og den centrale kommunikationsafdeling kan "
                "tage stilling til forslaget.")
UNKNOWN_DEPARTMENT = "Afdelingen »{name}« står ikke på listen. Vælg en af: {known}."
NOT_ASKER = ("Kun forslagsstilleren og afdelingens godkendere kan bede Kommunikation om hjælp "
             "med et åbent forslag, som afdelingen selv godkender.")


NOT_PUBLISHER = ("Kun den, der godkendte forslaget, og {reviewers} kan markere det som "
                 "udgivet.")
NOT_TAKER_DOWN = ("Kun forslagsstilleren, den, der godkendte eller udgav det, og {reviewers} kan "
                  "bede om at få det taget ned.")
NOT_APPROVED = "Forslaget skal være godkendt, før det kan markeres som udgivet."
NO_LINKS = "Skriv linket til opslaget på mindst én platform."
BAD_LINK = ("Linket til {platform} er ikke en webadresse, som kan åbnes. Skriv den som "
            "https://…")
UNKNOWN_PLATFORM = "Opslag kender ikke platformen »{platform}«."
NO_TAKEDOWN_REASON = "Skriv, hvorfor opslaget skal tages ned."
NOT_TAKEABLE = "Forslaget er ikke godkendt eller udgivet, så der er intet at tage ned."
# The reviewers, as the refusals above name them: the central team, or a department's and it.
CENTRAL_REVIEWERS = "den centrale kommunikationsafdeling"
DEPARTMENT_REVIEWERS = "godkenderne i {department} og den centrale kommunikationsafdeling"


class InvalidState(WorkflowError):
    pass


class Outdated(InvalidState):
    """A decision made on a revision the proposer has since replaced: the reviewer has not seen
    the text they would decide on."""

    def __init__(self, proposal: Proposal) -> None:
        super().__init__(
            f"Forslaget er blevet rettet, siden du så det (nu version {proposal.revision}). "
            "Se den nye tekst i gennemgangen og beslut igen."
        )


class OwnProposal(WorkflowError):
    """Four eyes: a decision on one's own proposal (unless OPSLAG_ALLOW_SELF_APPROVAL). Not a
    NotAllowed: the surfaces answer that with "only the central team", and this is another
    reason, said in its own words."""

    def __init__(self) -> None:
        super().__init__(
            "Du kan ikke selv tage stilling til dit eget forslag: en anden skal se det først "
            "(fire øjne)."
        )


class GatesOpen(InvalidState):
    """An approval while something the law or guidance asks for is missing (`Workflow.gates`):
    refused until it is fixed, or the reviewer approves anyway with a written reason."""

    def __init__(self, open_gates: list[Gate]) -> None:
        self.gates = open_gates
        missing = " ".join(gate.message for gate in open_gates)
        super().__init__(
            f"Forslaget kan ikke godkendes endnu. {missing} Bed om ændringer, eller godkend "
            "alligevel med en skriftlig begrundelse."
        )


class Unavailable(WorkflowError):
    """The store could not take the change now; nothing was stored, the user may retry."""

    def __init__(self) -> None:
        super().__init__(
            "Det lykkedes ikke at gemme lige nu, og intet er gemt. Prøv igen om et øjeblik."
        )


@dataclass
class CentralRoster:
    """Who belongs to the central communications team, per platform.

    `members` are configured ids; `sources` are each registered platform's own list
    (`Platform.central_members`: its configured ids and any live list it keeps fresh). The
    decision itself is made in `Workflow.is_central`.
    """

    members: dict[str, set[str]] = field(default_factory=dict)
    sources: dict[str, Callable[[], Iterable[str]]] = field(default_factory=dict)

    def ids(self, platform: str) -> set[str]:
        ids = set(self.members.get(platform, set()))
        source = self.sources.get(platform)
        if source is not None:
            ids.update(source())
        return ids


@dataclass
class DecisionOutcome:
    proposal: Proposal
    changed: bool


class Workflow:
    def __init__(
        self,
        store: Store,
        roster: CentralRoster,
        *,
        review_platforms: Callable[[], Iterable[str]] = tuple,
        department_platforms: Callable[[Department], Iterable[str]] = lambda _: (),
        delivery_platforms: Iterable[str] = (),
        clock: Clock = utcnow,
        on_enqueue: Callable[[], None] | None = None,
        crisis_phone: str | None = None,
        departments: Departments | None = None,
        allow_self_approval: bool = False,
    ) -> None:
        self.store = store
        self.crisis_phone = crisis_phone  # named in the advice's crisis checklist
        # The departments file (OPSLAG_DEPARTMENTS): the department question's choices, the
        # own channels the advice names. None: the question is free text.
        self.departments = departments
        # Four eyes, unless a one-person team turns it off (OPSLAG_ALLOW_SELF_APPROVAL).
        self.allow_self_approval = allow_self_approval
        # Called after each committed change, so the outbox delivers at once instead of polling.
        self.on_enqueue = on_enqueue or (lambda: None)
        self.roster = roster
        # Asked at each change: a review channel can be chosen while the server runs.
        self.review_platforms = review_platforms
        # The platforms where a department has a review channel now (one may be chosen while
        # the server runs).
        self.department_platforms = department_platforms
        self.delivery_platforms = set(delivery_platforms)
        self.clock = clock

    # -- who may do what -----------------------------------------------------------------

    def is_central(self, actor: Actor) -> bool:
        return bool(actor.user_id) and actor.user_id in self.roster.ids(actor.platform)

    def reviewing_department(self, proposal: Proposal) -> Department | None:
        """The department whose own reviewers decide `proposal`; None when the central team
        does (the central route, a crisis, a department without reviewers, or help asked)."""
        if proposal.review_route != "department":
            return None
        department = self.department(proposal.intake.department)
        return department if department is not None and department.has_reviewers else None

    def may_review(self, proposal: Proposal, actor: Actor) -> bool:
        """Who may decide `proposal`: the central team always (it may step in), and the
        reviewers of the department that reviews it."""
        if self.is_central(actor):
            return True
        department = self.reviewing_department(proposal)
        return department is not None and department.is_reviewer(actor.platform, actor.user_id)

    def may_ask_central(self, proposal: Proposal, actor: Actor) -> bool:
        """Whether `actor` may move `proposal` to the central team's review ("Bed
        Kommunikation om hjælp"): its proposer or its department's reviewers, while open."""
        if not proposal.is_open or self.reviewing_department(proposal) is None:
            return False
        return self.is_proposer(proposal, actor) or self.may_review(proposal, actor)

    def may_publish(self, proposal: Proposal, actor: Actor) -> bool:
        """Who may mark `proposal` published ("Udgivet"): whoever approved it, and its
        publishers: the central team, and for a department's proposal its reviewers."""
        return _same(proposal.decided_by, actor) or self.may_review(proposal, actor)

    def may_take_down(self, proposal: Proposal, actor: Actor) -> bool:
        """Who may ask for an approved or published post to be taken down ("Tag ned"): its
        proposer (consent withdrawn is often said to them first), who approved or published it,
        and its publishers."""
        published_by = proposal.publication.by if proposal.publication else None
        return (self.is_proposer(proposal, actor) or _same(published_by, actor)
                or self.may_publish(proposal, actor))

    def check_publish(self, proposal: Proposal, actor: Actor) -> bool:
        """Refuse `actor` marking `proposal` published (NotAllowed, InvalidState with the
        reason); False when it is published already (nothing to change). A surface asks this
        before it opens the form for the links; `publish` asks it again."""
        if not self.may_publish(proposal, actor):
            raise NotAllowed(NOT_PUBLISHER.format(reviewers=self._reviewers_named(proposal)))
        if proposal.status is Status.PUBLISHED:
            return False
        if proposal.status is not Status.APPROVED:
            raise InvalidState(_closed_message(proposal) if not proposal.is_open
                               else NOT_APPROVED)
        return True

    def check_take_down(self, proposal: Proposal, actor: Actor) -> bool:
        """As `check_publish`, for "Tag ned": False when it is taken down already."""
        if not self.may_take_down(proposal, actor):
            raise NotAllowed(NOT_TAKER_DOWN.format(reviewers=self._reviewers_named(proposal)))
        if proposal.status is Status.TAKEN_DOWN:
            return False
        if proposal.status not in _TAKEABLE:
            raise InvalidState(NOT_TAKEABLE)
        return True

    def can_publish(self, proposal: Proposal, actor: Actor) -> bool:
        """Whether a surface should offer `actor` "Markér som udgivet" now."""
        return proposal.status is Status.APPROVED and self.may_publish(proposal, actor)

    def can_take_down(self, proposal: Proposal, actor: Actor) -> bool:
        """Whether a surface should offer `actor` "Tag ned" now."""
        return proposal.status in _TAKEABLE and self.may_take_down(proposal, actor)

    def reviewers_on(self, proposal: Proposal, platform: str) -> list[str]:
        """The ids of the people on `platform` who review `proposal` now (a reminder names
        them): its department's reviewers, or the central team."""
        department = self.reviewing_department(proposal)
        ids = department.reviewer_ids(platform) if department else self.roster.ids(platform)
        return sorted(ids)

    def _reviewers_named(self, proposal: Proposal) -> str:
        department = self.reviewing_department(proposal)
        if department is None:
            return CENTRAL_REVIEWERS
        return DEPARTMENT_REVIEWERS.format(department=department.name)

    def can_decide(self, proposal: Proposal, decision: Decision) -> bool:
        """Whether `decision` would change `proposal`: it is open and not already so decided
        (`decide` answers a second click with "unchanged", and refuses a closed proposal)."""
        return proposal.is_open and proposal.status != decision.status

    def require_current(self, proposal: Proposal, revision: int | None) -> None:
        """Refuse a decision on a revision that is not the proposal's current one (an old
        button, a reason form opened before the proposer resubmitted). None is the current
        revision: for the terminal, which names the proposal by number only."""
        if revision is not None and revision != proposal.revision:
            raise Outdated(proposal)

    def is_proposer(self, proposal: Proposal, actor: Actor) -> bool:
        """Ids are per platform: the same id on another platform is another person."""
        return (actor.platform, actor.user_id) == (
            proposal.proposer.platform, proposal.proposer.user_id
        )

    def require_other_eyes(self, proposal: Proposal, actor: Actor) -> bool:
        """Four eyes: nobody decides their own proposal. With OPSLAG_ALLOW_SELF_APPROVAL they
        may; True then says the decision is their own (it is recorded as such). A surface may
        ask before it opens a reason form."""
        if not self.is_proposer(proposal, actor):
            return False
        if not self.allow_self_approval:
            raise OwnProposal()
        return True

    def gates(self, proposal: Proposal) -> list[Gate]:
        """What stops an approval of `proposal` now (consent, alt text, subtitles; see
        policy.gates), each with its code and Danish message: a surface shows them, and offers
        "approve anyway" with a reason instead of an Approve button that would be refused."""
        return gates(proposal.intake)

    def department(self, name: str | None) -> Department | None:
        """The department of the departments file `name` names (its name or an alias)."""
        return self.departments.find(name) if self.departments else None

    def questions(self) -> tuple[Question, ...]:
        """The guided questions as every surface asks them: with a departments file, the
        department question is a choice among its departments."""
        return question_list(self.department_choices())

    def department_choices(self) -> tuple[str, ...]:
        """The departments file's names, which the department question offers; () without
        a file (the question is then free text)."""
        return self.departments.names() if self.departments else ()

    def can_resubmit(self, proposal: Proposal, actor: Actor) -> bool:
        """Whether `actor` may edit `proposal` and send it again (`resubmit` would not refuse):
        only its proposer, and only after a request for changes."""
        return self.is_proposer(proposal, actor) and open_for_edit(proposal)

    # -- actions -------------------------------------------------------------------------

    def choose_review_channel(self, actor: Actor, key: str, reference: dict[str, Any]) -> None:
        """Make the channel `reference` points to the central team's review channel (stored
        under `key`); only a member of the central team may."""
        if not self.is_central(actor):
            raise NotAllowed("Kun den centrale kommunikationsafdeling kan vælge godkendelseskanal.")
        with self._writing():
            self.store.put_ref(key, reference, self.clock())

    def choose_department_channel(self, actor: Actor, name: str, key: str,
                                  reference: dict[str, Any]) -> Department:
        """Make the channel `reference` points to the review channel of the department `name`
        names (stored under `key(department)`); its reviewers or the central team may."""
        department = self.department(name)
        if department is None:
            known = ", ".join(self.departments.names()) if self.departments else ""
            raise InvalidState(UNKNOWN_DEPARTMENT.format(name=name, known=known or "ingen"))
        reviewer = department.is_reviewer(actor.platform, actor.user_id)
        if not (reviewer or self.is_central(actor)):
            raise NotAllowed(NOT_REVIEWER.format(department=department.name))
        with self._writing():
            self.store.put_ref(key, reference, self.clock())
        return department

    def once(self, key: str, change: Callable[[], T]) -> T | None:
        """Run `change` (a submit or resubmit) unless one was stored under `key` before (a form
        or modal id); None for such a replay. The key is recorded in the change's transaction,
        so a change that fails leaves the form free to be sent again."""
        with self._writing():
            if key and not self.store.first_time(key, self.clock()):
                return None
            return change()

    def advise(self, intake: Intake) -> Recommendation:
        """The advice on an intake, before anything is stored (the preview a person reads
        before choosing to send it): the same advice `submit` stores. It names the
        department's own profiles and pages when the departments file lists them."""
        department = self.department(intake.department)
        reviewer = department.name if department and department.has_reviewers else None
        return recommend(intake, crisis_phone=self.crisis_phone,
                         own_channels=department.profiles if department else (),
                         department_reviewer=reviewer)

    def submit(self, intake: Intake, proposer: Actor, source: str | None = None) -> Proposal:
        now = self.clock()
        intake = self._listed_department(intake)
        recommendation = self.advise(intake)
        draft = Proposal(
            id=0, created_at=now, updated_at=now, source=source or proposer.platform,
            proposer=proposer, intake=intake, recommendation=recommendation,
            policy_version=recommendation.policy_version, status=Status.PENDING,
        )
        with self._writing():
            proposal = draft.model_copy(update={"id": self.store.insert_proposal(draft)})
            self.store.append_history(
                proposal.id, now, "submitted", proposer, None, **_revision(proposal)
            )
            self._to_proposer(proposal, RECOMMENDATION, "submitted", now)
            self._to_review(proposal, [REVIEW_POST], "submitted", now)
        return self._reload(proposal.id)

    def decide(
        self,
        proposal_id: int,
        decision: Decision,
        actor: Actor,
        note: str | None = None,
        *,
        revision: int | None = None,
        override: bool = False,
    ) -> DecisionOutcome:
        """`revision` is the one the decision was made on (the one the button or form showed);
        a decision on any other is refused and stores nothing.

        An approval is refused while a gate is open (`gates`), unless `override`: the reviewer
        approves anyway, and `note` is their written reason, kept with the gates it passed in
        the proposal, its history and the record. Nobody decides their own proposal
        (`require_other_eyes`)."""
        now = self.clock()
        with self._writing():
            proposal = self._get(proposal_id)
            self.require_reviewer(proposal, actor)
            note = _checked_note(note)
            if decision is not Decision.APPROVE and not note:
                raise InvalidState("Skriv en kort begrundelse, så forslagsstilleren ved hvorfor.")
            if override and not note:
                raise InvalidState("Skriv, hvorfor forslaget skal godkendes alligevel.")
            if proposal.status == decision.status:
                return DecisionOutcome(proposal, changed=False)
            if not proposal.is_open:
                raise InvalidState(_closed_message(proposal))
            self.require_current(proposal, revision)
            own = self.require_other_eyes(proposal, actor)
            passed = self.gates(proposal) if decision is Decision.APPROVE else []
            if passed and not override:
                raise GatesOpen(passed)
            overridden = [gate.code for gate in passed]
            proposal = proposal.model_copy(
                update={
                    "status": decision.status, "decision": decision, "decided_by": actor,
                    "decided_at": now, "decision_note": note, "updated_at": now,
                    "overridden": overridden, "self_decided": own,
                }
            )
            self.store.update_proposal(proposal)
            self.store.append_history(
                proposal.id, now, str(decision.status), actor, note, revision=proposal.revision,
                details=_decision_details(overridden, own),
            )
            self._to_review(proposal, [REVIEW_UPDATE, THREAD_REPLY], str(decision.status), now)
            self._to_proposer(proposal, DECISION_NOTICE, str(decision.status), now)
        return DecisionOutcome(self._reload(proposal_id), changed=True)

    def resubmit(self, proposal_id: int, intake: Intake, actor: Actor) -> Proposal:
        """The proposer's edited draft after a request for changes; the same review post is
        updated, not a new one made."""
        now = self.clock()
        with self._writing():
            proposal = self._get(proposal_id)
            if not self.can_resubmit(proposal, actor):
                self._require_proposer(proposal, actor)
                raise InvalidState("Forslaget kan kun rettes, når der er bedt om ændringer.")
            intake = self._listed_department(intake)
            recommendation = self.advise(intake)
            proposal = proposal.model_copy(
                update={
                    "intake": intake, "recommendation": recommendation,
                    "policy_version": recommendation.policy_version, "status": Status.PENDING,
                    "revision": proposal.revision + 1, "decision": None, "decided_by": None,
                    "decided_at": None, "decision_note": None, "updated_at": now,
                    "overridden": [], "self_decided": False,
                }
            )
            self.store.update_proposal(proposal)
            self.store.append_history(
                proposal.id, now, "resubmitted", actor, None, **_revision(proposal)
            )
            self._to_review(proposal, [REVIEW_UPDATE, THREAD_REPLY], "resubmitted", now)
            self._to_proposer(proposal, RECOMMENDATION, "resubmitted", now)
        return self._reload(proposal_id)

    def withdraw(self, proposal_id: int, actor: Actor, note: str | None = None) -> Proposal:
        note = _checked_note(note)
        now = self.clock()
        with self._writing():
            proposal = self._get(proposal_id)
            self._require_proposer(proposal, actor)
            if proposal.status is Status.WITHDRAWN:
                return proposal
            if not proposal.is_open:
                raise InvalidState(_closed_message(proposal))
            proposal = proposal.model_copy(
                update={"status": Status.WITHDRAWN, "updated_at": now}
            )
            self.store.update_proposal(proposal)
            self.store.append_history(proposal.id, now, "withdrawn", actor, note)
            self._to_review(proposal, [REVIEW_UPDATE, THREAD_REPLY], "withdrawn", now)
        return self._reload(proposal_id)

    def ask_central(self, proposal_id: int, actor: Actor) -> DecisionOutcome:
        """"Bed Kommunikation om hjælp": a department's proposal moves to the central team's
        review. Its department's thread is told, and the central team gets a review post of its
        own; a second click changes nothing."""
        now = self.clock()
        with self._writing():
            proposal = self._get(proposal_id)
            if proposal.review_route == "central" and proposal.is_open:
                return DecisionOutcome(proposal, changed=False)
            if not self.may_ask_central(proposal, actor):
                if not proposal.is_open:
                    raise InvalidState(_closed_message(proposal))
                raise NotAllowed(NOT_ASKER)
            department_platforms = self.review_platforms_of(proposal)
            proposal = proposal.model_copy(update={"review_route": "central", "updated_at": now})
            self.store.update_proposal(proposal)
            self.store.append_history(proposal.id, now, "moved_to_central", actor, None)
            for platform in department_platforms:  # the department's post and its thread
                for kind in (REVIEW_UPDATE, THREAD_REPLY):
                    self._enqueue(proposal, platform, kind, "moved_to_central", now,
                                  lane="review")
            self._to_review(proposal, [REVIEW_POST], "moved_to_central", now)
        return DecisionOutcome(self._reload(proposal_id), changed=True)

    def publish(self, proposal_id: int, actor: Actor,
                links: dict[str, str]) -> DecisionOutcome:
        """Mark an approved proposal published ("Udgivet"), with the post's address on each
        platform it went out on. The review post and its thread say so, and the proposer is
        told; a second marking changes nothing."""
        now = self.clock()
        with self._writing():
            proposal = self._get(proposal_id)
            if not self.check_publish(proposal, actor):
                return DecisionOutcome(proposal, changed=False)
            checked = _checked_links(proposal, links)
            publication = Publication(links=checked, by=actor, at=now)
            proposal = proposal.model_copy(update={
                "status": Status.PUBLISHED, "publication": publication, "updated_at": now,
            })
            self.store.update_proposal(proposal)
            self.store.append_history(proposal.id, now, "published", actor, None,
                                      revision=proposal.revision, details={"links": checked})
            self._to_review(proposal, [REVIEW_UPDATE, THREAD_REPLY], "published", now)
            self._to_proposer(proposal, DECISION_NOTICE, "published", now)
            self._settle_publish_reminders(proposal, "published", now)
        return DecisionOutcome(self._reload(proposal_id), changed=True)

    def take_down(self, proposal_id: int, actor: Actor, reason: str | None) -> DecisionOutcome:
        """"Tag ned": an approved or published post must come down (consent withdrawn, an
        error found). Who asked, why and when are recorded; whoever published it (or, not yet
        published, approved it) is told, with the links, so they can remove it."""
        now = self.clock()
        with self._writing():
            proposal = self._get(proposal_id)
            if not self.check_take_down(proposal, actor):
                return DecisionOutcome(proposal, changed=False)
            note = _checked_note(reason)
            if not note:
                raise InvalidState(NO_TAKEDOWN_REASON)
            links = proposal.publication.links if proposal.publication else {}
            proposal = proposal.model_copy(update={
                "status": Status.TAKEN_DOWN, "updated_at": now,
                "takedown": Takedown(by=actor, at=now, reason=note),
            })
            self.store.update_proposal(proposal)
            self.store.append_history(proposal.id, now, "taken_down", actor, note,
                                      revision=proposal.revision, details={"links": links})
            self._to_review(proposal, [REVIEW_UPDATE, THREAD_REPLY], "taken_down", now)
            self._to_person(proposal, self._publisher(proposal), TAKEDOWN_NOTICE, "taken_down",
                            now)
            if not self.is_proposer(proposal, actor):
                self._to_proposer(proposal, DECISION_NOTICE, "taken_down", now)
            self._settle_publish_reminders(proposal, "taken_down", now)
        return DecisionOutcome(self._reload(proposal_id), changed=True)

    def remind_publisher(self, proposal_id: int, day: dt.date) -> bool:
        """The planned day has come for an approved post: one message to whoever publishes it
        (who approved it), with "Markér som udgivet". Once per proposal and day, also across
        restarts and processes (claimed in the store with the message); False when not sent
        now (already sent, no longer approved, or nobody this server can reach)."""
        now = self.clock()
        with self._writing():
            proposal = self._get(proposal_id)
            publisher = self._publisher(proposal)
            reachable = publisher is not None and publisher.platform in self.delivery_platforms
            if proposal.status is not Status.APPROVED or not reachable:
                return False
            if not self.store.claim_run(f"publish_reminder:p{proposal.id}:{day}", now):
                return False
            assert publisher is not None
            self.store.append_history(proposal.id, now, "publish_reminded", _BOT, None,
                                      details={"to": _person(publisher)})
            self._to_person(proposal, publisher, PUBLISH_REMINDER, "publish_reminded", now)
        self.on_enqueue()
        return True

    def remind_reviewers(self, proposal_id: int, day: dt.date, waited: dt.timedelta) -> bool:
        """A proposal has waited past the SLA: one reminder in its review thread, naming its
        reviewers. At most once per proposal and (local) `day`, also across restarts and
        processes; False when not sent now."""
        now = self.clock()
        with self._writing():
            proposal = self._get(proposal_id)
            if proposal.status is not Status.PENDING:
                return False
            if not self.store.claim_run(f"review_reminder:p{proposal.id}:{day}", now):
                return False
            platforms = self.review_platforms_of(proposal)
            reviewers = {platform: self.reviewers_on(proposal, platform) for platform in platforms}
            hours = int(waited.total_seconds() // 3600)
            self.store.append_history(
                proposal.id, now, "reminded", _BOT, REMINDED_NOTE.format(hours=hours),
                details={"reviewers": reviewers, "hours": hours},
            )
            for platform in platforms:
                self._enqueue(proposal, platform, REVIEW_REMINDER, "reminded", now,
                              lane="review", key=f"p{proposal.id}:reminded:{day}:{platform}",
                              extra={"reviewers": reviewers[platform], "hours": hours})
        self.on_enqueue()
        return True

    def escalate_overdue_crises(self, after: dt.timedelta) -> list[Proposal]:
        """Crisis proposals nobody in the central team has decided on within `after`: a new
        alert in the review channel and a DM to each central member. Once per proposal (also
        across processes), never after a decision, not even one followed by a resubmission."""
        now = self.clock()
        escalated = []
        for candidate in self.store.open_crises_created_before(now - after):
            if self._was_decided(candidate.id):
                continue  # sent back and resubmitted: someone has acted on it
            with self._writing():
                # Checked again inside the transaction: another process may have acted.
                if self._was_decided(candidate.id):
                    continue
                if not self.store.mark_escalated(candidate.id, now):
                    continue  # decided or escalated by someone else in the meantime
                proposal = self._get(candidate.id)
                note = f"Ingen afgørelse efter {int(after.total_seconds() // 60)} minutter"
                self.store.append_history(proposal.id, now, "escalated", _BOT, note)
                self._to_review(proposal, [ESCALATION], "escalated", now)
                self._dm_central_members(proposal, now)
            escalated.append(proposal)
        if escalated:
            self.on_enqueue()
        return escalated

    def _was_decided(self, proposal_id: int) -> bool:
        return any(event.event in _DECIDED_EVENTS for event in self.store.history(proposal_id))

    def _dm_central_members(self, proposal: Proposal, now: dt.datetime) -> None:
        snapshot: dict[str, Any] = proposal.model_dump(mode="json", exclude={"history"})
        for platform in self.review_platforms():
            for user in sorted(self.roster.ids(platform)):
                self.store.enqueue(
                    NewMessage(
                        platform=platform, kind=ESCALATION_DM, proposal_id=proposal.id,
                        lane=f"dm:{user}",
                        dedupe_key=f"p{proposal.id}:escalated:{platform}:dm:{user}",
                        payload={"event": "escalated", "proposal": snapshot, "user": user},
                    ),
                    now,
                )

    def get(self, proposal_id: int) -> Proposal:
        return self._get(proposal_id)

    # -- helpers -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction; a database that cannot write becomes a clear 'try again'."""
        try:
            with self.store.transaction():
                yield
        except StoreUnavailable as exc:
            log.warning("databasen kunne ikke skrive: %s", exc)
            raise Unavailable() from exc

    def _get(self, proposal_id: int) -> Proposal:
        proposal = self.store.get_proposal(proposal_id) if 0 < proposal_id <= _ID_MAX else None
        if proposal is None:
            raise NotFound(f"Forslag nr. {proposal_id} findes ikke.")
        return proposal

    def _reload(self, proposal_id: int) -> Proposal:
        self.on_enqueue()
        return self._get(proposal_id)

    def _listed_department(self, intake: Intake) -> Intake:
        """With a departments file, the intake's department is one of its departments, by the
        name the file gives it (an alias becomes the name); an unlisted one is refused."""
        if self.departments is None or intake.department is None:
            return intake
        department = self.departments.find(intake.department)
        if department is None:
            raise InvalidState(
                f"Afdelingen »{intake.department}« står ikke på listen. Vælg en af: "
                f"{', '.join(self.departments.names())}."
            )
        return intake.model_copy(update={"department": department.name})

    def require_reviewer(self, proposal: Proposal, actor: Actor) -> None:
        """Refuse `actor` a decision on `proposal` unless they may review it (`may_review`)."""
        if self.may_review(proposal, actor):
            return
        department = self.reviewing_department(proposal)
        if department is None:
            raise NotAllowed(NOT_CENTRAL)
        raise NotAllowed(NOT_REVIEWER.format(department=department.name))

    def _require_proposer(self, proposal: Proposal, actor: Actor) -> None:
        if not self.is_proposer(proposal, actor):
            raise NotAllowed("Kun den, der har stillet forslaget, kan rette eller trække det.")

    def review_platforms_of(self, proposal: Proposal) -> list[str]:
        """Where `proposal` is reviewed: its department's channels, or the central team's
        (also when the department has no channel yet: the central team sees it there)."""
        department = self.reviewing_department(proposal)
        platforms = list(self.department_platforms(department)) if department else []
        return platforms or list(self.review_platforms())

    def _to_review(
        self, proposal: Proposal, kinds: list[str], event: str, now: dt.datetime
    ) -> None:
        for platform in self.review_platforms_of(proposal):
            for kind in kinds:
                self._enqueue(proposal, platform, kind, event, now, lane="review")

    def _publisher(self, proposal: Proposal) -> Actor | None:
        """Who puts the post out: who marked it published, else who approved it."""
        return proposal.publication.by if proposal.publication else proposal.decided_by

    def _settle_publish_reminders(self, proposal: Proposal, event: str,
                                  now: dt.datetime) -> None:
        """Whoever got the planned day's reminder sees it change to what became of the post,
        without its button (in their direct-message lane, so after the reminder itself)."""
        reminded = {
            (str(to.get("platform")), str(to.get("user_id"))): to
            for entry in proposal.history if entry.event == "publish_reminded"
            and isinstance(to := (entry.details or {}).get("to"), dict)
        }
        for (platform, user_id), to in reminded.items():
            person = Actor(platform=platform, user_id=user_id, name=str(to.get("name") or ""))
            self._to_person(proposal, person, PUBLISH_REMINDER_UPDATE, event, now)

    def _to_person(self, proposal: Proposal, person: Actor | None, kind: str, event: str,
                   now: dt.datetime) -> None:
        """A direct message about `proposal` to `person`, when this server reaches them."""
        if person is None or person.platform not in self.delivery_platforms:
            return
        self._enqueue(proposal, person.platform, kind, event, now, lane=f"dm:{person.user_id}",
                      extra={"user": person.user_id})

    def _to_proposer(self, proposal: Proposal, kind: str, event: str, now: dt.datetime) -> None:
        if proposal.proposer.platform in self.delivery_platforms:
            self._enqueue(proposal, proposal.proposer.platform, kind, event, now, lane="proposer")

    def _enqueue(
        self,
        proposal: Proposal,
        platform: str,
        kind: str,
        event: str,
        now: dt.datetime,
        *,
        lane: str,
        key: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """`key`: the dedupe key, when one per revision, event, platform and kind is not it
        (a daily reminder); `extra`: what else the payload holds for the sender."""
        snapshot: dict[str, Any] = proposal.model_dump(mode="json", exclude={"history"})
        self.store.enqueue(
            NewMessage(
                platform=platform, kind=kind, proposal_id=proposal.id, lane=lane,
                dedupe_key=key or f"p{proposal.id}:r{proposal.revision}:{event}:{platform}:{kind}",
                payload={"event": event, "proposal": snapshot, **(extra or {})},
            ),
            now,
        )


_TAKEABLE = frozenset({Status.APPROVED, Status.PUBLISHED})
# The history note of a review reminder (the record's reading of it).
REMINDED_NOTE = "Påmindelse: har ventet på godkendelse i {hours} timer"

_STATUS_DA = {
    Status.APPROVED: "godkendt",
    Status.PUBLISHED: "udgivet",
    Status.TAKEN_DOWN: "taget ned",
    Status.REJECTED: "afvist",
    Status.WITHDRAWN: "trukket tilbage",
    Status.CHANGES_REQUESTED: "sendt tilbage til ændringer",
    Status.PENDING: "afventer",
}


def _revision(proposal: Proposal) -> dict[str, Any]:
    return {
        "revision": proposal.revision,
        "snapshot": {
            "intake": proposal.intake.model_dump(mode="json"),
            "recommendation": proposal.recommendation.model_dump(mode="json"),
            "policy_version": proposal.policy_version,
        },
    }


def _same(person: Actor | None, actor: Actor) -> bool:
    return person is not None and bool(actor.user_id) and (
        (person.platform, person.user_id) == (actor.platform, actor.user_id))


def _person(actor: Actor) -> dict[str, str]:
    return {"platform": actor.platform, "user_id": actor.user_id, "name": actor.display}


def _checked_links(proposal: Proposal, links: dict[str, str]) -> dict[str, str]:
    """The published post's addresses by platform, as kept: only the strategy's platforms
    (those the advice weighed), each a web address, at least one; blank ones left out."""
    known = {fit.platform for fit in proposal.recommendation.platforms}
    checked: dict[str, str] = {}
    for platform, raw in links.items():
        if not isinstance(raw, str) or blank(raw):  # a form's empty field (or none of ours)
            continue
        if platform not in known:
            raise InvalidState(UNKNOWN_PLATFORM.format(platform=platform[:40]))
        try:
            checked[platform] = web_link(raw.strip())
        except ValueError:
            raise InvalidState(BAD_LINK.format(platform=label("platform", platform))) from None
    if not checked:
        raise InvalidState(NO_LINKS)
    return checked


def _decision_details(overridden: list[str], own: bool) -> dict[str, Any]:
    """What the history row of a decision keeps besides its note (`HistoryEvent.details`)."""
    details: dict[str, Any] = {}
    if overridden:
        details["override"] = {"gates": overridden}  # the reason is the row's note
    if own:
        details["self_decided"] = True
    return details


def _checked_note(note: str | None) -> str | None:
    """The reason as it will be stored: trimmed, None when nothing visible is left."""
    note = (note or "").strip()
    if blank(note):
        return None
    if len(note) > NOTE_MAX:
        raise InvalidState(
            f"Begrundelsen må højst være {danish_number(NOTE_MAX)} tegn "
            f"(din er {danish_number(len(note))})."
        )
    try:
        note.encode("utf-8")
    except UnicodeEncodeError:  # half of a character pair: no client sends it, nor can we store it
        raise InvalidState("Begrundelsen indeholder ugyldige tegn. Skriv den igen.") from None
    return note


def open_for_edit(proposal: Proposal) -> bool:
    """Whether the proposer may edit the proposal and send it again (after a request for
    changes): what `Workflow.can_resubmit` allows them, for a message to offer it."""
    return proposal.status is Status.CHANGES_REQUESTED


def status_label(status: Status) -> str:
    return _STATUS_DA[status]


def _closed_message(proposal: Proposal) -> str:
    decided = proposal.decision is not None and proposal.status is proposal.decision.status
    who = f" af {proposal.decided_by.display}" if proposal.decided_by and decided else ""
    return f"Forslag nr. {proposal.id} er allerede {_STATUS_DA[proposal.status]}{who}."
