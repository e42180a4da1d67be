"""One way to serve an aiohttp app in a test: `aiohttp.test_utils.TestServer` on a free
loopback port, so no test reaches into a site's private sockets to learn its port.

Used for the fakes (the Slack Web API, the Bot Framework connector, small stubs) and for the
bot's own server under test.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from aiohttp.web_runner import BaseRunner


class Loopback(TestServer):
    """`app` on 127.0.0.1 and a port the OS picks.

    `cancel_handlers`: whether a request's handler is cancelled when its client goes away.
    TestServer turns that on; `web.run_app` (production) leaves it off, so the bot's server
    under test and the Slack fake keep it off unless told. `runner_options` go to
    `web.AppRunner` (e.g. `access_log=None`, `access_log_class`, `shutdown_timeout`).
    """

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, app: web.Application, *, cancel_handlers: bool = False,
                 **runner_options: Any) -> None:
        super().__init__(app, host="127.0.0.1")
        self._cancel_handlers = cancel_handlers
        self._runner_options = runner_options

    async def _make_runner(self, **kwargs: Any) -> BaseRunner:
        options = {**kwargs, **self._runner_options,
                   "handler_cancellation": self._cancel_handlers}
        return web.AppRunner(self.app, **options)

    @property
    def url(self) -> str:
        """The base address, without a trailing slash: http://127.0.0.1:<port>."""
        return str(self.make_url("/")).rstrip("/")


async def serve(app: web.Application, *, cancel_handlers: bool = False,
                **runner_options: Any) -> Loopback:
    """Start `app` on loopback; `await server.close()` stops it."""
    server = Loopback(app, cancel_handlers=cancel_handlers, **runner_options)
    await server.start_server()
    return server
