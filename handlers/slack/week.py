"""`/foreslå-opslag uge`: this week's planned content. The digest fills it; until it is wired,
the answer says that the overview comes soon."""

from __future__ import annotations

from bot.core import Core
from handlers.slack.messages import Message, week_soon_message


def week_overview(core: Core) -> Message:
    """The message `/foreslå-opslag uge` answers with (only the person who asked sees it)."""
    return week_soon_message()
