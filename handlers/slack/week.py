"""`/foreslå-opslag uge`: the coming week's planned content, as the Monday digest shows it."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot import schedule
from bot.core import Core
from handlers.slack.digest_view import digest_blocks, digest_fallback_text
from handlers.slack.messages import Message


def week_overview(core: Core) -> Message:
    """The message `/foreslå-opslag uge` answers with (only the person who asked sees it)."""
    payload = schedule.week_overview(core).payload()
    return Message(
        text=digest_fallback_text(payload), blocks=Block.parse_all(digest_blocks(payload))
    )
