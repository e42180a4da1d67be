"""The weekly digest as Slack Block Kit (outbox kind "digest", and `/foreslå-opslag uge`).

All user text (titles, names) is escaped for mrkdwn and shown in verbatim sections (Slack
links no address or name in them by itself). Long lists end in "… og N mere", and the message
stays under Slack's limits: 3,000 characters a section, 50 blocks, and the blocks'
total size (lists are cut shorter until it fits `mrkdwn.MESSAGE_BUDGET`).
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.digest import (
    MAX_LISTED,
    TEXT,
    Digest,
    Item,
    PendingItem,
    age_text,
    backup_text,
    capped,
    coverage_sections,
    coverage_text,
    more_text,
    pending_flags,
    platform_balance_text,
    platforms_text,
)
from handlers.slack.mrkdwn import MESSAGE_BUDGET, SECTION_MAX, as_dicts, escape, size, user_text

HEADER_MAX = 150
BLOCKS_MAX = 50
# Items shown per list, tried in turn until the message fits Slack's size budget.
CAPS = (MAX_LISTED, 10, 5, 3, 1)


def digest_blocks(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return blocks_of(Digest.model_validate(payload["digest"]))


def blocks_of(digest: Digest) -> list[dict[str, Any]]:
    """`digest_blocks` of a digest at hand (no round trip through its payload)."""
    for cap in CAPS:
        # The backup line last, kept however long the rest is.
        blocks = [*_blocks(digest, cap)[:BLOCKS_MAX - 1], _backup(digest)]
        if size(blocks) <= MESSAGE_BUDGET:
            break
    return as_dicts(blocks)


def fallback_of(digest: Digest) -> str:
    """The notification text that goes with the blocks (chat.postMessage `text`)."""
    return f"{digest.title} · {digest.period}"


def _blocks(digest: Digest, cap: int) -> list[Block]:
    intro = escape(f"{TEXT['intro']} · {digest.period}")
    lists: list[Block] = []
    for listing in digest.listings():
        if listing.shown:
            lines = [_line(item, digest.sla_hours) for item in listing.items]
            lists += _section(listing.heading, _capped(lines, cap, listing.more),
                              listing.empty or "")
    return [
        HeaderBlock(text=PlainTextObject(text=digest.title[:HEADER_MAX])),
        ContextBlock(elements=[MarkdownTextObject(text=intro)]),
        *_planned(digest, cap),
        *lists,
        *_coverage(digest),
    ]


def _line(item: Item, sla_hours: int) -> str:
    return _pending(item, sla_hours) if isinstance(item, PendingItem) else _item(item)


def _backup(digest: Digest) -> Block:
    return ContextBlock(elements=[MarkdownTextObject(text=escape(backup_text(digest)))])


def _planned(digest: Digest, cap: int) -> list[Block]:
    lines = []
    for day in digest.days:
        items = _capped([_item(item) for item in day.items], cap)
        lines.append(f"*{escape(day.label)}*")
        lines.extend(items or [f"_{TEXT['nothing_that_day']}_"])
    return [DividerBlock(), *_packed(f"*{escape(TEXT['planned'])}*", lines)]


def _section(heading: str, lines: list[str], empty: str) -> list[Block]:
    return [DividerBlock(), *_packed(f"*{escape(heading)}*", lines or [escape(empty)])]


def _coverage(digest: Digest) -> list[Block]:
    lines = []
    for heading, groups in coverage_sections(digest):
        lines.append(f"*{escape(heading)}*")
        lines.extend(escape(coverage_text(group)) for group in groups)
    lines += [f"*{escape(TEXT['platforms'])}*", escape(platform_balance_text(digest.platforms))]
    return [DividerBlock(), *_packed(f"*{escape(TEXT['coverage'])}*", lines)]


def _item(item: Item) -> str:
    by = escape(TEXT["by"].format(name=item.proposer))
    number = escape(TEXT["number"].format(id=item.id))
    return f"• *{escape(item.title)}* · {escape(platforms_text(item))} · _{by}_ ({number})"


def _pending(item: PendingItem, sla_hours: int) -> str:
    waiting = escape(TEXT["waiting"].format(age=age_text(item.age_hours)))
    flags = "".join(f" · :warning: *{escape(flag)}*" for flag in pending_flags(item, sla_hours))
    by = escape(TEXT["by"].format(name=item.proposer))
    number = escape(TEXT["number"].format(id=item.id))
    detail = f" · {escape(item.detail)}" if item.detail else ""
    return f"• *{escape(item.title)}*{detail} · {waiting}{flags} · _{by}_ ({number})"


def _capped(lines: list[str], cap: int, more: int = 0) -> list[str]:
    shown, left_out = capped(lines, cap, more)
    return [*shown, escape(more_text(left_out))] if left_out else shown


def _packed(heading: str, lines: list[str]) -> list[Block]:
    """The heading and lines in as few sections as fit, none over Slack's 3,000 characters;
    verbatim, as the lines hold users' titles and names."""
    sections: list[str] = []
    current = heading
    for line in lines:
        if len(current) + 1 + len(line) > SECTION_MAX:
            sections.append(current)
            current = line
        else:
            current = f"{current}\n{line}"
    sections.append(current)
    return [SectionBlock(text=user_text(text)) for text in sections]
