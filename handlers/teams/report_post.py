"""The monthly summary in Teams (outbox kind "monthly_report"): an Adaptive Card 1.5 with the
three numbers as a FactSet, the chart as an image and a button to the full page.

The image is a `data:` PNG inside the card, drawn from the payload's numbers when the row is
sent (handlers/monthly_chart.py, off the event loop), not a link to this server: Teams fetches
an image URL through Microsoft's servers, which reach only a public server, and the link would
put the report's token in every card's JSON and in Microsoft's image cache too. The chart's PNG
is some 10 KB (a palette of a few colours), well within the size Teams takes for a message
(about 28 KB); a card that would still be larger than `CARD_BUDGET` goes without the image
and says so. Text from the strategy file (the focus areas' names) goes in a RichTextBlock, as
plain text (handlers/teams/cards.py). Like the weekly digest card, it is not looked up before
a retry (handlers/teams/sender.py says why): a card in flight when the server was killed may
come twice.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from bot.config import Settings
from bot.monthly import Summary, page_url
from handlers import monthly_chart
from handlers.teams import text as T
from handlers.teams.cards import Card, Element, card, heading, note, rich

# The largest card (JSON bytes) sent with its image; Teams takes messages of about 28 KB.
CARD_BUDGET = 24_000


async def summary_card(payload: dict[str, Any], settings: Settings) -> tuple[Card, str]:
    """The card for a stored row, and the summary line Teams shows in notifications."""
    summary = Summary.model_validate(payload["summary"])
    image = await asyncio.to_thread(monthly_chart.png, summary)
    return build_card(summary, image, page_url(settings, summary.month)), summary.title


def build_card(summary: Summary, image: bytes | None, url: str | None) -> Card:
    """The card with the image, unless it would make the card larger than CARD_BUDGET."""
    built = _card(summary, image, url)
    if image is not None and len(json.dumps(built).encode()) > CARD_BUDGET:
        built = _card(summary, None, url, dropped=True)
    return built


def _card(summary: Summary, image: bytes | None, url: str | None, *,
          dropped: bool = False) -> Card:
    body: list[Element] = [
        heading(summary.title),
        note(summary.intro),
        {"type": "FactSet", "facts": [
            {"title": figure.label, "value": f"{figure.value} ({figure.note})"}
            for figure in summary.figures
        ]},
    ]
    notice = summary.notice()
    if notice:
        body.append(note(notice, subtle=True))
    body.append(rich(summary.reading))
    if image is not None:
        body.append({"type": "Image", "altText": summary.alt, "size": "Stretch",
                     "url": "data:image/png;base64," + base64.b64encode(image).decode("ascii")})
    elif dropped:
        body.append(note(T.MONTHLY_NO_IMAGE, subtle=True, small=True))
    if url is None:
        body.append(rich(summary.without_link(), isSubtle=True))
        return card(body)
    return card(body, [{"type": "Action.OpenUrl", "title": summary.link_text(), "url": url}])
