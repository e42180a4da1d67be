"""The Slack edge: slash commands, the message shortcut, mentions, review buttons and modals
over slack-bolt's AsyncApp, served by the aiohttp server at POST /slack/events (or Socket Mode),
and the outbox sender that turns stored messages into Block Kit.

`platform(settings)` describes Slack to the core (bot/platform.py) without the web stack: the
terminal registers it so that its proposals reach Slack's review channel. `register(app, core)`
serves it: routes, sender and user-group roster, then the one `core.add_platform` call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from bot.config import Settings
from bot.core import Core
from bot.departments import Department
from bot.outbox import Sender
from bot.store import Store
from handlers.slack.settings import SlackSettings

if TYPE_CHECKING:
    from handlers.slack.edge import SlackEdge

log = logging.getLogger(__name__)

NAME = "slack"
SLACK_EDGE_KEY: web.AppKey[SlackEdge] = web.AppKey("slack_edge")


@dataclass
class SlackPlatform:
    """Slack as the core sees it (the `bot.platform.Platform` contract)."""

    settings: SlackSettings
    sender: Sender | None = None
    # The central user group's members, kept fresh by the served edge (handlers/slack/roster.py).
    usergroup_members: Callable[[], Iterable[str]] | None = None
    name: str = NAME
    label: str = "Slack"
    # Digest channels were Slack channel ids before there were two platforms: `C123` still is.
    bare_channels: bool = True
    channel_syntax: str = "slack:<kanal-id>"

    @property
    def public(self) -> bool:
        """Slack over HTTP sends its requests here; Socket Mode needs no way in."""
        return self.settings.over_http

    def review_channel(self, store: Store) -> str | None:
        settings = self.settings
        return settings.review_channel if settings.enabled and settings.review_channel else None

    def department_channel(self, department: Department, store: Store) -> str | None:
        """The channel the departments file names for the department (`review_channel:
        {slack: C123}`)."""
        return department.channel(NAME) if self.settings.enabled else None

    def channel(self, entry: str) -> str | None:
        """`slack:C123` names the channel C123."""
        prefix, _, channel = entry.partition(":")
        return channel if prefix == NAME and channel else None

    def reachable(self, channel: str, store: Store) -> bool:
        return self.settings.enabled

    def central_members(self) -> set[str]:
        ids = set(self.settings.central_users)
        if self.usergroup_members is not None:
            ids.update(self.usergroup_members())
        return ids


def platform(settings: Settings) -> SlackPlatform:
    """Slack as configured (SLACK_*), without serving it: nothing is sent from here."""
    return SlackPlatform(settings.section(SlackSettings))


def register(app: web.Application, core: Core) -> SlackPlatform:
    """Serve Slack when it is configured (routes, sender, roster) and register it with the
    core; switched off, it is registered all the same, so that its people's messages wait in
    the outbox and its digest channels are accepted."""
    slack = platform(core.settings)
    if slack.settings.enabled:
        from handlers.slack.edge import EVENTS_PATH, SlackEdge  # the web stack: served only

        edge = SlackEdge.build(core, slack.settings)
        slack.sender = edge.sender
        if edge.roster is not None:
            slack.usergroup_members = edge.roster.ids
        app[SLACK_EDGE_KEY] = edge
        if slack.settings.signing_secret:
            app.router.add_post(EVENTS_PATH, edge.handle)
        app.on_startup.append(_start)
        app.on_cleanup.append(_stop)
    else:
        log.info("Slack er slået fra: SLACK_BOT_TOKEN og SLACK_SIGNING_SECRET er ikke sat")
    core.add_platform(slack)
    return slack


async def _start(app: web.Application) -> None:
    await app[SLACK_EDGE_KEY].start()


async def _stop(app: web.Application) -> None:
    await app[SLACK_EDGE_KEY].stop()
