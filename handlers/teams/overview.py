"""`ugeoversigt`: the week's planned content, as one function the digest wires in later."""

from __future__ import annotations

from bot.core import Core
from handlers.teams import text as T


def week_overview(core: Core) -> str:
    """What `ugeoversigt` answers. Until the weekly digest lands it says that it is coming."""
    return T.WEEK_SOON
