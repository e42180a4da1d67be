"""`/foreslå-opslag uge`: the coming week's planned content, as the Monday digest shows it."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot import schedule
from bot.core import Core
from handlers.slack.digest_render import blocks_of, fallback_of
from handlers.slack.messages import Message


def week_overview(core: Core) -> Message:
    """The message `/foreslå-opslag uge` answers with (only the person who asked sees it)."""
    digest = schedule.week_overview(core)
    return Message(text=fallback_of(digest), blocks=Block.parse_all(blocks_of(digest)))
