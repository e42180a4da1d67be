"""Advice before sending: the answers a person has read the advice on, kept until they choose.

A surface that cannot carry the answers in the advice it shows (a chat modal whose metadata
holds 3,000 characters, when the draft alone may hold that) keeps them here under the form's
key, and reads them back when the person presses Send or Ret. Nothing here is a proposal: only
Send stores one (bot/submission.py), and what is kept is forgotten after `KEEP`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from pydantic import ValidationError

from bot.store import Store, StoreUnavailable
from bot.workflow import Unavailable
from policy.models import Intake

PREFIX: Final = "preview:"
KEEP: Final = dt.timedelta(days=2)


@dataclass(frozen=True, slots=True)
class Preview:
    intake: Intake
    user: str  # who answered: only they may send it
    proposal_id: int | None  # the proposal it edits, for a resubmission


class Previews:
    def __init__(self, store: Store, clock: Callable[[], dt.datetime]) -> None:
        self.store = store
        self.clock = clock

    def keep(self, form_key: str, preview: Preview) -> None:
        """Raises Unavailable when the database cannot write now (nothing is kept)."""
        now = self.clock()
        data = {"intake": preview.intake.model_dump(mode="json"), "user": preview.user,
                "proposal_id": preview.proposal_id, "kept_at": now.isoformat()}
        try:
            self.store.put_ref(PREFIX + form_key, data, now)
            self.store.forget_refs(PREFIX, now - KEEP)
        except StoreUnavailable as exc:
            raise Unavailable() from exc

    def recall(self, form_key: str, user: str) -> Preview | None:
        """The answers kept under `form_key` for `user`; None when there are none (forgotten,
        never kept, or someone else's), or they no longer make an intake."""
        try:
            data = self.store.get_ref(PREFIX + form_key)
        except StoreUnavailable as exc:
            raise Unavailable() from exc
        if not data or data.get("user") != user or self._expired(data.get("kept_at")):
            return None
        try:
            intake = Intake.model_validate(data.get("intake"))
        except ValidationError:  # kept under an older policy that no longer accepts it
            return None
        proposal_id = data.get("proposal_id")
        return Preview(intake, user, proposal_id if isinstance(proposal_id, int) else None)

    def _expired(self, kept_at: object) -> bool:
        try:
            kept = dt.datetime.fromisoformat(str(kept_at))
        except ValueError:
            return True
        return self.clock() - kept > KEEP
