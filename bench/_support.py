"""What the HTTP benches share: served processes, signed Slack requests, bounded load, rows.

Every server under test runs as a process of its own on loopback (127.0.0.1), the way it runs
in production, so the load generator in the bench process doesn't share its event loop. Every
load loop is bounded twice: by a number of requests and by a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.signature import SignatureVerifier

REPO = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
START_TIMEOUT = 30.0
# Only these are passed on to the processes we start: a developer's SLACK_APP_TOKEN or Teams
# credentials must never reach a benchmark (it would talk to the real Slack or Entra ID).
PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")

Request = tuple[bytes, dict[str, str]]


# -- rows and figures ---------------------------------------------------------------------------


def percentiles(values: Sequence[float]) -> tuple[float, float]:
    """p50 and p99 (inclusive method: p99 of 200 values lies between the two largest)."""
    if len(values) < 2:
        only = float(values[0]) if values else float("nan")
        return only, only
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[98]


def row(bench: str, what: str, value: float, baseline: float, baseline_is: str,
        **notes: Any) -> dict[str, Any]:
    ratio = round(value / baseline, 2) if baseline else None
    return {"bench": bench, "what": what, "value": round(value, 1),
            "baseline": round(baseline, 1), "ratio": ratio, "baseline is": baseline_is,
            **notes}


# -- processes ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def clean_env(**settings: str) -> dict[str, str]:
    env = {key: os.environ[key] for key in PASSED_ENV if key in os.environ}
    env["PYTHONPATH"] = str(REPO)
    env["PYTHONUNBUFFERED"] = "1"
    return {**env, **settings}


@dataclass
class Served:
    """A server in a child process, started in an empty folder (so no `.env` is read)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    folder: tempfile.TemporaryDirectory[str] | None = None

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def log_path(self) -> Path:
        assert self.folder is not None
        return Path(self.folder.name) / "server.log"

    def start(self) -> Served:
        self.folder = tempfile.TemporaryDirectory(prefix=f"bench-{self.name}-")
        env = {**self.env, "PORT": str(self.port)}
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, *self.argv], env=env, cwd=self.folder.name,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            with (contextlib.suppress(OSError),
                  urllib.request.urlopen(f"{self.base}/healthz", timeout=1) as answer):
                if answer.status == 200:
                    return
            time.sleep(0.05)
        tail = self.log_tail()
        self.stop()
        raise RuntimeError(f"{self.name} did not start on {self.base}:\n{tail}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def status_kb(self, key: str) -> int:
        """A field of /proc/<pid>/status in kB: VmHWM is the peak resident set, VmRSS now."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
        raise KeyError(key)

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.folder is not None:
            self.folder.cleanup()
            self.folder = None


@contextlib.contextmanager
def serving(*servers: Served) -> Iterator[tuple[Served, ...]]:
    started: list[Served] = []
    try:
        for server in servers:
            started.append(server.start())
        yield servers
    finally:
        for server in reversed(started):
            server.stop()


# -- Slack requests -----------------------------------------------------------------------------


def signed(body: str, secret: str, content_type: str) -> Request:
    """A request body with Slack's v0 signature and a current timestamp."""
    stamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
               "X-Slack-Signature": signature}
    return body.encode(), headers


# -- load -------------------------------------------------------------------------------------


@dataclass
class Load:
    """What one burst gave: per-request milliseconds, wall time, and the answers' bodies."""

    timings: list[float]
    wall: float
    bodies: list[bytes]
    timed_out: bool = False


async def fire(session: aiohttp.ClientSession, url: str, requests: Sequence[Request],
               concurrency: int, *, deadline: float, expect: Sequence[int] = (200,),
               keep_bodies: bool = False) -> Load:
    """POST every request, at most `concurrency` at a time, within `deadline` seconds; each
    request's time runs from just before it is sent until its answer has been read."""
    gate = asyncio.Semaphore(concurrency)
    timings: list[float] = []
    bodies: list[bytes] = []

    async def one(request: Request) -> None:
        body, headers = request
        async with gate:
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                answer = await response.read()
                if response.status not in expect:
                    raise RuntimeError(f"{url} answered {response.status}: {answer[:200]!r}")
            timings.append((time.perf_counter() - started) * 1000)
            if keep_bodies:
                bodies.append(answer)

    started = time.perf_counter()
    timed_out = False
    try:
        async with asyncio.timeout(deadline), asyncio.TaskGroup() as group:
            for request in requests:
                group.create_task(one(request))
    except TimeoutError:
        timed_out = True
    return Load(timings, time.perf_counter() - started, bodies, timed_out)


def session(concurrency: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
