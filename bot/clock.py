"""Time as a dependency, so tests control it instead of waiting for it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    """One text form for every timestamp we store: UTC, second precision is not enough for order."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
