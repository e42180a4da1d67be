"""The terminal surface: plain-text renderings, and the Danish text of the whole terminal
(the chat itself is handlers/console_chat.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from bot import readout
from bot.advice import DETAILS, URGENT, WHEN, advice
from bot.config import Settings
from bot.proposal import Proposal
from bot.workflow import status_label
from policy import Recommendation

Ask = Callable[[str], str]
Say = Callable[[str], None]

# The advice's answer times when a rendering is not given the server's settings.
SLA_HOURS: Final = Settings.model_fields["opslag_review_sla_hours"].default
ESCALATE_MINUTES: Final = Settings.model_fields["opslag_crisis_escalate_minutes"].default

EVENT_DA = {
    "submitted": "foreslået",
    "resubmitted": "rettet og sendt igen",
    "approved": "godkendt",
    "changes_requested": "bedt om ændringer",
    "rejected": "afvist",
    "withdrawn": "trukket tilbage",
    "escalated": "eskaleret (krise uden svar)",
    "moved_to_central": "sendt videre til den centrale kommunikationsafdeling",
    "published": "markeret som udgivet",
    "taken_down": "bedt taget ned",
    "reminded": "påmindelse om at godkende",
    "publish_reminded": "påmindelse om at udgive",
}

TEXT = {
    # The chat (handlers/console_chat.py, handlers/console_input.py).
    "welcome": "Foreslå et opslag. Svar på spørgsmålene, så får du råd, før du sender "
               "forslaget. Tryk Ctrl-C for at afbryde.",
    "number": "Spørgsmål {number} af {total}",
    "optional": " (valgfri, tryk Enter for at springe over)",
    "long_text_end": "  Skriv gerne flere linjer. Afslut med en tom linje eller Ctrl-D.",
    "keep": "  Nu: {current}. Tryk Enter for at beholde svaret.",
    "clear": " Skriv - for at fjerne det.",
    "yes": "ja",
    "no": "nej",
    "choose_one": "Skriv nummeret eller navnet på dit valg.",
    "choose_many": "Skriv et eller flere numre eller navne, fx »1 4«, »1,4« eller »1 og 4«.",
    "only_one": "Vælg kun én: skriv nummeret eller navnet.",
    "unknown_choice": "»{word}« er ikke et af valgene.",
    "ambiguous": "»{word}« passer på flere: {options}. Skriv mere af navnet, eller skriv "
                 "nummeret.",
    "yes_no": "Svar ja eller nej.",
    "bad_date": "Skriv datoen, fx »3. december«, »3/12«, »03-12-2026« eller »2026-12-03«.",
    "past_date": "Datoen er overstået – er det rigtigt? Skriv ja for at beholde den, eller "
                 "skriv en anden dato.",
    "other_date": "Skriv en anden dato.",
    "link_stored": "Linket bliver gemt som {link}",
    "send": "Send til godkendelse? (ja / ret / nej)",
    "send_hint": "Skriv ja for at sende forslaget, ret for at rette svarene eller nej for at "
                 "lade være.",
    "editing": "Ret dine svar. Tryk Enter for at beholde et svar.",
    "dropped": "Intet er gemt.",
    "aborted": "Afbrudt. Intet er gemt.",
    # The renderings.
    "stored": "Gemt som forslag nr. {id}. Det afventer nu {route}.",
    "decided": "Forslag nr. {id}: {status}",
    "unchanged": " (uændret: det var allerede besluttet)",
    "no_proposals": "Ingen forslag endnu.",
    "heading": "Forslag nr. {id}: {title}",
    "status": "Status: {status}",
    "fact": "{label}: {value}",
    "source": "Via: {source}",
    "history": "Historik",
    "not_central": "'{user}' står ikke i OPSLAG_CENTRAL_USERS.",
}


def render_recommendation(rec: Recommendation, *, sla_hours: int = SLA_HOURS,
                          escalate_minutes: int = ESCALATE_MINUTES) -> str:
    """The summary first (at most three lines), then the details."""
    adv = advice(rec, sla_hours=sla_hours, escalate_minutes=escalate_minutes)
    lines = ["", adv.title]
    lines.extend(f"  {line}" for line in adv.summary)
    lines.append(DETAILS)
    for fit in adv.fits:
        if fit.key == "not_recommended":  # one line: the reason that ruled it out
            lines.append(f"  {fit.headline}. {fit.reasons[0]}")
            continue
        lines.append(f"  {fit.headline}")
        lines.extend(f"      - {reason}" for reason in fit.reasons)
    for section in adv.sections:
        lines.append(section.title)
        for name, items in section.subheads:
            lines.append(f"  {name}:")
            lines.extend(f"      - {item}" for item in items)
        lines.extend(f"  - {item}" for item in section.items)
        if not section.items and not section.subheads and section.empty:
            lines.append(f"  {section.empty}")
    review = adv.review
    urgent = f" {URGENT}" if review.urgent else ""
    lines.append(TEXT["fact"].format(label=readout.REVIEW_BY, value=review.who))
    lines.append(f"  {review.reason}{urgent}")
    lines.append(TEXT["fact"].format(label=WHEN, value=review.when))
    return "\n".join(lines)


def render_stored(proposal: Proposal) -> str:
    route = readout.route_name(proposal.recommendation.review.route)
    return TEXT["stored"].format(id=proposal.id, route=route)


def render_decided(proposal: Proposal, *, changed: bool) -> str:
    state = "" if changed else TEXT["unchanged"]
    return TEXT["decided"].format(id=proposal.id, status=status_label(proposal.status)) + state


def _planned(proposal: Proposal) -> str:
    day = proposal.intake.planned_for
    return day.isoformat() if day else readout.NO_DATE


def render_list(proposals: list[Proposal]) -> str:
    if not proposals:
        return TEXT["no_proposals"]
    lines = []
    for p in proposals:
        planned = _planned(p)
        lines.append(
            f"#{p.id:<5} {status_label(p.status):<28} {planned:<10}  {p.title}"
            f"  ({p.proposer.display})"
        )
    return "\n".join(lines)


def render_proposal(p: Proposal) -> str:
    lines = [
        TEXT["heading"].format(id=p.id, title=p.title),
        TEXT["status"].format(status=status_label(p.status)),
        *[TEXT["fact"].format(label=fact.label, value=fact.shown)
          for fact in readout.facts(p) if fact.shown],
        TEXT["source"].format(source=p.source),
        "",
        p.intake.text,
        render_recommendation(p.recommendation),
        "",
        TEXT["history"],
    ]
    for event in p.history:
        note = f": {event.note}" if event.note else ""
        what = EVENT_DA.get(event.event, event.event)
        lines.append(f"  {event.at:%Y-%m-%d %H:%M} {what} ({event.actor_name}){note}")
        lines.extend(f"      {detail}" for detail in readout.event_details(event))
    return "\n".join(lines)
