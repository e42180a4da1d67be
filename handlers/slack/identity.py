"""Who the bot is in Slack (auth.test), asked once at start in the background, and bolt's
`authorize` answered from it without a call.

Left to itself, slack-bolt asks auth.test on the first request: that first ack then waited for
Slack (2 s with a slow Slack), and while Slack answered 429 bolt told the user in English to
reinstall the app and dropped the request. Here the start-up task asks until it gets an answer
(on a 429 as long as Retry-After says, on other failures backing off up to the outbox's
longest wait), and no request ever waits for it: the bot token comes from the settings, and that
is all the listeners need. Only bolt's filter of the bot's own events needs the bot's ids from
auth.test; until they are known it lets such an event through, which does no harm here: the one
event listened to is a mention, and the bot never mentions itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.outbox import JITTER, PermanentFailure, RetryLater, backoff_seconds
from handlers.slack.sender import classify

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    """What auth.test answered: the workspace and the bot's own ids."""

    team_id: str | None
    enterprise_id: str | None
    bot_id: str | None
    bot_user_id: str | None
    scopes: str | None


@dataclass
class BotIdentity:
    client: AsyncWebClient
    rng: random.Random = field(default_factory=random.Random)
    known: Identity | None = None
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Ask auth.test in the background: neither the server's start nor its health check
        waits for Slack."""
        if self._task is None:
            self._task = asyncio.create_task(self._learn(), name="slack-auth-test")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def authorizer(self) -> Callable[..., Awaitable[AuthorizeResult]]:
        """bolt's `authorize`. A plain function: bolt passes arguments by the names it finds
        in the signature, and a bound method's would include `self`."""

        async def authorize(
            enterprise_id: str | None, team_id: str | None, user_id: str | None
        ) -> AuthorizeResult:
            return self.authorize_result(enterprise_id, team_id, user_id)

        return authorize

    def authorize_result(
        self, enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> AuthorizeResult:
        """Never a Web API call, never None (which bolt would answer with its English
        reinstall notice)."""
        known = self.known
        return AuthorizeResult(
            enterprise_id=(known.enterprise_id if known else None) or enterprise_id,
            team_id=(known.team_id if known else None) or team_id,
            bot_id=known.bot_id if known else None,
            bot_user_id=known.bot_user_id if known else None,
            bot_token=self.client.token,
            bot_scopes=known.scopes if known else None,
            user_id=user_id,
        )

    async def _learn(self) -> None:
        failures = 0
        while self.known is None:
            try:
                answer = await self.client.auth_test()
            except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
                wait = self._wait_after(exc, failures)
                failures += 1
                await asyncio.sleep(wait)
                continue
            self.known = Identity(
                team_id=answer.get("team_id"),
                enterprise_id=answer.get("enterprise_id"),
                bot_id=answer.get("bot_id"),
                bot_user_id=answer.get("user_id"),
                scopes=answer.headers.get("x-oauth-scopes"),
            )
        log.info("Slack: forbundet som bot-bruger %s i arbejdsområdet %s",
                 self.known.bot_user_id, self.known.team_id)

    def _wait_after(self, exc: Exception, failures: int) -> float:
        """Seconds until the next try, logged: Retry-After on a 429 (a minimum: the jitter
        only adds to it), else a backoff that grows with each failure."""
        outcome = classify(exc) if isinstance(exc, SlackApiError) else exc
        if isinstance(outcome, RetryLater) and outcome.after_seconds is not None:
            wait = outcome.after_seconds
        else:
            wait = backoff_seconds(failures)
        wait += self.rng.uniform(0, wait * JITTER)
        level = logging.ERROR if isinstance(outcome, PermanentFailure) else logging.WARNING
        log.log(level, "Slack: auth.test lykkedes ikke (%s); prøver igen om %.0f s",
                str(outcome) or type(exc).__name__, wait)
        return wait
