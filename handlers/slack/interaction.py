"""What the listeners share: who is acting, and short answers only that person sees."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.proposal import Actor, Proposal
from bot.workflow import status_label
from handlers.slack import text as T
from handlers.slack.mrkdwn import who

log = logging.getLogger(__name__)

async def after_ack() -> None:
    """Between a listener's ack() and its work: let whatever else is ready run first.

    bolt sends the answer at its next check for the ack (within 10 ms); the work after ack()
    fits in that gap instead of holding up other requests' answers. Measured with 50
    concurrent slash commands (bench/bench_slack.py)."""
    await asyncio.sleep(0)


def actor_from(body: dict[str, Any]) -> Actor:
    """The Slack user behind an interaction (a button, a view submission, a shortcut)."""
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id")
    return Actor(
        platform="slack",
        user_id=str(user.get("id", "")),
        name=str(user.get("name") or user.get("username") or ""),
        address={"team_id": team, "user_id": user.get("id")},
    )


def channel_of(body: dict[str, Any]) -> str | None:
    channel = (body.get("channel") or {}).get("id")
    return channel or (body.get("container") or {}).get("channel_id")


async def tell(client: AsyncWebClient, body: dict[str, Any], text: str) -> None:
    """An ephemeral answer to the person who clicked, where they clicked."""
    channel, user = channel_of(body), (body.get("user") or {}).get("id")
    if not channel or not user:
        return
    try:
        await client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as exc:
        log.warning("kunne ikke svare %s i %s: %s", user, channel, exc.response.get("error"))


def already_text(proposal: Proposal, *, plain: bool = False) -> str:
    """Why nothing changed; `plain` for places without mrkdwn (a modal's field error)."""
    decided_by = proposal.decided_by
    name = (decided_by.display if plain else who(decided_by)) if decided_by else ""
    by = T.ALREADY_BY.format(who=name) if name else ""
    return T.ALREADY.format(id=proposal.id, status=status_label(proposal.status), by=by)


async def open_view(
    client: AsyncWebClient, trigger_id: str, view: View | dict[str, Any]
) -> bool:
    """Open a modal; False when Slack refused (the trigger expired after its 3 seconds)."""
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open fejlede: %s", exc.response.get("error"))
        return False
    return True
