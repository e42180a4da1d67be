"""Posting a scheduled message once per run and channel (the weekly digest, the monthly
summary): each target's run key is claimed in the store's `runs` table in the same
transaction as its outbox row, so across restarts and processes only one claim wins."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.core import Core
from bot.platform import Kind, Target
from bot.store import NewMessage


def post_claimed(core: Core, kind: Kind, keys: Mapping[Target, str],
                 payload: Callable[[str], dict[str, Any]]) -> list[Target]:
    """Claim each target's run key and enqueue `payload(channel)` for it, together; a key
    some process has claimed already is left alone. Returns the targets this call posted to."""
    now = core.clock()
    posted = []
    for target, key in keys.items():
        with core.store.transaction():
            if core.store.claim_run(key, now):
                message = NewMessage(platform=target.platform, kind=kind, dedupe_key=key,
                                     payload=payload(target.channel))
                core.store.enqueue(message, now)
                posted.append(target)
    if posted:
        core.outbox.notify()
    return posted
