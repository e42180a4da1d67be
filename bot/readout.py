"""What people read about a proposal, once for every surface.

The digest has its own model (bot/digest.py). This module describes the other messages: the
facts of the review post (label/value pairs), where a proposal stands (its status line), the
lines in the review thread, the decision notice to the proposer, who reviews it (the route)
and the limits the forms share. Every surface (chat cards and blocks, the terminal, the
decision record's columns) renders these natively, and the Danish wording sits here only, so
the surfaces cannot drift apart and a new fact is one edit: a line in `FACTS`.

Values are plain text as a person wrote or the policy labels it; a surface escapes them for
its own markup. `{who}` and `{when}` in the templates are filled in by the surface, which names
people and writes times in its own way (a mention, a date each reader sees in their time zone).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from bot.proposal import Actor, HistoryEvent, Proposal, Status
from bot.workflow import NOTE_MAX as NOTE_MAX  # the longest reason: the workflow refuses more
from bot.workflow import open_for_edit
from policy import label

# -- who reviews ----------------------------------------------------------------------------

# The review route as people read it, in the middle of a sentence ("sendt til godkendelse hos
# din egen afdeling"); `route_name(..., start=True)` begins a line with it.
ROUTE: Final = {
    "central": "den centrale kommunikationsafdeling",
    "department": "din egen afdeling",
}
REVIEW_BY: Final = "Hvem godkender"


def route_name(route: str, *, start: bool = False) -> str:
    name = ROUTE.get(route, ROUTE["central"])
    return name[:1].upper() + name[1:] if start else name


# -- the facts of a proposal ----------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One label/value pair of the review post, the terminal's view and the record.

    `key` names the record's column; `value` is plain text, "" when there is nothing to say,
    and a chat surface then shows `empty` (or leaves the fact out when that is "" too).
    `person` and `day` let a surface write the value natively (a mention, a long date);
    `link` marks a web address someone gave."""

    key: str
    label: str
    value: str
    empty: str = ""
    person: Actor | None = None
    day: dt.date | None = None
    link: bool = False

    @property
    def shown(self) -> str:
        """The value as a surface without its own way of writing it shows it."""
        return self.value or self.empty


@dataclass(frozen=True)
class Value:
    """A fact's value for one proposal (see `Fact`)."""

    text: str
    empty: str = ""
    person: Actor | None = None
    day: dt.date | None = None
    link: bool = False


@dataclass(frozen=True)
class About:
    """What a fact is: the record's column (`key`), its Danish label, and how to read it."""

    key: str
    label: str
    read: Callable[[Proposal], Value]


YES: Final = "Ja"
NO: Final = "Nej"
NO_DEPARTMENT: Final = "ikke oplyst"
NO_DATE: Final = "uden dato"
PROPOSED_BY: Final = "Foreslået af"


def _audience(p: Proposal) -> Value:
    return Value(", ".join(label("audience", a) for a in p.intake.audience))


def _job_level(p: Proposal) -> Value:
    level = p.intake.job_level
    return Value(label("job_level", level) if level else "")


def _people(p: Proposal) -> Value:
    people = p.intake.people_in_media
    return Value(label("people_in_media", people) if people else "")


def _consent(p: Proposal) -> Value:
    consent = p.intake.consent
    return Value("" if consent is None else YES if consent else NO)


def _planned(p: Proposal) -> Value:
    day = p.intake.planned_for
    return Value(day.isoformat() if day else "", empty=NO_DATE, day=day)


# In the order people read them. A new fact is one line here: every surface shows it, and the
# record gets a column named by its key.
FACTS: list[About] = [
    About("proposer_name", PROPOSED_BY, lambda p: Value(p.proposer.display, person=p.proposer)),
    About("department", "Afdeling",
          lambda p: Value(p.intake.department or "", empty=NO_DEPARTMENT)),
    About("audience", "Målgruppe", _audience),
    About("theme", "Tema", lambda p: Value(label("theme", p.intake.theme))),
    About("content_type", "Indholdstype",
          lambda p: Value(label("content_type", p.intake.content_type))),
    About("job_level", "Stillingsniveau", _job_level),
    About("planned_for", "Planlagt", _planned),
    About("link", "Link", lambda p: Value(p.intake.link or "", link=True)),
    About("has_media", "Billede/video", lambda p: Value(YES if p.intake.has_media else NO)),
    About("alt_text", "Alt-tekst", lambda p: Value(p.intake.alt_text or "")),
    About("people_in_media", "Personer i billede/video", _people),
    About("consent", "Samtykke", _consent),
    # Who reviews it now: the advice's route, until someone asked the central team for help.
    About("review_route", REVIEW_BY, lambda p: Value(route_name(p.review_route, start=True))),
]


def facts(proposal: Proposal) -> list[Fact]:
    found = []
    for about in FACTS:
        value = about.read(proposal)
        found.append(Fact(about.key, about.label, value.text, value.empty, value.person,
                          value.day, value.link))
    return found


# -- where a proposal stands ----------------------------------------------------------------

STATUS_PENDING: Final = "Afventer godkendelse"
RESUBMITTED: Final = "🔁 Rettet udgave (version {revision}) fra {who} afventer godkendelse."
STATUS_LINE: Final = {
    Status.APPROVED: "✅ Godkendt af {who} {when}",
    Status.CHANGES_REQUESTED: "✏️ Sendt tilbage til ændringer af {who} {when}",
    Status.REJECTED: "⛔ Afvist af {who} {when}",
    Status.WITHDRAWN: "↩️ Trukket tilbage af forslagsstilleren {when}",
    Status.PUBLISHED: "📣 Udgivet af {who} {when}",
    Status.TAKEN_DOWN: "🛑 Skal tages ned: {who} bad om det {when}",
}


@dataclass(frozen=True)
class StatusLine:
    """A decided proposal's line on the review post: the template, who and when it fills
    in, and the reason given."""

    template: str
    actor: Actor | None
    at: dt.datetime | None
    note: str | None
    links: list[Link] = field(default_factory=list)


# Said of a decision on one's own proposal (OPSLAG_ALLOW_SELF_APPROVAL), after the person.
OWN_PROPOSAL: Final = " (eget forslag)"
# Said of an approval past open gates (the reviewer's reason is the decision's note);
# {gates}: the gates' clauses from the policy ("billedet mangler alt-tekst").
DESPITE: Final = ", selvom {gates}"


def status_line(proposal: Proposal) -> StatusLine | None:
    """None while the proposal waits for a decision."""
    if proposal.status is Status.PENDING:
        return None
    after = _after_approval(proposal)
    if after is not None:
        return after
    actor = proposal.decided_by or proposal.proposer
    template = STATUS_LINE[proposal.status]
    if proposal.self_decided:
        template = template.replace("{who}", "{who}" + OWN_PROPOSAL)
    if proposal.overridden and proposal.status is Status.APPROVED:
        template += _despite(proposal)
    return StatusLine(template, actor, proposal.decided_at or proposal.updated_at,
                      proposal.decision_note)


def _after_approval(proposal: Proposal) -> StatusLine | None:
    """The line of a published post, or one to take down: who, when, why, and its links."""
    template = STATUS_LINE.get(proposal.status, "")
    links = published_links(proposal)
    if proposal.status is Status.PUBLISHED and proposal.publication:
        return StatusLine(template, proposal.publication.by, proposal.publication.at, None, links)
    if proposal.status is Status.TAKEN_DOWN and proposal.takedown:
        takedown = proposal.takedown
        return StatusLine(template, takedown.by, takedown.at, takedown.reason, links)
    return None


def _despite(proposal: Proposal) -> str:
    """", selvom billedet mangler alt-tekst og ...", as our own words: a surface fills in the
    template with `str.format`, so braces are doubled."""
    clauses = [label("gate", code) for code in proposal.overridden]
    text = DESPITE.format(gates=_join(clauses))
    return text.replace("{", "{{").replace("}", "}}")


def _join(items: list[str]) -> str:
    """["a", "b", "c"] -> "a, b og c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " og " + items[-1]


# -- from approved to published -------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A published post's address on one platform: the platform as people read it, and
    the address someone gave (a surface shows it as a link)."""

    platform: str
    url: str


def published_links(proposal: Proposal) -> list[Link]:
    links = proposal.publication.links if proposal.publication else {}
    return [Link(label("platform", key), url) for key, url in links.items()]


def publish_platforms(proposal: Proposal) -> list[tuple[str, str]]:
    """The platforms a publish form asks for a link on, (key, label): the advice's, the
    recommended ones first (a post may also go out where it was advised against)."""
    order = {"recommended": 0, "possible": 1, "not_recommended": 2}
    fits = sorted(proposal.recommendation.platforms, key=lambda fit: order.get(fit.fit, 3))
    return [(fit.platform, label("platform", fit.platform)) for fit in fits]


PUBLISH: Final = "Markér som udgivet"
PUBLISH_TITLE: Final = "Markér som udgivet"
PUBLISH_SUBMIT: Final = "Gem"
PUBLISH_INTRO: Final = ("Forslag nr. {id}: {title}\nSkriv linket til opslaget på de platforme, "
                        "hvor det er lagt op (mindst ét).")
PUBLISH_LINK: Final = "Link på {platform}"
PUBLISH_PLACEHOLDER: Final = "https://…"
PUBLISHED_OK: Final = "Forslag nr. {id} er markeret som udgivet. Tak!"
TAKE_DOWN: Final = "Tag ned"
TAKE_DOWN_TITLE: Final = "Tag opslaget ned"
TAKE_DOWN_SUBMIT: Final = "Bed om at tage det ned"
TAKE_DOWN_QUESTION: Final = "Hvorfor skal opslaget tages ned?"
TAKE_DOWN_HINT: Final = ("Fx: samtykket er trukket tilbage. Begrundelsen gemmes i journalen og "
                         "sendes til den, der udgav opslaget, med linkene.")
TAKEN_DOWN_OK: Final = ("Forslag nr. {id} er markeret til at blive taget ned. Den, der udgav "
                        "det, har fået besked med linkene.")
LINKS: Final = "Links"


@dataclass(frozen=True)
class Reminder:
    """A message to act: its headline (our words, filled in), the proposal's title, the
    lines below it, and who it names (`who`: filled in by the surface, e.g. mentions)."""

    headline: str
    title: str
    lines: list[str]
    links: list[Link] = field(default_factory=list)
    note: str | None = None
    # Whether there is still something to do: a settled publish reminder has no button.
    open: bool = True


PUBLISH_REMINDER: Final = "📅 I dag er den planlagte dag for forslag nr. {id}"
PUBLISH_REMINDER_NEXT: Final = ("Når opslaget er lagt op, så markér det som udgivet med linket. "
                                "Så kan alle se, at det er ude.")
REVIEW_REMINDER: Final = ("⏰ Påmindelse: forslag nr. {id} har ventet på godkendelse i {hours} "
                          "timer.")
REVIEW_REMINDER_WHO: Final = "{who}: tag stilling til det med knapperne ovenfor."
REVIEW_REMINDER_NOBODY: Final = "Ingen godkendere er sat op på denne platform."
TAKEDOWN_NOTICE: Final = "🛑 Opslaget fra forslag nr. {id} skal tages ned"
TAKEDOWN_WHO: Final = "{who} bad om det {when}."
TAKEDOWN_NEXT: Final = "Fjern opslaget fra platformene herunder så hurtigt som muligt."
TAKEDOWN_NEXT_UNPUBLISHED: Final = ("Opslaget er ikke markeret som udgivet. Læg det ikke op, "
                                    "og fjern det, hvis det alligevel er ude.")


# The publish reminder once it is settled: marked published, or taken down before or after.
PUBLISH_REMINDER_SETTLED: Final = {
    Status.PUBLISHED: "📣 {who} har markeret opslaget som udgivet. Der er ikke mere at gøre her.",
    Status.TAKEN_DOWN: "🛑 {who} har bedt om at tage opslaget ned: det skal ikke ligge ude.",
}


def publish_reminder(proposal: Proposal) -> Reminder:
    """The reminder on the planned day; once the post is marked published or taken down,
    what became of it instead, and nothing left to do."""
    headline = PUBLISH_REMINDER.format(id=proposal.id)
    settled = PUBLISH_REMINDER_SETTLED.get(proposal.status)
    by = (proposal.publication.by if proposal.status is Status.PUBLISHED and proposal.publication
          else proposal.takedown.by if proposal.takedown else None)
    if settled is None or by is None:
        return Reminder(headline, proposal.title, [PUBLISH_REMINDER_NEXT])
    return Reminder(headline, proposal.title, [settled.format(who=by.display)], open=False)


def review_reminder(proposal: Proposal, hours: int) -> Reminder:
    """`{who}` in `REVIEW_REMINDER_WHO` is for the surface to fill in with its mentions."""
    return Reminder(REVIEW_REMINDER.format(id=proposal.id, hours=hours), proposal.title, [])


def takedown_notice(proposal: Proposal) -> Reminder:
    """To whoever published (or approved) it: what must come down, why, and where."""
    links = published_links(proposal)
    next_step = TAKEDOWN_NEXT if links else TAKEDOWN_NEXT_UNPUBLISHED
    reason = proposal.takedown.reason if proposal.takedown else None
    return Reminder(TAKEDOWN_NOTICE.format(id=proposal.id), proposal.title, [next_step],
                    links, reason)


# -- the review thread ----------------------------------------------------------------------

THREAD: Final = {
    "approved": "✅ {who} har godkendt forslaget.",
    "changes_requested": "✏️ {who} har bedt om ændringer.",
    "rejected": "⛔ {who} har afvist forslaget.",
    "resubmitted": "🔁 {who} har sendt en rettet udgave (version {revision}).",
    "withdrawn": "↩️ {who} har trukket forslaget tilbage.",
    "published": "📣 {who} har markeret opslaget som udgivet.",
    "taken_down": "🛑 {who} har bedt om at få opslaget taget ned.",
}
# A decision on one's own proposal (OPSLAG_ALLOW_SELF_APPROVAL) says so.
THREAD_OWN: Final = {
    "approved": "✅ {who} har godkendt sit eget forslag.",
    "changes_requested": "✏️ {who} har bedt om ændringer i sit eget forslag.",
    "rejected": "⛔ {who} har afvist sit eget forslag.",
}
THREAD_OTHER: Final = "ℹ️ Forslaget er nu {status}."
# Lines that name nobody (the snapshot a message is built from holds no history).
THREAD_PLAIN: Final = {
    "moved_to_central": "🆘 Der er bedt om hjælp fra Kommunikation: forslaget afventer nu den "
                        "centrale kommunikationsafdeling, som tager stilling til det.",
}
# Approving while a gate is open (bot/workflow.py `gates`): the reviewer may, with a reason.
OVERRIDE: Final = "Godkend alligevel"
OVERRIDE_QUESTION: Final = "Hvorfor skal forslaget godkendes alligevel?"
GATES: Final = "Det mangler"
# The department's review post once its proposal has moved to the central team.
MOVED: Final = "🆘 Sendt videre til den centrale kommunikationsafdeling, som tager stilling."
ASK_CENTRAL: Final = "Bed Kommunikation om hjælp"
ASK_CENTRAL_DONE: Final = (
    "Forslag nr. {id} er sendt videre til den centrale kommunikationsafdeling. I kan følge "
    "med i tråden."
)
NOTE: Final = "Begrundelse"  # the label of the reason given with a decision
_BY_PROPOSER = frozenset({"resubmitted", "withdrawn"})
_DECISIONS = frozenset({"approved", "changes_requested", "rejected"})
_AFTER_APPROVAL = frozenset({"published", "taken_down"})


@dataclass(frozen=True)
class ThreadLine:
    """A reply in the review post's thread: the template ({who}, {revision} or {status}
    filled in already except {who}), who acted, and the reason of a decision. `override` is
    that reason again when the approval passed open gates (the template names them): the
    reason the record keeps for approving anyway."""

    template: str
    actor: Actor | None
    note: str | None
    override: str | None = None
    links: list[Link] = field(default_factory=list)


def thread_line(proposal: Proposal, event: str, status: str) -> ThreadLine:
    """`status`: the Danish status, for an event without its own line."""
    if event in THREAD_PLAIN:
        return ThreadLine(THREAD_PLAIN[event], None, None)
    after = _after_approval(proposal)
    if event in _AFTER_APPROVAL and after is not None:
        return ThreadLine(THREAD[event], after.actor, after.note, links=after.links)
    actor = proposal.proposer if event in _BY_PROPOSER else proposal.decided_by
    template = THREAD.get(event)
    if template is None:
        return ThreadLine(THREAD_OTHER.format(status=status), None, None)
    if event not in _DECISIONS:
        return ThreadLine(template.replace("{revision}", str(proposal.revision)), actor, None)
    if proposal.self_decided:
        template = THREAD_OWN[event]
    override = None
    if event == "approved" and proposal.overridden:
        template = template.removesuffix(".") + _despite(proposal) + "."
        override = proposal.decision_note
    return ThreadLine(template, actor, proposal.decision_note, override)


# -- the decision, told to the proposer -----------------------------------------------------

NOTICE: Final = {
    "approved": "✅ Dit forslag nr. {id} er godkendt",
    "changes_requested": "✏️ Der er bedt om ændringer i dit forslag nr. {id}",
    "rejected": "⛔ Dit forslag nr. {id} er afvist",
    "published": "📣 Dit forslag nr. {id} er udgivet",
    "taken_down": "🛑 Dit opslag fra forslag nr. {id} bliver taget ned",
}
NOTICE_BY: Final = "Af {who} {when}"
NOTICE_NEXT: Final = {
    "approved": "Du må gerne lægge det op som planlagt.",
    "changes_requested": "Ret forslaget, og send det igen.",
    "taken_down": "Den, der udgav det, har fået besked og fjerner det.",
}


@dataclass(frozen=True)
class Notice:
    headline: str  # our words, the proposal number filled in
    title: str  # the proposal's title, as the proposer wrote it
    by: Actor | None
    at: dt.datetime | None
    note: str | None
    next_step: str | None
    editable: bool  # the proposer may edit it and send it again: offer them the way
    links: list[Link] = field(default_factory=list)


def notice(proposal: Proposal) -> Notice:
    event = str(proposal.status)
    headline = NOTICE[event].format(id=proposal.id)
    after = _after_approval(proposal)
    if after is not None:
        return Notice(headline, proposal.title, after.actor, after.at, after.note,
                      NOTICE_NEXT.get(event), False, after.links)
    return Notice(headline, proposal.title, proposal.decided_by, proposal.decided_at,
                  proposal.decision_note, NOTICE_NEXT.get(event), open_for_edit(proposal))


# -- the record: what a history row says besides its event and note -------------------------

DETAIL_OVERRIDE: Final = "godkendt alligevel, selvom {gates}"
DETAIL_OWN: Final = "eget forslag"
DETAIL_LINK: Final = "{platform}: {url}"
DETAIL_REVIEWERS: Final = "påmindet: {ids}"
DETAIL_TO: Final = "sendt til {name}"


def event_details(event: HistoryEvent) -> list[str]:
    """A history row's details as the record reads them (the export's `details` column, the
    terminal's history): an approval past open gates, a decision on one's own proposal, the
    published links (also kept on a takedown), whom a reminder named or went to."""
    details = event.details
    lines = []
    gates = (details.get("override") or {}).get("gates") or []
    if gates:
        lines.append(DETAIL_OVERRIDE.format(gates=_join([label("gate", str(g)) for g in gates])))
    if details.get("self_decided"):
        lines.append(DETAIL_OWN)
    for platform, url in (details.get("links") or {}).items():
        lines.append(DETAIL_LINK.format(platform=label("platform", str(platform)), url=url))
    reviewers = details.get("reviewers") or {}
    named = [f"{platform} {user}" for platform, users in reviewers.items() for user in users]
    if named:
        lines.append(DETAIL_REVIEWERS.format(ids=", ".join(named)))
    to = details.get("to") or {}
    if to:
        lines.append(DETAIL_TO.format(name=to.get("name") or to.get("user_id") or ""))
    return lines
