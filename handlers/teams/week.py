"""`ugeoversigt`: the week's planned content as the same card the Monday digest posts."""

from __future__ import annotations

from microsoft_agents.activity import Activity

from bot import schedule
from bot.core import Core
from handlers.teams.digest_render import card_of
from handlers.teams.edge import card_message


def week_overview(core: Core) -> Activity:
    """What `ugeoversigt` answers: the coming week's digest, built from the store now."""
    digest = schedule.week_overview(core)
    return card_message(card_of(digest), digest.title)
