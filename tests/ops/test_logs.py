"""OPSLAG_LOG_FORMAT=json: `opslag serve` as IT runs it writes one JSON object per line, for
Azure Monitor and the like (that no secret reaches them: tests/hostile/test_secrets.py)."""

from __future__ import annotations

import json

import pytest

from tests.resilience.conftest import MakeClient, Serve


async def test_the_server_logs_one_json_object_per_line(
    serve: Serve, make_client: MakeClient,
) -> None:
    server = await serve("json", opslag_log_format="json")
    client = await make_client(server.url)
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/kalender.ics?token=hemmeligt")).status == 404
    await server.stop()

    log = server.log()
    lines = [line for line in log.splitlines() if line.strip()]
    records = []
    for line in lines:  # each line is one whole JSON object
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r} in\n{log}")
    assert all(isinstance(record, dict) for record in records), log
    assert all({"time", "level", "logger", "message"} <= record.keys() for record in records)
    access = [record for record in records if record["logger"] == "aiohttp.access"]
    health = [record for record in access if record["path"] == "/healthz"][-1]  # ours
    assert (health["method"], health["status"]) == ("GET", 200)
    assert health["message"].startswith("GET /healthz 200 ")
    assert "hemmeligt" not in log  # the query string is never logged
    # Danish letters as they are, not as \u escapes.
    assert any("æ" in line or "ø" in line or "å" in line for line in lines)


async def test_the_default_log_is_lines_for_people(
    serve: Serve, make_client: MakeClient,
) -> None:
    server = await serve("text")
    client = await make_client(server.url)
    assert (await client.get("/healthz")).status == 200
    await server.stop()
    lines = [line for line in server.log().splitlines() if line.strip()]
    assert any(" INFO aiohttp.access GET /healthz 200 " in line for line in lines), lines
    assert not any(line.startswith("{") for line in lines)
