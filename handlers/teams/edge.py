"""The Agents SDK objects of the Teams edge, built once: adapter, application, proactive sends."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from microsoft_agents.activity import Activity, ActivityTypes, Attachment, InvokeResponse
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentApplication,
    ApplicationOptions,
    ClaimsIdentity,
    MemoryStorage,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.app.adaptive_card import factory
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from microsoft_agents.hosting.core.connector.conversations_base import ConversationsBase

from bot.core import Core
from bot.outbox import PermanentFailure
from handlers.teams import refs
from handlers.teams import text as T
from handlers.teams.cards import Card, attachment
from handlers.teams.hosting import ServiceUrls, TeamsAuth
from handlers.teams.settings import TeamsSettings

log = logging.getLogger(__name__)

R = TypeVar("R")
Work = Callable[[ConversationsBase], Awaitable[R]]
_SDK_ACTIVITY_LOGGER = "microsoft_agents.activity.activity"


@dataclass
class TeamsEdge:
    """What the listeners and the sender share: the core, the SDK objects, the settings."""

    core: Core
    auth: TeamsAuth
    adapter: CloudAdapter
    app: AgentApplication[TurnState]
    service_urls: ServiceUrls
    settings: TeamsSettings

    @property
    def zone(self) -> str:
        return self.core.settings.opslag_timezone

    async def proactive(self, reference: dict[str, Any], work: Work[R]) -> R:
        """Run `work` against the connector of a stored conversation, outside any turn.

        Every send outside a turn passes here. A reference whose serviceUrl is no connector
        of Microsoft's channels (stored before that was checked, or written into the
        database) is never used: our token would go with the request."""
        ref = refs.load(reference)
        if not self.service_urls.is_allowed(ref.service_url or ""):
            log.warning("Teams: sendte ikke til en gemt samtale med en fremmed serviceUrl "
                        "(%r)", refs.service_host(ref))
            raise PermanentFailure("den gemte Teams-samtale peger på en fremmed adresse")
        continuation = ref.get_continuation_activity()
        results: list[R] = []

        async def callback(context: TurnContext) -> None:
            client = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
            if client is None:
                raise RuntimeError("Agents SDK gav ingen connector til turen")
            results.append(await work(client.conversations))

        if self.auth.local:
            # No app id and no tenant: continue_conversation would ask MSAL for a token and
            # fail, so run the turn with an anonymous identity instead (Agents Playground).
            await self.adapter.continue_conversation_with_claims(
                ClaimsIdentity(), continuation, callback
            )
        else:
            await self.adapter.continue_conversation(self.auth.app_id, continuation, callback)
        return results[0]


class _NoInvalidActivityTraceback(logging.Filter):
    """The SDK logs each activity that fails validation at ERROR, with a traceback. The
    endpoint refuses those itself (400) with one warning line before the SDK sees them,
    and a malformed request is no error of ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Validation error for Activity")


_NO_INVALID_ACTIVITY_TRACEBACK = _NoInvalidActivityTraceback()


def build_edge(core: Core, auth: TeamsAuth, settings: TeamsSettings) -> TeamsEdge:
    sdk_activity_log = logging.getLogger(_SDK_ACTIVITY_LOGGER)
    if _NO_INVALID_ACTIVITY_TRACEBACK not in sdk_activity_log.filters:
        sdk_activity_log.addFilter(_NO_INVALID_ACTIVITY_TRACEBACK)
    service_urls = ServiceUrls(settings.service_url_hosts, local=auth.local)
    # The SDK refuses (401) an activity whose serviceUrl is not allowed, or whose host is
    # not the one in the token's serviceurl claim, before the turn: nothing is stored.
    adapter = CloudAdapter(connection_manager=auth.connections, host_validator=service_urls)
    # The SDK's default turn error handler posts the exception text into the chat and then
    # swallows it; we want failures of proactive sends to reach the outbox as exceptions.
    adapter.on_turn_error = None
    app = AgentApplication[TurnState](
        ApplicationOptions(
            storage=MemoryStorage(),
            start_typing_timer=False,  # no typing indicator: our answers are immediate
            remove_recipient_mention=True,
        ),
        connection_manager=auth.connections,
    )
    edge = TeamsEdge(core=core, auth=auth, adapter=adapter, app=app,
                     service_urls=service_urls, settings=settings)
    app.error(_on_error)
    return edge


def card_message(card: Card, summary: str | None = None) -> Activity:
    activity = Activity(type=ActivityTypes.message,
                        attachments=[Attachment(**attachment(card))])
    if summary:
        activity.summary = summary
    return activity


def text_message(text: str) -> Activity:
    return Activity(type=ActivityTypes.message, text=text, text_format="markdown")


async def _on_error(context: TurnContext, error: Exception) -> None:
    log.error("Teams: fejl under behandling af %s", context.activity.type, exc_info=error)
    try:
        if context.activity.type == ActivityTypes.invoke:
            body = factory.internal_error(T.SOMETHING_WENT_WRONG)
            await context.send_activity(Activity(
                type=ActivityTypes.invoke_response,
                value=InvokeResponse(status=200, body=body.model_dump(
                    mode="json", by_alias=True, exclude_none=True)),
            ))
        elif context.activity.type == ActivityTypes.message:
            await context.send_activity(text_message(T.SOMETHING_WENT_WRONG))
    except Exception:  # the connector may be what failed; the log line above is enough
        log.warning("Teams: kunne ikke sige undskyld efter en fejl")
