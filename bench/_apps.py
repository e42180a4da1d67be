"""The baselines and the fakes the HTTP benches run as child processes.

    python -m bench._apps KIND        (PORT from the environment, loopback only)

- `bolt`: a slack-bolt AsyncApp that only acks (slash commands and modal submissions);
- `aiohttp`: a bare aiohttp app (GET /healthz, POST answered with 200) for the memory baseline;
- `teams-echo`: an Agents SDK agent that only echoes, hosted like the Teams edge hosts ours
  (CloudAdapter + AgentApplication, the route-level guard, no typing indicator);
- `teams-bare`: a bare aiohttp handler that posts the echo itself (the protocol without the SDK);
- `fake-slack`: the tests' fake Slack Web API, plus GET /bench/wait?count=N&timeout=S, which
  answers once N review posts (top-level chat.postMessage in the review channel) arrived,
  GET /bench/arrivals (when each review post and DM arrived), and POST /bench/reset.

Each is served like `opslag.server.main` serves Opslag: `web.run_app`, logging at INFO with a
path-only access line per request, so the baselines pay what ours pays for it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
REVIEW_CHANNEL = "CREVIEW"
WAIT_STEP = 0.002


class AccessLogger(AbstractAccessLogger):
    """The same line `opslag.server.PathOnlyAccessLogger` writes."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %.1fms", request.method, request.path, response.status, time * 1000
        )


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _app() -> web.Application:
    app = web.Application()
    app.router.add_get("/healthz", healthz)
    return app


# -- Slack --------------------------------------------------------------------------------------


def bolt_app() -> web.Application:
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(token=BOT_TOKEN, base_url=os.environ["SLACK_API_URL"])
    bolt = AsyncApp(client=client, signing_secret=SIGNING_SECRET, name="bare")

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    bolt.command(re.compile(".*"))(only_ack)
    bolt.view(re.compile(".*"))(only_ack)

    async def events(request: web.Request) -> web.Response:
        response = await bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    app = _app()
    app.router.add_post("/slack/events", events)
    return app


def bare_aiohttp_app() -> web.Application:
    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="")

    app = _app()
    app.router.add_post("/{tail:.*}", ok)
    return app


def fake_slack_app() -> web.Application:
    from tests.fakes.slack_api import FakeSlackApi

    api = FakeSlackApi()
    seen = 0
    review_posts = 0

    def count() -> int:
        nonlocal seen, review_posts
        calls = api.calls
        for call in calls[seen:]:
            if (call.ok and call.method == "chat.postMessage"
                    and call.args.get("channel") == REVIEW_CHANNEL
                    and "thread_ts" not in call.args):
                review_posts += 1
        seen = len(calls)
        return review_posts

    async def wait(request: web.Request) -> web.Response:
        wanted = int(request.query["count"])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(request.query.get("timeout", "30"))
        while count() < wanted and loop.time() < deadline:
            await asyncio.sleep(WAIT_STEP)
        return web.json_response({"count": count(), "calls": len(api.calls)})

    async def reset(request: web.Request) -> web.Response:
        nonlocal seen, review_posts
        api.calls.clear()
        seen = review_posts = 0
        return web.json_response({"ok": True})

    async def arrivals(request: web.Request) -> web.Response:
        """When each delivered review post and each other top-level post (a DM) arrived, on
        the machine's monotonic clock (the same clock in every process on Linux)."""
        found: dict[str, list[float]] = {"review": [], "dm": []}
        for call in api.calls:
            if call.ok and call.method == "chat.postMessage" and "thread_ts" not in call.args:
                review = call.args.get("channel") == REVIEW_CHANNEL
                found["review" if review else "dm"].append(call.at)
        return web.json_response(found)

    app = api.routes(_app())
    app.router.add_get("/bench/wait", wait)
    app.router.add_post("/bench/reset", reset)
    app.router.add_get("/bench/arrivals", arrivals)
    return app


# -- Teams --------------------------------------------------------------------------------------


def teams_echo_app() -> web.Application:
    from microsoft_agents.activity import ActivityTypes
    from microsoft_agents.hosting.aiohttp import CloudAdapter
    from microsoft_agents.hosting.core import (
        AgentApplication,
        ApplicationOptions,
        MemoryStorage,
        TurnContext,
        TurnState,
    )

    from handlers.teams.hosting import guard, load_auth

    logging.getLogger("handlers.teams.hosting").setLevel(logging.ERROR)  # local-mode notice
    auth = load_auth({})  # local mode: loopback callers, no tokens
    adapter = CloudAdapter(connection_manager=auth.connections)
    agent = AgentApplication[TurnState](
        ApplicationOptions(storage=MemoryStorage(), start_typing_timer=False),
        connection_manager=auth.connections,
    )

    async def echo(context: TurnContext, state: TurnState) -> None:
        await context.send_activity(context.activity.text or "")

    agent.activity(ActivityTypes.message)(echo)

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, agent) or web.Response(status=202)

    app = _app()
    app.router.add_post("/api/messages", guard(app, auth, messages))
    return app


def teams_bare_app() -> web.Application:
    sessions: dict[str, aiohttp.ClientSession] = {}

    async def messages(request: web.Request) -> web.Response:
        activity: dict[str, Any] = await request.json()
        base = activity["serviceUrl"]
        client = sessions.get(base) or sessions.setdefault(
            base, aiohttp.ClientSession(base_url=base))
        conversation = activity["conversation"]["id"]
        reply = {"type": "message", "text": activity.get("text", ""),
                 "from": activity["recipient"], "recipient": activity["from"],
                 "conversation": activity["conversation"], "replyToId": activity["id"]}
        url = f"v3/conversations/{conversation}/activities/{activity['id']}"
        async with client.post(url, json=reply) as response:
            await response.read()
        return web.Response(status=202)

    async def close(app: web.Application) -> None:
        for client in sessions.values():
            await client.close()

    app = _app()
    app.router.add_post("/api/messages", messages)
    app.on_cleanup.append(close)
    return app


APPS = {
    "bolt": bolt_app,
    "aiohttp": bare_aiohttp_app,
    "fake-slack": fake_slack_app,
    "teams-echo": teams_echo_app,
    "teams-bare": teams_bare_app,
}


def main(kind: str) -> None:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    quiet = kind == "fake-slack"  # the fake stands in for Slack: its log is not our cost
    web.run_app(APPS[kind](), host="127.0.0.1", port=int(os.environ["PORT"]), print=None,
                access_log=None if quiet else logging.getLogger("aiohttp.access"),
                access_log_class=AccessLogger)


if __name__ == "__main__":
    main(sys.argv[1])
