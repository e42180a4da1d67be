"""Platform edges: translate events into workflow calls and results into views and cards."""

from __future__ import annotations

from bot.config import Settings
from bot.platform import Platform


def platforms(settings: Settings) -> list[Platform]:
    """Every edge's platform as configured, for a process that does not serve them (the
    terminal, a script): the core then knows where each reviews and who is central there, and
    stores their messages for the server to send. Reads (and checks) each edge's settings."""
    from handlers import slack, teams  # each edge's package is light; its web stack is not

    return [slack.platform(settings), teams.platform(settings)]
