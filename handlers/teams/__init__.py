"""The Teams edge on the Microsoft 365 Agents SDK: POST /api/messages and the Teams sender.

Messages, card actions and the message action become workflow calls (listeners, actions,
extension); the outbox delivers what the workflow stores through `sender.TeamsSender`.
"""

from __future__ import annotations

from aiohttp import web

from bot.core import Core
from handlers.teams import actions, extension, listeners
from handlers.teams.agent import build_edge
from handlers.teams.hosting import guard, load_auth
from handlers.teams.sender import TeamsSender

MESSAGES_PATH = "/api/messages"


def register(app: web.Application, core: Core) -> None:
    """Mount the Teams routes on the server and the Teams sender on the outbox."""
    edge = build_edge(core, load_auth())
    actions.register(edge)
    extension.register(edge)
    listeners.register(edge)

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await edge.adapter.process(request, edge.app)
        return response if response is not None else web.Response(status=202)

    app.router.add_post(MESSAGES_PATH, guard(app, edge.auth, messages))
    core.outbox.register("teams", TeamsSender(edge))
