"""The aiohttp server: health check, Slack and Teams endpoints, the outbox and the schedule."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot import calendar, schedule
from bot.clock import Clock, utcnow
from bot.config import Settings
from bot.core import Core, build_core
from handlers import slack as slack_handlers
from handlers import teams as teams_handlers
from handlers.teams import hosting as teams_hosting

log = logging.getLogger(__name__)

# Slack and Teams bodies are small; anything bigger is refused before it is parsed.
MAX_BODY_BYTES = 1024 * 1024
CORE_KEY = web.AppKey("core", Core)
SCHEDULER_KEY = web.AppKey("scheduler", schedule.Scheduler)
CALENDAR_KEY = web.AppKey("calendar", calendar.Feed)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def kalender(request: web.Request) -> web.Response:
    """The calendar feed; a wrong or missing token gets the same 404 as an unknown path.
    The feed is built off the event loop, so Slack and Teams are answered meanwhile."""
    if not calendar.authorized(request.app[CORE_KEY].settings, request.query.get("token")):
        raise web.HTTPNotFound()
    try:
        feed = await request.app[CALENDAR_KEY].get()
    except calendar.Unavailable:
        raise web.HTTPServiceUnavailable(headers={"Retry-After": "60"}) from None
    return web.Response(body=feed, content_type="text/calendar", charset="utf-8")


async def _close_calendar(app: web.Application) -> None:
    app[CALENDAR_KEY].close()


def build_app(settings: Settings, *, clock: Clock = utcnow) -> web.Application:
    core = build_core(settings, clock=clock)
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[CORE_KEY] = core
    app[SCHEDULER_KEY] = schedule.Scheduler(core)
    app[CALENDAR_KEY] = calendar.Feed(core)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/kalender.ics", kalender)
    if settings.slack_enabled:
        slack_handlers.register(app, core)
    else:
        log.info("Slack er slået fra: SLACK_BOT_TOKEN og SLACK_SIGNING_SECRET er ikke sat")
    teams_handlers.register(app, core)
    app.on_startup.append(_start_background)
    app.on_cleanup.append(_stop_background)
    app.on_cleanup.append(_close_calendar)
    return app


async def _start_background(app: web.Application) -> None:
    app[CORE_KEY].outbox.start()
    app[SCHEDULER_KEY].start()


async def _stop_background(app: web.Application) -> None:
    core = app[CORE_KEY]
    await app[SCHEDULER_KEY].stop()
    await core.outbox.stop()
    core.close()


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Logs method, path, status and time, never the query string: the calendar's token
    travels there and secrets never go into logs."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %.1fms", request.method, request.path, response.status, time * 1000
        )


def main(settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    host = settings.listen_host(teams_credentials=teams_hosting.credentials_configured())
    web.run_app(
        build_app(settings),
        host=host,
        port=settings.port,
        print=None,
        access_log_class=PathOnlyAccessLogger,
    )
