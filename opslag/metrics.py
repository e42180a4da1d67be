"""GET /metrics in Prometheus' text format (prometheus_client), served only when
OPSLAG_METRICS_TOKEN is set, to a request carrying it as a bearer token.

What it shows:

- from the database, read at each scrape (so every server on one database shows the same):
  proposals by status; the outbox's pending messages, how long the oldest has waited, the
  attempts already made on them, and the messages given up; the decisions made, as a counter
  (`rate(opslag_decisions_total[1h]) * 3600` is decisions per hour) and in the last hour;
- from this process: each request's latency by route (the route's pattern, never the path a
  client sent, so a scan of random paths cannot blow up the series).
"""

from __future__ import annotations

import datetime as dt
import hmac
import time
from collections.abc import Iterator

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.core import Core
from bot.proposal import Status
from bot.store import DECISION_EVENTS, OpsCounts, StoreUnavailable

PATH = "/metrics"
UNMATCHED = "unmatched"  # the route label of a request no route served (404)
DECISIONS_WINDOW = dt.timedelta(hours=1)


class StoreCollector(Collector):
    """The database's numbers at one moment, as metric families."""

    def __init__(self, counts: OpsCounts, now: dt.datetime) -> None:
        self.counts = counts
        self.now = now

    def collect(self) -> Iterator[Metric]:
        counts = self.counts
        proposals = GaugeMetricFamily("opslag_proposals", "Forslag efter status",
                                      labels=["status"])
        for status in Status:
            proposals.add_metric([str(status)], counts.proposals.get(str(status), 0))
        yield proposals
        yield GaugeMetricFamily("opslag_outbox_pending", "Beskeder i udbakken, der venter",
                                value=counts.outbox_pending)
        oldest = counts.outbox_oldest
        age = max(0.0, (self.now - oldest).total_seconds()) if oldest else 0.0
        yield GaugeMetricFamily(
            "opslag_outbox_oldest_pending_age_seconds",
            "Sekunder den ældste ventende besked har ventet (0: ingen venter)", value=age)
        yield GaugeMetricFamily(
            "opslag_outbox_pending_attempts",
            "Forsøg, der allerede er gjort på de ventende beskeder (genforsøg)",
            value=counts.outbox_attempts)
        yield GaugeMetricFamily(
            "opslag_outbox_failed", "Opgivne beskeder, der venter på driften (opslag outbox)",
            value=counts.outbox_failed)
        decisions = CounterMetricFamily("opslag_decisions", "Beslutninger truffet i alt",
                                        labels=["decision"])
        for event in DECISION_EVENTS:
            decisions.add_metric([str(event)], counts.decisions.get(str(event), 0))
        yield decisions
        yield GaugeMetricFamily("opslag_decisions_last_hour", "Beslutninger den seneste time",
                                value=counts.decisions_since)


class Metrics:
    """The request latencies this process has seen, and the GET /metrics handler."""

    def __init__(self, core: Core, token: str) -> None:
        self.core = core
        self._token = token.encode()
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "opslag_request_duration_seconds", "Svartid pr. rute",
            ["route", "method"], registry=self.registry,
        )

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Time each request (also one answered with an error) under its route's pattern."""
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            resource = request.match_info.route.resource
            route = resource.canonical if resource is not None else UNMATCHED
            self.latency.labels(route, request.method).observe(time.perf_counter() - started)

    def authorized(self, request: web.Request) -> bool:
        """The bearer token, compared in constant time."""
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                  self._token)

    async def handle(self, request: web.Request) -> web.Response:
        if not self.authorized(request):
            raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Bearer realm="opslag"'})
        now = self.core.clock()
        try:
            # On the store thread, as every store call from the server (bot/store_thread.py).
            counts = await self.core.run(self.core.store.ops_counts, now - DECISIONS_WINDOW)
        except StoreUnavailable:
            raise web.HTTPServiceUnavailable(headers={"Retry-After": "60"}) from None
        from_store = CollectorRegistry()
        from_store.register(StoreCollector(counts, now))
        body = generate_latest(from_store) + generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def register(app: web.Application, core: Core) -> Metrics | None:
    """Serve GET /metrics and time every request, when OPSLAG_METRICS_TOKEN is set; without
    it there is no such route (404) and nothing is timed."""
    token = core.settings.opslag_metrics_token
    if token is None or not token.get_secret_value():
        return None
    metrics = Metrics(core, token.get_secret_value())
    app.middlewares.append(metrics.middleware)
    app.router.add_get(PATH, metrics.handle)
    return metrics
