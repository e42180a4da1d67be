"""The Teams edge. Placeholder until its listeners land: mounts nothing."""

from __future__ import annotations

from aiohttp import web

from bot.core import Core


def register(app: web.Application, core: Core) -> None:
    """Mount the Teams routes on the server and the Teams sender on the outbox."""
