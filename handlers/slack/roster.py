"""The central team as a Slack user group (SLACK_CENTRAL_USERGROUP), kept fresh in memory.

The workflow asks `ids()` on every decision; it answers from the cache at once and, when the
cache is older than `ttl`, refreshes it in the background with usergroups.users.list. The
workflow runs on the store thread (bot/store_thread.py), so `ids()` may be called there: the
refresh is then handed to the event loop it was first called on (`call_soon_threadsafe`), and
the cache is a frozenset replaced whole, so a reader in another thread sees the old or the new
list, never half of one. User
groups need a paid Slack plan: when the call fails for good, we log it once and keep using the
configured user ids (SLACK_CENTRAL_USERS) and whatever the group held before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

GIVE_UP_ERRORS = frozenset({
    "paid_only", "paid_teams_only", "missing_scope", "no_such_subteam", "invalid_auth",
    "not_allowed_token_type", "team_access_not_granted",
})


class UsergroupRoster:
    def __init__(self, client: AsyncWebClient, usergroup: str, *, ttl: float = 300.0) -> None:
        self.client = client
        self.usergroup = usergroup
        self.ttl = ttl
        self._ids: frozenset[str] = frozenset()
        self._refreshed_at: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # where refreshes run
        self._task: asyncio.Task[None] | None = None
        self._given_up = False
        self._warned = False

    def ids(self) -> frozenset[str]:
        """The group's members as last seen; starts a background refresh when stale. Safe
        from any thread."""
        if self._stale():
            self._schedule_refresh()
        return self._ids

    def _schedule_refresh(self) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:  # the store thread, or no loop at all (a CLI call)
            loop = self._loop
            if loop is not None and not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # closed meanwhile
                    loop.call_soon_threadsafe(self._start_refresh)
            return  # without any loop the cache is all we have
        self._loop = running
        self._start_refresh()

    def _start_refresh(self) -> None:
        """On the event loop: one refresh at a time."""
        if self._stale() and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self.refresh())

    def _stale(self) -> bool:
        if self._given_up:
            return False
        return self._refreshed_at is None or time.monotonic() - self._refreshed_at > self.ttl

    async def refresh(self) -> None:
        try:
            response = await self.client.usergroups_users_list(usergroup=self.usergroup)
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            self._given_up = error in GIVE_UP_ERRORS
            self._warn_once(str(error or exc.response.status_code))
        except Exception as exc:  # network trouble: keep the list, try again after the ttl
            self._warn_once(type(exc).__name__)
        else:
            self._ids = frozenset(str(user) for user in response.get("users") or [])
        finally:
            self._refreshed_at = time.monotonic()

    def _warn_once(self, reason: str) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "Slack-brugergruppen %s kunne ikke læses (%s); bruger SLACK_CENTRAL_USERS og "
                "den seneste kendte liste", self.usergroup, reason,
            )

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
