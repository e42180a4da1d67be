"""The monthly strategy summary in the review channels (issue 13 §2). Not built yet."""

from __future__ import annotations

from bot.core import Core
from bot.platform import Target


def post_due(core: Core) -> list[Target]:
    """Claim and enqueue the month's summary for each review channel nobody has posted it to
    yet; returns where this call posted. Not built yet: posts nothing."""
    return []
