"""The weekly digest as an Adaptive Card 1.5 (outbox kind "digest", and `ugeoversigt`).

The card is built as Python data, never as templated JSON text. User text (titles, names) goes
into TextRuns of RichTextBlocks through `cards.plain`, so Teams shows it as written: no
markdown, no mentions. Lists are cut shorter until the card fits Teams' message size.
"""

from __future__ import annotations

import json
from typing import Any

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
from handlers.teams.cards import Card, Element, card, heading, plain

# Teams refuses a message over about 28 KB; stay well below it.
CARD_BUDGET = 24_000
# Items shown per list, tried in turn until the card fits the budget.
CAPS = (MAX_LISTED, 10, 5, 3, 1)


def digest_card(payload: dict[str, Any]) -> Card:
    return card_of(Digest.model_validate(payload["digest"]))


def card_of(digest: Digest) -> Card:
    """`digest_card` of a digest at hand (no round trip through its payload)."""
    for cap in CAPS:
        built = card(_body(digest, cap))
        if len(json.dumps(built, ensure_ascii=False).encode()) <= CARD_BUDGET:
            break
    return built


def _body(digest: Digest, cap: int) -> list[Element]:
    lists: list[Element] = []
    for listing in digest.listings():
        if listing.shown:
            lines = [_line_of(item, digest.sla_hours) for item in listing.items]
            lists += [_section(listing.heading),
                      *_listed(lines, cap, listing.empty or "", listing.more)]
    return [
        _text(digest.title, size="Large", weight="Bolder"),
        _text(f"{TEXT['intro']} · {digest.period}", isSubtle=True, spacing="None"),
        _section(TEXT["planned"]),
        *_planned(digest, cap),
        *lists,
        _section(TEXT["coverage"]),
        *_coverage(digest),
        _text(backup_text(digest), isSubtle=True, separator=True, spacing="Medium"),
    ]


def _text(text: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _section(text: str) -> Element:
    return {**heading(text), "separator": True, "spacing": "Medium"}


def _run(text: str, **style: Any) -> Element:
    return {"type": "TextRun", "text": plain(text), **style}


def _line(*runs: Element) -> Element:
    return {"type": "RichTextBlock", "inlines": list(runs), "spacing": "Small"}


def _planned(digest: Digest, cap: int) -> list[Element]:
    elements = []
    for day in digest.days:
        elements.append(_text(day.label, weight="Bolder", spacing="Small"))
        elements += _listed([_item(item) for item in day.items], cap, TEXT["nothing_that_day"])
    return elements


def _listed(lines: list[Element], cap: int, empty: str, more: int = 0) -> list[Element]:
    if not lines:
        return [_line(_run(empty, isSubtle=True, italic=True))]
    shown, left_out = capped(lines, cap, more)
    return [*shown, _line(_run(more_text(left_out), isSubtle=True))] if left_out else shown


def _line_of(item: Item, sla_hours: int) -> Element:
    return _pending(item, sla_hours) if isinstance(item, PendingItem) else _item(item)


def _item(item: Item) -> Element:
    return _line(
        _run(item.title, weight="Bolder"),
        _run(f" · {platforms_text(item)} · "),
        *_by(item),
    )


def _pending(item: PendingItem, sla_hours: int) -> Element:
    flags = [
        _run(f" · {flag}", color="Attention", weight="Bolder")
        for flag in pending_flags(item, sla_hours)
    ]
    detail = [_run(f" · {item.detail}")] if item.detail else []
    return _line(
        _run(item.title, weight="Bolder"),
        *detail,
        _run(f" · {TEXT['waiting'].format(age=age_text(item.age_hours))}"),
        *flags,
        _run(" · "),
        *_by(item),
    )


def _by(item: Item) -> list[Element]:
    return [
        _run(TEXT["by"].format(name=item.proposer), italic=True),
        _run(f" ({TEXT['number'].format(id=item.id)})", isSubtle=True),
    ]


def _coverage(digest: Digest) -> list[Element]:
    elements = []
    for title, groups in coverage_sections(digest):
        elements.append(_text(title, weight="Bolder", spacing="Small"))
        elements += [_line(_run(coverage_text(group))) for group in groups]
    elements.append(_text(TEXT["platforms"], weight="Bolder", spacing="Small"))
    elements.append(_line(_run(platform_balance_text(digest.platforms))))
    return elements
