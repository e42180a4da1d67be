"""How fast the Slack surface acknowledges a slash command, beside a bare bolt app.

Fires `n` signed `/foreslå-opslag` commands, `concurrency` at a time, at the running server
(`bot.server.build_app`, a temporary SQLite file, the fake Slack Web API from the tests) and
measures the time to the HTTP answer (Slack's 3-second ack). The baseline is a minimal bolt
AsyncApp that only acks, served the same way in the same process. Our server also opens the
modal (views.open) right after each ack, so that work competes for the loop too. The fake Web
API runs in a process of its own, as Slack's servers would: its work is not ours.

Run alone: `python -m bench.bench_slack` prints the rows.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
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

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
COMMAND = "/foreslå-opslag"
WARMUP = 20


def run(concurrency: int = 50, n: int = 200, rounds: int = 3) -> list[dict[str, Any]]:
    """Measure both servers `rounds` times, alternating, and report the median round, so a
    passing hiccup of a shared machine doesn't decide the figure."""
    return asyncio.run(_run(concurrency, n, rounds))


async def _run(concurrency: int, n: int, rounds: int) -> list[dict[str, Any]]:
    ours_rounds: list[tuple[float, float]] = []
    bare_rounds: list[tuple[float, float]] = []
    with _FakeSlackProcess() as api_url, tempfile.TemporaryDirectory() as folder:
        ours = await _serve(_our_app(api_url, Path(folder)))
        bare = await _serve(_bare_app(api_url))
        try:
            for _ in range(rounds):
                ours_rounds.append(_percentiles(await _measure(ours[1], concurrency, n)))
                bare_rounds.append(_percentiles(await _measure(bare[1], concurrency, n)))
        finally:
            await ours[0].cleanup()
            await bare[0].cleanup()
    return [_row(_median(ours_rounds), _median(bare_rounds), concurrency, n)]


class _FakeSlackProcess:
    """The fake Web API in a child process (`python -m tests.fakes.slack_api`); entering gives
    its base URL."""

    def __enter__(self) -> str:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.slack_api"], stdout=subprocess.PIPE, text=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        assert self.process.stdout is not None
        url = self.process.stdout.readline().strip()
        if not url.startswith("http"):
            self.process.kill()
            raise RuntimeError("the fake Slack API did not start")
        return url

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(5)


def _our_app(api_url: str, folder: Path) -> web.Application:
    settings = load_settings(
        opslag_db=folder / "bench.db",
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_review_channel="CREVIEW",
        slack_central_users=["UCHEF"],
        slack_api_url=api_url,
        slack_app_token=None,  # never Socket Mode to the real Slack from a benchmark
        slack_central_usergroup=None,
        opslag_digest_cron="0 8 1 1 *",  # no weekly digest during the run
    )
    return build_app(settings)


def _bare_app(api_url: str) -> web.Application:
    bolt_app = AsyncApp(
        client=AsyncWebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET,
        name="bare",
    )

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    bolt_app.command(COMMAND)(only_ack)

    async def events(request: web.Request) -> web.Response:
        response = await bolt_app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

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


def _median(rounds: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in rounds), statistics.median(r[1] for r in rounds)


def _row(
    ours: tuple[float, float], bare: tuple[float, float], concurrency: int, n: int
) -> dict[str, Any]:
    ours_p50, ours_p99 = ours
    bare_p50, bare_p99 = bare
    return {
        "what": f"Slack slash command ack p50/p99 (ms), {concurrency} concurrent, n={n}"
        " (median of rounds)",
        "value": f"{ours_p50:.1f} / {ours_p99:.1f}",
        "baseline": f"{bare_p50:.1f} / {bare_p99:.1f} (bare bolt AsyncApp, ack only)",
        "ratio": round(ours_p99 / bare_p99, 2),
    }


if __name__ == "__main__":
    for row in run():
        print(row)
