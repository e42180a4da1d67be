"""How fast the Slack surface acknowledges a slash command, beside a bare bolt app.

Fires `n` signed `/foreslå-opslag` commands, `concurrency` at a time, at the running server
(`bot.server.build_app`, a temporary SQLite file, the fake Slack Web API from the tests) and
measures the time to the HTTP answer (Slack's 3-second ack). The baseline is a minimal bolt
AsyncApp that only acks, served the same way in the same process. Our server also opens the
modal (views.open on the fake) right after each ack, so that work competes for the loop too.

Run alone: `python -m bench.bench_slack` prints the rows.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import load_settings
from bot.server import build_app
from tests.fakes.slack_api import FakeSlackApi

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
COMMAND = "/foreslå-opslag"
WARMUP = 20


def run(concurrency: int = 50, n: int = 200) -> list[dict[str, Any]]:
    return asyncio.run(_run(concurrency, n))


async def _run(concurrency: int, n: int) -> list[dict[str, Any]]:
    api = FakeSlackApi()
    await api.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            ours = await _serve(_our_app(api, Path(folder)))
            bare = await _serve(_bare_app(api))
            try:
                ours_ms = await _measure(ours[1], concurrency, n)
                bare_ms = await _measure(bare[1], concurrency, n)
            finally:
                await ours[0].cleanup()
                await bare[0].cleanup()
    finally:
        await api.stop()
    return [_row(ours_ms, bare_ms, concurrency, n)]


def _our_app(api: FakeSlackApi, folder: Path) -> web.Application:
    settings = load_settings(
        opslag_db=folder / "bench.db",
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_review_channel="CREVIEW",
        slack_central_users=["UCHEF"],
        slack_api_url=api.url,
        opslag_digest_cron="0 8 1 1 *",
    )
    return build_app(settings)


def _bare_app(api: FakeSlackApi) -> web.Application:
    bolt_app = AsyncApp(
        client=AsyncWebClient(token=TOKEN, base_url=api.url), signing_secret=SECRET,
        name="bare",
    )

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    bolt_app.command(COMMAND)(only_ack)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt_app.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    return app


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/slack/events"


async def _measure(url: str, concurrency: int, n: int) -> list[float]:
    """Milliseconds to the HTTP answer for each of `n` commands, after a warm-up."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await _fire(session, url, concurrency, WARMUP)
        return await _fire(session, url, concurrency, n)


async def _fire(session: aiohttp.ClientSession, url: str, concurrency: int, n: int) -> list[float]:
    gate = asyncio.Semaphore(concurrency)

    async def one(number: int) -> float:
        async with gate:
            body, headers = _signed_command(number)
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                assert response.status == 200, response.status
            return (time.perf_counter() - started) * 1000

    return list(await asyncio.gather(*(one(i) for i in range(n))))


def _signed_command(number: int) -> tuple[bytes, dict[str, str]]:
    body = urllib.parse.urlencode({
        "token": "x", "team_id": "T0BENCH", "team_domain": "bench", "channel_id": "CGENERAL",
        "channel_name": "general", "user_id": f"U{number:05d}", "user_name": f"u{number}",
        "command": COMMAND, "text": "Vi planter træer på lørdag", "api_app_id": "A1",
        "response_url": "http://127.0.0.1:9/unused", "trigger_id": f"trigger-{number}",
    })
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
    return body.encode(), headers


def _percentiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[98]


def _row(ours: list[float], bare: list[float], concurrency: int, n: int) -> dict[str, Any]:
    ours_p50, ours_p99 = _percentiles(ours)
    bare_p50, bare_p99 = _percentiles(bare)
    return {
        "what": f"Slack slash command ack p50/p99 (ms), {concurrency} concurrent, n={n}",
        "value": f"{ours_p50:.1f} / {ours_p99:.1f}",
        "baseline": f"{bare_p50:.1f} / {bare_p99:.1f} (bare bolt AsyncApp, ack only)",
        "ratio": round(ours_p99 / bare_p99, 2),
    }


if __name__ == "__main__":
    for row in run():
        print(row)
