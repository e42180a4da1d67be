"""The advice in Slack: the short answer in the modal, before anything is sent, and the
details one click away in a view pushed on top of it.

Both render the core's model of the advice (bot/advice.py); only the Block Kit is ours. The
details are shortened, level by level, until they fit a modal (never refused whole).
"""

from __future__ import annotations

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import advice as A
from bot.advice import Advice, Fit, Section
from bot.readout import REVIEW_BY
from handlers.slack import ids
from handlers.slack import text as T
from handlers.slack.messages import DETAIL_LEVELS, Detail
from handlers.slack.mrkdwn import bullets, escape, escaped, user_text

MODAL_BLOCKS_MAX = 100


def advice_view(advice: Advice, *, private_metadata: str) -> View:
    """The modal after the questions: the short answer, the platforms that fit, and the
    choices (Send stores; Ret brings the questions back; Drop closes, nothing stored)."""
    blocks: list[Block] = [HeaderBlock(text=advice.title)]
    if advice.summary:
        blocks.append(SectionBlock(text=user_text(
            "\n".join(f"*{escaped(line, 300)}*" for line in advice.summary))))
    if advice.best:
        fits = " · ".join(escape(fit.headline) for fit in advice.best)
        blocks.append(ContextBlock(elements=[user_text(fits)]))
    blocks.append(ActionsBlock(block_id=ids.ADVICE_ACTIONS, elements=[
        ButtonElement(text=T.ADVICE_DETAILS, action_id=ids.ADVICE_DETAILS),
        ButtonElement(text=T.ADVICE_EDIT, action_id=ids.ADVICE_EDIT),
    ]))
    blocks.append(ContextBlock(elements=[user_text(T.ADVICE_CHOICES)]))
    return View(type="modal", callback_id=ids.ADVICE_VIEW, title=T.ADVICE_TITLE,
                submit=T.ADVICE_SEND, close=T.ADVICE_DROP,
                private_metadata=private_metadata, blocks=blocks)


def details_view(advice: Advice) -> View:
    """Every reason, tip and finding: pushed on top of the advice; closing it goes back."""
    for detail in DETAIL_LEVELS:
        blocks = _detail_blocks(advice, detail)
        try:
            return _details(blocks)
        except SlackObjectFormationError:  # a part over Slack's limits: say less
            continue
    return _details(_detail_blocks(advice, DETAIL_LEVELS[-1])[:MODAL_BLOCKS_MAX])


def _details(blocks: list[Block]) -> View:
    view = View(type="modal", title=T.ADVICE_DETAILS_TITLE, close=T.ADVICE_BACK,
                blocks=blocks[:MODAL_BLOCKS_MAX])
    view.to_dict()  # checks Slack's limits now, while a shorter rendering can be tried
    return view


def _detail_blocks(advice: Advice, detail: Detail) -> list[Block]:
    blocks: list[Block] = [SectionBlock(text=f"*{A.PLATFORMS}*")]
    blocks += [_fit_section(fit, detail) for fit in advice.fits]
    for section in advice.sections:
        blocks.append(DividerBlock())
        blocks += _section_blocks(section, detail)
    review = advice.review
    urgent = f" {A.URGENT}" if review.urgent else ""
    lines = (f"*{REVIEW_BY}:* {escape(review.who)}. {escaped(review.reason, 600)}{urgent}\n"
             f"*{A.WHEN}:* {escape(review.when)}")
    blocks += [DividerBlock(), SectionBlock(text=user_text(lines))]
    return blocks


def _fit_section(fit: Fit, detail: Detail) -> SectionBlock:
    head = f"*{escape(fit.headline)}*"
    return SectionBlock(text=user_text(f"{head}\n{_list(fit.reasons, detail)}"))


def _section_blocks(section: Section, detail: Detail) -> list[Block]:
    head = f"*{escape(section.title)}*"
    if section.subheads:
        blocks: list[Block] = [SectionBlock(text=user_text(head))]
        blocks += [SectionBlock(text=user_text(f"_{escape(name)}_\n{_list(items, detail)}"))
                   for name, items in section.subheads]
        return blocks
    if section.whole:  # none may be left out: each item is shortened instead
        each = min(detail.each, 2800 // max(len(section.items), 1))
        body = bullets(section.items, limit=len(section.items), each=each)
    else:
        body = _list(section.items, detail, extra=2) if section.items else escape(section.empty)
    return [SectionBlock(text=user_text(f"{head}\n{body}"))]


def _list(items: list[str], detail: Detail, *, extra: int = 0) -> str:
    return bullets(items, limit=detail.count + extra, each=detail.each)
