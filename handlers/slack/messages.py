"""Messages in channels and DMs: help, the recommendation, the review post and its thread,
decision notices and escalations.

Every builder returns a `Message` (fallback text + blocks) that stays under Slack's size limit:
long parts are shortened, never the whole message refused.
"""

from __future__ import annotations

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
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import readout
from bot.proposal import Proposal, Status
from bot.readout import Fact
from bot.workflow import status_label
from handlers.slack import ids
from handlers.slack import text as T
from handlers.slack.mrkdwn import (
    MESSAGE_BUDGET,
    as_dicts,
    bullets,
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
from policy import PlatformFit, Recommendation, label


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


# -- the recommendation, to the proposer --------------------------------------------------------


def recommendation_message(
    proposal: Proposal, *, sla_hours: int, escalate_minutes: int, again: bool = False
) -> Message:
    rec = proposal.recommendation

    def build(detail: Detail) -> list[Block]:
        blocks: list[Block] = [
            HeaderBlock(text=T.REC_HEADER_AGAIN if again else T.REC_HEADER),
            SectionBlock(text=user_text(
                T.REC_ABOUT.format(id=proposal.id, title=escaped(proposal.title, 200))
            )),
            *_summary_blocks(rec),
            SectionBlock(text=T.REC_PLATFORMS),
            *[_platform_section(fit, detail) for fit in rec.platforms],
            *_checklist_blocks(rec, detail),
            *_tone_blocks(rec, detail),
            _checks_section(rec, detail),
            *_warnings_blocks(rec, detail),
            DividerBlock(),
            SectionBlock(text=_review_line(rec, sla_hours, escalate_minutes)),
            _withdraw_actions(proposal),
        ]
        return blocks

    fallback = T.REC_FALLBACK.format(id=proposal.id, title=escaped(proposal.title, 150))
    blocks, sized = _fit(build)
    return Message(text=fallback, blocks=blocks, sized=sized)


def _list(items: list[str], detail: Detail, *, extra: int = 0) -> str:
    return bullets(items, limit=detail.count + extra, each=detail.each)


def _platform_section(fit: PlatformFit, detail: Detail) -> SectionBlock:
    head = f"{T.FIT_MARK[fit.fit]} *{escape(label('platform', fit.platform))}*: " + escape(
        label("fit", fit.fit)
    )
    return SectionBlock(text=user_text(f"{head}\n{_list(fit.reasons, detail)}"))


def _summary_blocks(rec: Recommendation) -> list[Block]:
    """The short answer first: at most three lines (where, who approves, what to fix)."""
    if not rec.summary:  # a recommendation stored before summaries existed
        return []
    return [SectionBlock(text=user_text("\n".join(escaped(line, 300) for line in rec.summary))),
            DividerBlock()]


def _checklist_blocks(rec: Recommendation, detail: Detail) -> list[Block]:
    """Every item of the crisis checklist (none may be left out), each shortened so the
    section stays within Slack's 3,000 characters."""
    items = rec.crisis_checklist
    if not items:
        return []
    each = min(detail.each, 2800 // len(items))
    text = bullets(items, limit=len(items), each=each)
    return [SectionBlock(text=user_text(f"{T.REC_CRISIS_CHECKLIST}\n{text}"))]


def _tone_blocks(rec: Recommendation, detail: Detail) -> list[Block]:
    if not rec.tone_tips:
        return []
    blocks: list[Block] = [SectionBlock(text=T.REC_TONE)]
    for platform, tips in list(rec.tone_tips.items())[:6]:
        if tips:
            head = f"*{escape(label('platform', platform))}*"
            blocks.append(
                SectionBlock(text=user_text(f"{head}\n{_list(tips, detail)}"))
            )
    return blocks


def _checks_section(rec: Recommendation, detail: Detail) -> SectionBlock:
    checks = rec.text_checks
    head = T.REC_TEXT.format(words=checks.words, lix=f"{checks.lix:.0f}")
    findings = [
        f"{finding.message} ({label('platform', finding.platform)})"
        if finding.platform else finding.message
        for finding in checks.findings
    ]
    body = _list(findings, detail, extra=2) if findings else T.REC_NO_FINDINGS
    return SectionBlock(text=user_text(f"{head}\n{body}"))


def _warnings_blocks(rec: Recommendation, detail: Detail) -> list[Block]:
    if not rec.warnings:
        return []
    text = f"{T.REC_WARNINGS}\n{_list([w.message for w in rec.warnings], detail)}"
    return [SectionBlock(text=user_text(text))]


def _review_line(rec: Recommendation, sla_hours: int, escalate_minutes: int) -> str:
    route = readout.route_name(rec.review.route, start=True)
    who_text = f"{route}. {escaped(rec.review.reason, 300)}"
    urgent = rec.review.urgent
    when_text = (
        T.REC_WHEN_URGENT.format(minutes=escalate_minutes) if urgent
        else T.REC_WHEN.format(hours=sla_hours)
    )
    return T.REC_REVIEW.format(who=who_text, when=when_text)


def _withdraw_actions(proposal: Proposal) -> ActionsBlock:
    confirm = ConfirmObject(
        title=T.REC_WITHDRAW_CONFIRM_TITLE, text=T.REC_WITHDRAW_CONFIRM_TEXT,
        confirm=T.REC_WITHDRAW_CONFIRM_YES, deny=T.REC_WITHDRAW_CONFIRM_NO,
    )
    button = ButtonElement(
        text=T.REC_WITHDRAW, action_id=ids.WITHDRAW, value=str(proposal.id), confirm=confirm
    )
    return ActionsBlock(block_id=f"withdraw-{proposal.id}", elements=[button])


# -- the review post, in the central team's channel ---------------------------------------------


def review_message(proposal: Proposal, *, usergroup: str | None = None) -> Message:
    """The review post: a summary, the recommended platforms, the draft quoted and, while the
    proposal waits, the three decision buttons; once decided, who decided and when."""
    crisis = proposal.intake.crisis
    head = _review_head(proposal, usergroup)
    tail = _review_tail(proposal)
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
        lines.append(f"{T.FIT_MARK[fit.fit]} *{platform}*: {reason}")
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


def _review_tail(proposal: Proposal) -> list[Block]:
    context = T.REVIEW_CONTEXT.format(
        id=proposal.id, revision=proposal.revision, policy=escape(proposal.policy_version)
    )
    blocks: list[Block] = [ContextBlock(elements=[MarkdownTextObject(text=context)])]
    status = readout.status_line(proposal)
    if status is None:
        if proposal.revision > 1:
            blocks.append(SectionBlock(text=user_text(readout.RESUBMITTED.format(
                revision=proposal.revision, who=who(proposal.proposer)
            ))))
        blocks.append(_decision_buttons(proposal))
    else:
        blocks.append(SectionBlock(text=user_text(_outcome_text(status))))
    return blocks


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
        ],
    )


def _outcome_text(status: readout.StatusLine) -> str:
    line = status.template.format(who=who(status.actor), when=when(status.at))
    if status.note:
        chunks, _ = quote(status.note, 1500)
        line += "\n" + "\n".join(chunks)
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
    if proposal.status is Status.CHANGES_REQUESTED:
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
