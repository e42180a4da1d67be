"""The Teams edge on the Microsoft 365 Agents SDK: POST /api/messages and the Teams sender.

Messages, card actions and the message action become workflow calls (listeners, actions,
extension); the outbox delivers what the workflow stores through `sender.TeamsSender`.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web
from microsoft_agents.activity import Activity

from bot.core import Core
from handlers.teams import actions, extension, listeners
from handlers.teams.agent import build_edge
from handlers.teams.hosting import guard, load_auth
from handlers.teams.refs import TYPED_FIELDS, has_lone_surrogate
from handlers.teams.sender import TeamsSender

MESSAGES_PATH = "/api/messages"

log = logging.getLogger(__name__)


def register(app: web.Application, core: Core) -> None:
    """Mount the Teams routes on the server and the Teams sender on the outbox."""
    edge = build_edge(core, load_auth())
    actions.register(edge)
    extension.register(edge)
    listeners.register(edge)

    async def messages(request: web.Request) -> web.StreamResponse:
        refusal = await _malformed(request)
        if refusal is not None:
            return refusal
        response = await edge.adapter.process(request, edge.app)
        return response if response is not None else web.Response(status=202)

    app.router.add_post(MESSAGES_PATH, guard(app, edge.auth, messages))
    core.outbox.register("teams", TeamsSender(edge))


async def _malformed(request: web.Request) -> web.Response | None:
    """Refuse what is no activity before the SDK sees it: anything but JSON (415; a browser
    cannot send JSON to this machine without asking first), a body over the server's limit
    (413; the SDK would call it invalid JSON) and a body that is no activity (400; the SDK
    would raise). The SDK then reads the body again from aiohttp's cache."""
    if request.content_type != "application/json":
        return _refused(415, "Content-Type skal være application/json")
    raw = await request.read()  # HTTPRequestEntityTooLarge (413) over client_max_size
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, nested too deep
        return _refused(400, "ikke en gyldig aktivitet")
    if has_lone_surrogate(body, skip=TYPED_FIELDS):  # can be neither stored nor sent
        return _refused(400, "ikke en gyldig aktivitet: et halvt tegn i et navn eller id")
    try:
        activity = Activity.model_validate(body)
    except ValueError:  # not an activity
        return _refused(400, "ikke en gyldig aktivitet")
    if not activity.service_url:  # nowhere to answer (the SDK would fail in the turn)
        return _refused(400, "ikke en gyldig aktivitet: serviceUrl mangler")
    return None


def _refused(status: int, reason: str) -> web.Response:
    log.warning("Teams: afviste en forespørgsel (%s): %s", status, reason)
    return web.json_response({"error": reason}, status=status)
