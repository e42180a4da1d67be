"""The Teams edge on the Microsoft 365 Agents SDK: POST /api/messages and the Teams sender.

Messages, card actions and the message action become workflow calls (listeners, actions,
extension); the outbox delivers what the workflow stores through `sender.TeamsSender`.

`platform(settings)` describes Teams to the core (bot/platform.py) without the Agents SDK: the
terminal registers it so that its proposals reach Teams' review channel. `register(app, core)`
serves it: the endpoint and the sender, then the one `core.add_platform` call.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.config import Settings
from bot.core import Core
from bot.departments import Department, same_name
from bot.outbox import Sender
from bot.store import Store
from handlers.teams.settings import TeamsSettings

NAME = "teams"
# The store key under which the review channel's conversation reference is kept; the other
# channels' keys are `teams:<name>` too (OPSLAG_DIGEST_CHANNELS names them so).
TEAMS_REVIEW_REF = "teams:review_channel"
MESSAGES_PATH = "/api/messages"


def department_ref(department: Department) -> str:
    """Where a department's review channel's reference is stored."""
    return f"teams:review_channel:{same_name(department.name)}"


@dataclass
class TeamsPlatform:
    """Teams as the core sees it (the `bot.platform.Platform` contract). A Teams channel is
    reached through the conversation reference stored when the bot was there: its channel is
    that reference's store key."""

    settings: TeamsSettings
    sender: Sender | None = None
    # Whether the bot runs with credentials (not in local mode); None: read when asked.
    credentials: bool | None = None
    name: str = NAME
    label: str = "Teams"
    bare_channels: bool = False
    channel_syntax: str = "teams:<reference>"

    @property
    def public(self) -> bool:
        """With credentials Teams sends its activities here; the local mode answers only
        this machine (the Agents Playground)."""
        if self.credentials is None:
            from handlers.teams.hosting import credentials_configured  # the Agents SDK's reader

            self.credentials = credentials_configured()
        return self.credentials

    def review_channel(self, store: Store) -> str | None:
        """Chosen by a central member in Teams (`godkendelseskanal`): its stored reference."""
        return TEAMS_REVIEW_REF if store.get_ref(TEAMS_REVIEW_REF) is not None else None

    def department_channel(self, department: Department, store: Store) -> str | None:
        """Chosen by one of its reviewers in Teams (`godkendelseskanal <afdeling>`)."""
        key = department_ref(department)
        return key if store.get_ref(key) is not None else None

    def channel(self, entry: str) -> str | None:
        """`teams:<name>` names the channel whose reference is stored under that key."""
        prefix, _, name = entry.partition(":")
        return entry if prefix == NAME and name else None

    def reachable(self, channel: str, store: Store) -> bool:
        """Once the bot has been added to the channel and stored its reference."""
        return store.get_ref(channel) is not None

    def central_members(self) -> set[str]:
        return set(self.settings.central_users)


def platform(settings: Settings) -> TeamsPlatform:
    """Teams as configured (TEAMS_*), without serving it: nothing is sent from here."""
    return TeamsPlatform(settings.section(TeamsSettings))


def register(app: web.Application, core: Core) -> TeamsPlatform:
    """Mount /api/messages and register Teams, with its sender, with the core."""
    # The Agents SDK only when served.
    from handlers.teams import actions, extension, listeners
    from handlers.teams.edge import build_edge
    from handlers.teams.hosting import guard, load_auth, malformed
    from handlers.teams.sender import TeamsSender

    teams = platform(core.settings)
    edge = build_edge(core, load_auth(), teams.settings)
    actions.register(edge)
    extension.register(edge)
    listeners.register(edge)

    async def messages(request: web.Request) -> web.StreamResponse:
        refusal = await malformed(request)
        if refusal is not None:
            return refusal
        response = await edge.adapter.process(request, edge.app)
        return response if response is not None else web.Response(status=202)

    app.router.add_post(MESSAGES_PATH, guard(app, edge.auth, messages))
    teams.sender = TeamsSender(edge)
    teams.credentials = not edge.auth.local
    core.add_platform(teams)
    return teams
