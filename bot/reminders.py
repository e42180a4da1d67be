"""Reminders: to review past the SLA, and to publish on the planned day (issue 12 §6)."""

from __future__ import annotations

from bot.core import Core


def run_due(core: Core) -> int:
    """Send the reminders due now; returns how many. Not built yet."""
    return 0
