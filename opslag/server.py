"""The aiohttp server: health and readiness, the platforms' endpoints (each edge registers
itself: `EDGES`), the outbox and the schedule."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot import backup, calendar, schedule, store
from bot.clock import Clock, utcnow
from bot.config import Settings
from bot.core import Core, build_core
from handlers import platforms, report_page
from handlers import slack as slack_handlers
from handlers import teams as teams_handlers
from opslag import logs, metrics
from policy import active_policy

log = logging.getLogger(__name__)

# Slack and Teams bodies are small; anything bigger is refused before it is parsed.
MAX_BODY_BYTES = 1024 * 1024
# The platform edges this server serves; each `register(app, core)` mounts its routes and
# makes the one `core.add_platform` call.
EDGES = (slack_handlers, teams_handlers)
CORE_KEY = web.AppKey("core", Core)
SCHEDULER_KEY = web.AppKey("scheduler", schedule.Scheduler)
CALENDAR_KEY = web.AppKey("calendar", calendar.Feed)
OPERATIONS_KEY = web.AppKey("operations", backup.Operations)


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers. Touches nothing else, so it stays cheap."""
    return web.json_response({"status": "ok"})


OUTBOX_WAITING = "outbox_waiting"
# A message this much older than its last chance (stored, or sent back by an operator) that is
# still undelivered makes the server not ready: its platform is down or refuses it.
OUTBOX_MAX_WAIT = dt.timedelta(minutes=10)

# Why the server cannot take work now, by the reason code /readyz gives, in Danish for the
# people who read it. A new readiness check adds its reason here (and in NOT_READY_EN).
NOT_READY = {
    store.READ_ONLY: "Databasen kan ikke skrive (skrivebeskyttet).",
    store.LOCKED: "Databasen kan ikke skrive: en anden proces holder den låst.",
    store.FULL: "Databasen kan ikke skrive: disken er fuld.",
    store.UNAVAILABLE: "Databasen kan ikke skrive lige nu (fejl ved læsning eller skrivning).",
    OUTBOX_WAITING: "En besked i udbakken har ventet over 10 minutter på at blive leveret.",
}
# The same in English, for the IT staff and monitoring tools that read /readyz.
NOT_READY_EN = {
    store.READ_ONLY: "The database cannot write (read-only).",
    store.LOCKED: "The database cannot write: another process holds its lock.",
    store.FULL: "The database cannot write: the disk is full.",
    store.UNAVAILABLE: "The database cannot write now (an error reading or writing it).",
    OUTBOX_WAITING: "An outbox message has waited more than 10 minutes to be delivered.",
}

ReadinessCheck = Callable[[Core], str | None]


def database_can_write(core: Core) -> str | None:
    """A probe on the connection the writes use (waits the busy timeout at most); it also
    reopens a connection that was opened read-only once the file can be written."""
    return core.store.write_problem()


def outbox_delivers(core: Core) -> str | None:
    """No message for a platform this server delivers to has waited over OUTBOX_MAX_WAIT.
    Messages for a platform no process here sends to are another server's to report."""
    oldest = core.store.oldest_undelivered(core.outbox.platforms)
    if oldest is not None and core.clock() - oldest > OUTBOX_MAX_WAIT:
        return OUTBOX_WAITING
    return None


# What GET /readyz asks, in order; each gives None or a reason from NOT_READY.
READINESS_CHECKS: list[ReadinessCheck] = [database_can_write, outbox_delivers]


def not_ready_reason(core: Core) -> str | None:
    """The first reason the server cannot take work now; None when it can."""
    for check in READINESS_CHECKS:
        reason = check(core)
        if reason is not None:
            return reason
    return None


async def readyz(request: web.Request) -> web.Response:
    """Readiness: 200 when the server can take work (the database can write), else 503 with
    the reason, as a code and in Danish."""
    core = request.app[CORE_KEY]
    # The probe waits up to the busy timeout for another process's lock: on the store thread,
    # not the event loop (bot/store_thread.py).
    reason = await core.run(not_ready_reason, core)
    if reason is None:
        return web.json_response({"status": "ready"})
    body = {"status": "not_ready", "reason": reason, "besked": NOT_READY[reason],
            "message": NOT_READY_EN[reason]}
    return web.json_response(body, status=503)


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


def build_app(
    settings: Settings, *, clock: Clock = utcnow, background: bool = True
) -> web.Application:
    """The server with its routes and platforms. `background=False` starts neither the outbox
    loop nor the schedule: a test then delivers (`core.outbox.run_once`) and runs the schedule
    (`app[SCHEDULER_KEY].run_due`) itself, on its own clock."""
    core = build_core(settings, clock=clock)
    _log_strategy()
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[CORE_KEY] = core
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/kalender.ics", kalender)
    report_page.register(app, core)  # GET /rapport/<ÅÅÅÅ-MM>?token=… (the monthly summary)
    metrics.register(app, core)
    for edge in EDGES:
        edge.register(app, core)
    # After the platforms: the schedule checks the digest channels against them.
    app[SCHEDULER_KEY] = schedule.Scheduler(core)
    app[CALENDAR_KEY] = calendar.Feed(core)
    # The lease `opslag restore` looks for, taken at start; renewed, with the nightly backup,
    # in the background.
    app[OPERATIONS_KEY] = backup.Operations(core)
    app.on_startup.append(_take_lease)
    if background:
        app.on_startup.append(_start_background)
    app.on_startup.append(_report_not_ready)
    app.on_cleanup.append(_stop_background)
    app.on_cleanup.append(_close_calendar)
    return app


def _log_strategy() -> None:
    """Which strategy the advice follows: every recommendation keeps this version too."""
    policy = active_policy()
    log.info("strategi: %s, policy_version %s", policy.name, policy.version)


async def _start_background(app: web.Application) -> None:
    app[CORE_KEY].outbox.start()
    app[SCHEDULER_KEY].start()
    app[OPERATIONS_KEY].start()


async def _take_lease(app: web.Application) -> None:
    await app[OPERATIONS_KEY].take_lease()


async def _report_not_ready(app: web.Application) -> None:
    """Say it in the log too when the server starts unable to take work (GET /readyz says
    it on every probe)."""
    core = app[CORE_KEY]
    reason = await core.run(not_ready_reason, core)
    if reason is not None:
        log.warning("serveren er ikke klar (%s): %s", reason, NOT_READY[reason])


async def _stop_background(app: web.Application) -> None:
    core = app[CORE_KEY]
    await app[OPERATIONS_KEY].stop()  # gives the lease up while the store is still open
    await app[SCHEDULER_KEY].stop()
    await core.outbox.stop()
    core.close()


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Logs method, path, status and time, never the query string: the calendar's token
    travels there and secrets never go into logs."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        millis = time * 1000
        # The same fields apart too, for a JSON log (OPSLAG_LOG_FORMAT=json).
        fields = {"method": request.method, "path": request.path,
                  "status": response.status, "duration_ms": round(millis, 1)}
        self.logger.info(
            "%s %s %s %.1fms", request.method, request.path, response.status, millis,
            extra=fields,
        )


def main(settings: Settings) -> None:
    logs.configure(settings)
    public = any(platform.public for platform in platforms(settings))
    host = settings.listen_host(public=public)
    web.run_app(
        build_app(settings),
        host=host,
        port=settings.port,
        print=None,
        access_log_class=PathOnlyAccessLogger,
    )
