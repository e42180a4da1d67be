"""Messages in channels and DMs: help, the recommendation, the review post and its thread,
decision notices and escalations.

Every builder returns a `Message` (fallback text + blocks) that stays under Slack's size limit:
long parts are shortened, never the whole message refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import readout
from bot.advice import FIT_MARK, URGENT, WHEN, advice
from bot.proposal import Proposal, Status
from bot.readout import Fact, Link, Reminder
from bot.workflow import status_label
from handlers.slack import ids
from handlers.slack import text as T
from handlers.slack.mrkdwn import (
    MESSAGE_BUDGET,
    as_dicts,
    danish_date,
    escape,
    escaped,
    json_size,
    link,
    quote,
    user_text,
    when,
    who,
)
from policy import Recommendation, label


# Detail levels tried in turn until a message fits: how many reasons, tips or findings to list
# and how many characters each may have.
@dataclass(frozen=True)
class Detail:
    count: int
    each: int


DETAIL_LEVELS = (Detail(6, 300), Detail(4, 200), Detail(3, 120), Detail(2, 60))
# How long one fact's value may be once escaped, and how many fields a section holds (Slack's
# limit); the draft gets what the message has left.
FACT_MAX = 300
FIELDS_PER_SECTION = 10


@dataclass
class Message:
    text: str
    blocks: list[Block] = field(default_factory=list)
    # The same blocks as JSON-ready dicts, kept when measuring their size already made them:
    # slack_sdk validates every object in `to_dict`, and doing that again for the Web API call
    # showed in the proposals benchmark (bench/bench_slack.py). Sent instead of `blocks`.
    sized: list[dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks if self.sized is None else self.sized}


def _fit(
    build: Callable[[Detail], list[Block]],
) -> tuple[list[Block], list[dict[str, Any]] | None]:
    """The most detailed rendering that fits Slack's limit, and its dicts (None when even the
    least detailed one doesn't fit)."""
    for detail in DETAIL_LEVELS:
        blocks = build(detail)
        try:
            dicts = as_dicts(blocks)
        except SlackObjectFormationError:  # one section over its own limit
            continue
        if json_size(dicts) <= MESSAGE_BUDGET:
            return blocks, dicts
    return blocks, None


# -- help --------------------------------------------------------------------------------------


def help_message() -> Message:
    return Message(
        text=T.HELP_FALLBACK,
        blocks=[
            SectionBlock(text=f"*{T.HELP_TITLE}*\n\n{T.HELP_BODY}"),
            ContextBlock(elements=[MarkdownTextObject(text=T.HELP_ALT_COMMAND)]),
            ActionsBlock(elements=[
                ButtonElement(text=T.HELP_BUTTON, action_id=ids.OPEN_INTAKE, style="primary")
            ]),
        ],
    )


# -- the receipt, to the proposer ----------------------------------------------------------------


def receipt_message(
    proposal: Proposal, *, sla_hours: int, escalate_minutes: int, again: bool = False
) -> Message:
    """What the proposer keeps after pressing Send: the number, who approves and when, and a
    way to withdraw it. Not the advice again: they read it before they sent."""
    review = advice(proposal.recommendation, sla_hours=sla_hours,
                    escalate_minutes=escalate_minutes).review
    urgent = f" {URGENT}" if review.urgent else ""
    blocks: list[Block] = [
        HeaderBlock(text=T.RECEIPT_HEADER_AGAIN if again else T.RECEIPT_HEADER),
        SectionBlock(text=user_text(
            T.REC_ABOUT.format(id=proposal.id, title=escaped(proposal.title, 200))
        )),
        SectionBlock(text=user_text(
            f"*{readout.REVIEW_BY}:* {escape(review.who)}.{urgent}\n"
            f"*{WHEN}:* {escape(review.when)}"
        )),
        _withdraw_actions(proposal),
    ]
    fallback = T.RECEIPT_FALLBACK.format(id=proposal.id, title=escaped(proposal.title, 150))
    return Message(text=fallback, blocks=blocks)


def _withdraw_actions(proposal: Proposal) -> ActionsBlock:
    confirm = ConfirmObject(
        title=T.REC_WITHDRAW_CONFIRM_TITLE, text=T.REC_WITHDRAW_CONFIRM_TEXT,
        confirm=T.REC_WITHDRAW_CONFIRM_YES, deny=T.REC_WITHDRAW_CONFIRM_NO,
    )
    button = ButtonElement(
        text=T.REC_WITHDRAW, action_id=ids.WITHDRAW, value=str(proposal.id), confirm=confirm
    )
    return ActionsBlock(block_id=f"withdraw-{proposal.id}",
                        elements=[button, *_ask_central_button(proposal)])


# -- the review post, in the central team's channel ---------------------------------------------


def review_message(proposal: Proposal, *, usergroup: str | None = None,
                   moved: bool = False) -> Message:
    """The review post: a summary, the recommended platforms, the draft quoted and, while the
    proposal waits, the three decision buttons (and, in a department's channel, the button
    that asks the central team for help); once decided, who decided and when. `moved`: the
    department's post of a proposal since moved to the central team's review."""
    crisis = proposal.intake.crisis
    head = _review_head(proposal, usergroup)
    tail = _review_tail(proposal, moved=moved)
    head_dicts, tail_dicts = as_dicts(head), as_dicts(tail)  # each block made a dict once
    rest = MESSAGE_BUDGET - json_size(head_dicts) - json_size(tail_dicts) - 200
    draft = _draft_blocks(proposal.intake.text, rest)
    sized = head_dicts + as_dicts(draft) + tail_dicts
    while json_size(sized) > MESSAGE_BUDGET and rest > 0:  # JSON escaping made it bigger
        rest -= json_size(sized) - MESSAGE_BUDGET + 100
        draft = _draft_blocks(proposal.intake.text, rest)
        sized = head_dicts + as_dicts(draft) + tail_dicts
    blocks = head + draft + tail
    template = T.REVIEW_FALLBACK_CRISIS if crisis else T.REVIEW_FALLBACK
    fallback = template.format(
        id=proposal.id, who=who(proposal.proposer), title=escaped(proposal.title, 150)
    )
    if crisis and usergroup:
        fallback = f"<!subteam^{usergroup}> {fallback}"
    return Message(text=fallback, blocks=blocks, sized=sized)


def _review_head(proposal: Proposal, usergroup: str | None) -> list[Block]:
    intake = proposal.intake
    crisis = intake.crisis
    blocks: list[Block] = [HeaderBlock(text=T.REVIEW_HEADER_CRISIS if crisis else T.REVIEW_HEADER)]
    if crisis and usergroup:
        blocks.append(SectionBlock(
            text=T.REVIEW_CRISIS_PING.format(group=f"<!subteam^{usergroup}>")
        ))
    fields = _fact_fields(readout.facts(proposal))
    for start in range(0, len(fields), FIELDS_PER_SECTION):
        blocks.append(SectionBlock(fields=fields[start:start + FIELDS_PER_SECTION]))
    title = T.REVIEW_TITLE.format(title=escaped(proposal.title, 200))
    blocks.append(SectionBlock(text=user_text(title)))
    blocks.append(SectionBlock(text=user_text(_recommended_lines(proposal.recommendation))))
    blocks.append(SectionBlock(text=T.REVIEW_DRAFT))
    return blocks


def _fact_fields(facts: list[Fact]) -> list[MarkdownTextObject]:
    """Each fact as a field: its label in bold over its value, escaped (verbatim: the values
    hold what people typed)."""
    return [
        user_text(f"*{escape(fact.label)}*\n{value}")
        for fact in facts if (value := _fact_value(fact))
    ]


def _fact_value(fact: Fact) -> str:
    if fact.person is not None:
        return who(fact.person)
    if fact.day is not None:
        return danish_date(fact.day)
    if fact.link and fact.value and len(shown := link(fact.value)) <= FACT_MAX:
        return shown
    return escaped(fact.shown, FACT_MAX)


def _recommended_lines(rec: Recommendation) -> str:
    lines = [T.REVIEW_RECOMMENDED]
    for fit in rec.platforms:
        platform = escape(label("platform", fit.platform))
        reason = escaped(fit.reasons[0], 160) if fit.reasons else ""
        lines.append(f"{FIT_MARK[fit.fit]} *{platform}*: {reason}")
    checks = rec.text_checks
    lines.append(T.REVIEW_CHECKS.format(
        words=checks.words, lix=f"{checks.lix:.0f}", findings=len(checks.findings)
    ))
    return "\n".join(lines)


def _draft_blocks(draft: str, budget: int) -> list[Block]:
    chunks, shown = quote(draft, max(0, budget))
    blocks: list[Block] = [SectionBlock(text=user_text(chunk)) for chunk in chunks]
    if shown < len(draft):
        note = T.REVIEW_DRAFT_CUT.format(shown=shown, total=len(draft))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    return blocks


def _review_tail(proposal: Proposal, *, moved: bool = False) -> list[Block]:
    context = T.REVIEW_CONTEXT.format(
        id=proposal.id, revision=proposal.revision, policy=escape(proposal.policy_version)
    )
    blocks: list[Block] = [ContextBlock(elements=[MarkdownTextObject(text=context)])]
    status = readout.status_line(proposal)
    if moved:
        blocks.append(SectionBlock(text=readout.MOVED))
    elif status is None:
        if proposal.revision > 1:
            blocks.append(SectionBlock(text=user_text(readout.RESUBMITTED.format(
                revision=proposal.revision, who=who(proposal.proposer)
            ))))
        blocks.append(_decision_buttons(proposal))
    else:
        blocks.append(SectionBlock(text=user_text(_outcome_text(status))))
        blocks += _after_approval_buttons(proposal)
    return blocks


def _after_approval_buttons(proposal: Proposal) -> list[Block]:
    """On an approved post: "Markér som udgivet" and "Tag ned"; on a published one "Tag ned".
    The workflow decides who may press them, and answers anyone else."""
    buttons = []
    if proposal.status is Status.APPROVED:
        buttons.append(publish_button(proposal))
    if proposal.status in (Status.APPROVED, Status.PUBLISHED):
        buttons.append(take_down_button(proposal))
    return [ActionsBlock(block_id=f"published-{proposal.id}", elements=buttons)] if buttons else []


def publish_button(proposal: Proposal) -> ButtonElement:
    return ButtonElement(text=readout.PUBLISH, action_id=ids.PUBLISH, value=str(proposal.id),
                         style="primary")


def take_down_button(proposal: Proposal) -> ButtonElement:
    return ButtonElement(text=readout.TAKE_DOWN, action_id=ids.TAKE_DOWN, value=str(proposal.id))


def links_text(links: list[Link]) -> str:
    """The published post's links, one per platform, each clickable and escaped."""
    if not links:
        return ""
    lines = [f"• {escape(item.platform)}: {link(item.url)}" for item in links]
    return f"*{readout.LINKS}:*\n" + "\n".join(lines)


def _decision_buttons(proposal: Proposal) -> ActionsBlock:
    # The revision shown goes with each click: a decision on text since replaced is refused.
    value = ids.review_value(proposal.id, proposal.revision)
    return ActionsBlock(
        block_id=ids.review_block(proposal.id, proposal.revision),
        elements=[
            ButtonElement(text=T.BUTTON_APPROVE, action_id=ids.APPROVE, value=value,
                          style="primary"),
            ButtonElement(text=T.BUTTON_CHANGES, action_id=ids.REQUEST_CHANGES, value=value),
            ButtonElement(text=T.BUTTON_REJECT, action_id=ids.REJECT, value=value,
                          style="danger"),
            *_ask_central_button(proposal),
        ],
    )


def _ask_central_button(proposal: Proposal) -> list[ButtonElement]:
    """In a department's channel, and in its proposer's receipt: the way to the central team."""
    if proposal.review_route != "department":
        return []
    return [ButtonElement(text=readout.ASK_CENTRAL, action_id=ids.ASK_CENTRAL,
                          value=str(proposal.id))]


def _outcome_text(status: readout.StatusLine) -> str:
    line = status.template.format(who=who(status.actor), when=when(status.at))
    if status.note:
        chunks, _ = quote(status.note, 1500)
        line += "\n" + "\n".join(chunks)
    if status.links:
        line += "\n" + links_text(status.links)
    return line


# -- the review thread -------------------------------------------------------------------------


def thread_message(proposal: Proposal, event: str) -> Message:
    thread = readout.thread_line(proposal, event, status_label(proposal.status))
    line = thread.template.format(who=who(thread.actor))
    # `who` is a Teams user's display name when they acted there: user text, so verbatim.
    blocks: list[Block] = [SectionBlock(text=user_text(line))]
    if thread.note:
        chunks, _ = quote(thread.note, 2500)
        blocks.append(SectionBlock(
            text=user_text(f"*{readout.NOTE}:*\n" + "\n".join(chunks))
        ))
    if thread.links:
        blocks.append(SectionBlock(text=user_text(links_text(thread.links))))
    return Message(text=line, blocks=blocks)


# -- decision notices, to the proposer ----------------------------------------------------------


def decision_notice(proposal: Proposal) -> Message:
    told = readout.notice(proposal)
    by = readout.NOTICE_BY.format(who=who(told.by), when=when(told.at)).rstrip()
    lines = [f"*{told.headline}*: {escaped(told.title, 200)}", by]
    if told.next_step:
        lines.append(told.next_step)
    blocks: list[Block] = [SectionBlock(text=user_text("\n".join(lines)))]
    if told.note:
        chunks, _ = quote(told.note, 2500)
        blocks.append(SectionBlock(text=user_text("\n".join(chunks))))
    if told.links:
        blocks.append(SectionBlock(text=user_text(links_text(told.links))))
    if proposal.status is Status.PUBLISHED:  # consent withdrawn is often said to the proposer
        blocks.append(ActionsBlock(block_id=f"takedown-{proposal.id}",
                                   elements=[take_down_button(proposal)]))
    if told.editable:
        blocks.append(ActionsBlock(block_id=f"resubmit-{proposal.id}", elements=[
            ButtonElement(text=T.NOTICE_RESUBMIT, action_id=ids.RESUBMIT,
                          value=str(proposal.id), style="primary")
        ]))
    return Message(text=told.headline, blocks=blocks)


# -- escalation ---------------------------------------------------------------------------------


def escalation_message(proposal: Proposal, *, usergroup: str | None) -> Message:
    group = f"<!subteam^{usergroup}> " if usergroup else ""
    line = T.ESCALATION.format(
        group=group, id=proposal.id, title=escaped(proposal.title, 200),
        who=who(proposal.proposer),
    )
    fallback = group + T.ESCALATION_FALLBACK.format(id=proposal.id)
    return Message(text=fallback, blocks=[SectionBlock(text=user_text(line))])


def escalation_dm(proposal: Proposal, *, channel: str | None) -> Message:
    where = f"<#{channel}>" if channel else T.ESCALATION_WHERE_UNKNOWN
    line = T.ESCALATION_DM.format(
        id=proposal.id, title=escaped(proposal.title, 200), who=who(proposal.proposer),
        where=where,
    )
    return Message(
        text=T.ESCALATION_FALLBACK.format(id=proposal.id),
        blocks=[SectionBlock(text=user_text(line))],
    )


# -- reminders and the takedown notice ----------------------------------------------------------


def publish_reminder_message(proposal: Proposal) -> Message:
    """To whoever publishes it, on the planned day: the button that marks it published (gone
    once it is marked published or taken down)."""
    told = readout.publish_reminder(proposal)
    blocks: list[Block] = _reminder_blocks(told)
    if told.open:
        blocks.append(ActionsBlock(block_id=f"publish-{proposal.id}",
                                   elements=[publish_button(proposal)]))
    fallback = T.PUBLISH_REMINDER_FALLBACK.format(id=proposal.id,
                                                  title=escaped(proposal.title, 150))
    return Message(text=fallback, blocks=blocks)


def review_reminder_message(proposal: Proposal, reviewers: list[str], hours: int,
                            *, usergroup: str | None = None) -> Message:
    """In the review thread, past the SLA: how long it has waited, and who should act (each
    reviewer mentioned by the id the settings or the departments file give; the central
    team's user group when no one is listed)."""
    told = readout.review_reminder(proposal, hours)
    mentions = [shown for user in reviewers if (shown := mention(user))]
    if not mentions and usergroup:
        mentions = [f"<!subteam^{usergroup}>"]
    who_line = (readout.REVIEW_REMINDER_WHO.format(who=", ".join(mentions)) if mentions
                else readout.REVIEW_REMINDER_NOBODY)
    line = f"{escape(told.headline)}\n{who_line}"
    fallback = T.REVIEW_REMINDER_FALLBACK.format(id=proposal.id)
    return Message(text=fallback, blocks=[SectionBlock(text=user_text(line))])


def takedown_message(proposal: Proposal) -> Message:
    """To whoever published (or approved) it: what must come down, who asked, why, where."""
    told = readout.takedown_notice(proposal)
    takedown = proposal.takedown
    blocks = _reminder_blocks(told)
    if takedown is not None:
        asked = readout.TAKEDOWN_WHO.format(who=who(takedown.by), when=when(takedown.at))
        blocks.insert(1, SectionBlock(text=user_text(asked)))
    if told.note:
        chunks, _ = quote(told.note, 2500)
        blocks.append(SectionBlock(text=user_text(f"*{readout.NOTE}:*\n" + "\n".join(chunks))))
    if told.links:
        blocks.append(SectionBlock(text=user_text(links_text(told.links))))
    fallback = T.TAKEDOWN_FALLBACK.format(id=proposal.id, title=escaped(proposal.title, 150))
    return Message(text=fallback, blocks=blocks)


def _reminder_blocks(told: Reminder) -> list[Block]:
    head = f"*{escape(told.headline)}*: {escaped(told.title, 200)}"
    return [SectionBlock(text=user_text(head)),
            *(SectionBlock(text=user_text(escape(line))) for line in told.lines)]


_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,20}")


def mention(user_id: str) -> str:
    """A mention of a reviewer by id; "" for anything that is not a Slack user id (the id
    comes from settings, never from what a user typed, but a mention is only ever made of
    an id's own characters)."""
    return f"<@{user_id}>" if _SLACK_USER.fullmatch(user_id) else ""
