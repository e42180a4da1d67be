"""The strategy report of one month as a web page, GET /rapport/<ÅÅÅÅ-MM>?token=…: the full
page the monthly summary links to (bot/monthly.py), the same page `opslag rapport` writes.

Protected like the calendar feed: a wrong or missing token, or none configured
(OPSLAG_REPORT_TOKEN), gets the same 404 as an unknown path, and so does a month that is none.
The numbers are read on the store thread and the page (matplotlib, Jinja2) is drawn in a worker
thread, so the event loop answers Slack and Teams meanwhile and the store thread is not held up
by the drawing. The token travels in the query, which the access log leaves out
(opslag/server.py); the page loads and links nothing, and `Referrer-Policy: no-referrer` keeps
the address to itself anyway.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot import monthly, report
from bot.core import Core
from bot.store import StoreUnavailable

ROUTE = "/rapport/{month}"
# The years a page can be of: the period before must be a period of the calendar too.
YEARS = range(2, 9999)
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Robots-Tag": "noindex"}


def register(app: web.Application, core: Core) -> None:
    async def page(request: web.Request) -> web.Response:
        if not monthly.authorized(core.settings, request.query.get("token")):
            raise web.HTTPNotFound()
        try:
            month = monthly.parse_month(request.match_info["month"])
        except ValueError:
            raise web.HTTPNotFound() from None
        if month[0] not in YEARS:
            raise web.HTTPNotFound()
        try:
            counted = await core.run(load, core, month)
        except StoreUnavailable:
            raise web.HTTPServiceUnavailable(headers={"Retry-After": "60"}) from None
        html = await asyncio.to_thread(_render, counted)
        return web.Response(text=html, content_type="text/html", charset="utf-8",
                            headers=HEADERS)

    app.router.add_get(ROUTE, page)


def load(core: Core, month: monthly.Month) -> report.Report:
    """The month's numbers and those of the period before it (bot/report.py)."""
    return monthly.count(core, *monthly.month_days(month))


def _render(counted: report.Report) -> str:
    # Imported here: matplotlib and Jinja2 take a moment, and only this page needs them.
    from handlers import report_html

    return report_html.render(counted)
