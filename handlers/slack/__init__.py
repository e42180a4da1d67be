"""The Slack edge. Placeholder until its listeners land: mounts nothing."""

from __future__ import annotations

from aiohttp import web

from bot.core import Core


def register(app: web.Application, core: Core) -> None:
    """Mount the Slack routes on the server and the Slack sender on the outbox."""
