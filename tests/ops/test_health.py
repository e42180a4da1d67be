"""GET /readyz for a stuck outbox, and GET /metrics, on the real server.

/readyz answers 503 with a Danish and an English reason while a message this server delivers
has waited more than 10 minutes (its platform is down or refuses it), and 200 again once it is
delivered. /metrics exists only with OPSLAG_METRICS_TOKEN and only for a request that carries
it; it counts from the database, and times each request under its route.
"""

from __future__ import annotations

import re

import aiohttp
import pytest

from bot.proposal import Actor, Decision
from opslag.server import OUTBOX_MAX_WAIT
from tests.conftest import FakeClock
from tests.fakes.slack_api import FakeSlackApi
from tests.resilience.conftest import MakeClient, StartServer
from tests.resilience.harness import CHEF, open_intake_modal

TOKEN = "metrics-token-for-the-test"
WAITING = {
    "status": "not_ready", "reason": "outbox_waiting",
    "besked": "En besked i udbakken har ventet over 10 minutter på at blive leveret.",
    "message": "An outbox message has waited more than 10 minutes to be delivered.",
}


async def test_an_undelivered_message_older_than_ten_minutes_makes_the_server_not_ready(
    start_server: StartServer, make_client: MakeClient, slack_api: FakeSlackApi,
    clock: FakeClock,
) -> None:
    server = await start_server(background=False)
    client = await make_client(server.url)
    view = await open_intake_modal(client, slack_api)
    slack_api.fail("chat.postMessage", status=500, times=1000)  # Slack is down
    await client.propose("slack", view, 1, "venter")
    await server.core.outbox.run_once()
    assert (await client.get("/readyz")).status == 200  # a fresh message may wait

    clock.advance(seconds=OUTBOX_MAX_WAIT.total_seconds() - 1)
    await server.core.outbox.run_once()
    assert (await client.get("/readyz")).status == 200
    clock.advance(seconds=2)
    ready = await client.get("/readyz")
    assert (ready.status, ready.json()) == (503, WAITING)
    assert (await client.get("/healthz")).status == 200  # alive all the same

    slack_api.heal()
    clock.advance(minutes=10)  # past the outbox's back-off
    await server.core.outbox.run_once()
    ready = await client.get("/readyz")
    assert (ready.status, ready.json()) == (200, {"status": "ready"})


async def test_metrics_are_not_served_without_a_token(
    start_server: StartServer, make_client: MakeClient,
) -> None:
    server = await start_server(background=False)
    client = await make_client(server.url)
    assert (await client.get("/metrics")).status == 404


async def scrape(url: str, authorization: str | None) -> tuple[int, str, dict[str, str]]:
    headers = {"Authorization": authorization} if authorization is not None else {}
    async with aiohttp.ClientSession() as session, \
            session.get(url + "/metrics", headers=headers) as response:
        return response.status, await response.text(), dict(response.headers)


@pytest.mark.parametrize("authorization", [
    None, f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}",
])
async def test_metrics_refuse_a_request_without_the_token(
    start_server: StartServer, authorization: str | None,
) -> None:
    server = await start_server(background=False, opslag_metrics_token=TOKEN)
    status, body, headers = await scrape(server.url, authorization)
    assert status == 401
    assert headers.get("WWW-Authenticate", "").startswith("Bearer")
    assert "opslag_" not in body


def value(body: str, name: str) -> float:
    """The value of one sample (`name` with its labels, as the text format writes it)."""
    match = re.search(rf"^{re.escape(name)} (\S+)$", body, re.M)
    assert match, f"{name} not in\n{body}"
    return float(match[1])


async def test_metrics_count_proposals_outbox_decisions_and_time_each_route(
    start_server: StartServer, make_client: MakeClient, slack_api: FakeSlackApi,
    clock: FakeClock,
) -> None:
    server = await start_server(background=False, opslag_metrics_token=TOKEN)
    client = await make_client(server.url)
    core = server.core
    view = await open_intake_modal(client, slack_api)
    ids = [(await client.propose("slack", view, n, f"m{n}"))[1] for n in range(3)]
    chef = Actor(platform="slack", user_id=CHEF)
    await core.run(core.workflow.decide, ids[0], Decision.REJECT, chef, "Ikke nu")
    clock.advance(hours=2)
    await core.run(core.workflow.decide, ids[1], Decision.REQUEST_CHANGES, chef, "Kortere")
    slack_api.fail("chat.postMessage", status=500, times=1000)
    await core.outbox.run_once()  # every message to Slack fails once and waits
    clock.advance(seconds=90)
    await client.get("/healthz")
    await client.get("/ingen/sådan/side")

    status, body, headers = await scrape(server.url, f"Bearer {TOKEN}")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=")
    assert value(body, 'opslag_proposals{status="pending"}') == 1
    assert value(body, 'opslag_proposals{status="rejected"}') == 1
    assert value(body, 'opslag_proposals{status="changes_requested"}') == 1
    assert value(body, 'opslag_proposals{status="approved"}') == 0
    pending = value(body, "opslag_outbox_pending")
    assert pending == len(core.store.outbox_rows(status="pending")) > 0
    assert value(body, "opslag_outbox_oldest_pending_age_seconds") == 2 * 3600 + 90
    assert value(body, "opslag_outbox_pending_attempts") > 0
    assert value(body, "opslag_outbox_failed") == 0
    assert value(body, 'opslag_decisions_total{decision="rejected"}') == 1
    assert value(body, 'opslag_decisions_total{decision="changes_requested"}') == 1
    assert value(body, "opslag_decisions_last_hour") == 1  # the rejection was 2 h ago
    healthz = 'opslag_request_duration_seconds_count{method="GET",route="/healthz"}'
    assert value(body, healthz) == 1
    slack = 'opslag_request_duration_seconds_count{method="POST",route="/slack/events"}'
    assert value(body, slack) >= 4
    assert value(body, 'opslag_request_duration_seconds_count{method="GET",route="unmatched"}') \
        == 1
    assert "sådan" not in body  # a path a client made up is never a label
    assert TOKEN not in body
