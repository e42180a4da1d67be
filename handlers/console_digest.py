"""The weekly digest as plain text for the terminal (`opslag digest`)."""

from __future__ import annotations

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


def render_digest(digest: Digest) -> str:
    lines = [f"{digest.title} · {digest.period}", ""]
    lines += _planned(digest)
    for listing in digest.listings():
        if listing.shown:
            lines += ["", listing.heading]
            lines += _listed([_line(item, digest.sla_hours) for item in listing.items],
                             listing.empty, listing.more)
    lines += ["", TEXT["coverage"], *_coverage(digest)]
    lines += ["", TEXT["platforms"], f"  {platform_balance_text(digest.platforms)}"]
    lines += ["", backup_text(digest)]
    return "\n".join(lines)


def _planned(digest: Digest) -> list[str]:
    lines = [TEXT["planned"]]
    for day in digest.days:
        lines.append(f"  {day.label}")
        if not day.items:
            lines.append(f"    – {TEXT['nothing_that_day']}")
        lines.extend("  " + line for line in _listed([_item_line(i) for i in day.items], None))
    return lines


def _listed(lines: list[str], empty: str | None, more: int = 0) -> list[str]:
    if not lines and not more:
        return [f"  {empty}"] if empty else []
    listed, left_out = capped(lines, MAX_LISTED, more)
    shown = [f"  • {line}" for line in listed]
    if left_out:
        shown.append(f"  {more_text(left_out)}")
    return shown


def _line(item: Item, sla_hours: int) -> str:
    return _pending_line(item, sla_hours) if isinstance(item, PendingItem) else _item_line(item)


def _item_line(item: Item) -> str:
    by = TEXT["by"].format(name=item.proposer)
    number = TEXT["number"].format(id=item.id)
    return f"{item.title} — {platforms_text(item)} · {by} ({number})"


def _pending_line(item: PendingItem, sla_hours: int) -> str:
    flags = [item.detail] if item.detail else []
    flags += [TEXT["waiting"].format(age=age_text(item.age_hours))]
    flags += [flag.upper() for flag in pending_flags(item, sla_hours)]
    by = TEXT["by"].format(name=item.proposer)
    number = TEXT["number"].format(id=item.id)
    return f"{item.title} — {' · '.join(flags)} · {by} ({number})"


def _coverage(digest: Digest) -> list[str]:
    lines = []
    for heading, groups in coverage_sections(digest):
        lines.append(f"  {heading}")
        lines.extend(f"    {coverage_text(group)}" for group in groups)
    return lines
