"""The Slack edge: slash commands, the message shortcut, mentions, review buttons and modals
over slack-bolt's AsyncApp, served by the aiohttp server at POST /slack/events (or Socket Mode),
and the outbox sender that turns stored messages into Block Kit."""

from __future__ import annotations

from aiohttp import web

from bot.core import Core
from handlers.slack.app import EVENTS_PATH, SlackEdge

SLACK_EDGE_KEY = web.AppKey("slack_edge", SlackEdge)


def register(app: web.Application, core: Core) -> None:
    """Mount the Slack routes on the server and the Slack sender on the outbox."""
    edge = SlackEdge.build(core)
    app[SLACK_EDGE_KEY] = edge
    if core.settings.slack_signing_secret:
        app.router.add_post(EVENTS_PATH, edge.handle)
    app.on_startup.append(_start)
    app.on_cleanup.append(_stop)


async def _start(app: web.Application) -> None:
    await app[SLACK_EDGE_KEY].start()


async def _stop(app: web.Application) -> None:
    await app[SLACK_EDGE_KEY].stop()
