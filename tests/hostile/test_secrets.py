"""Secrets never reach a log line or a reply.

One server configured the way production is (every secret from the environment, Teams with
credentials, Slack over HTTP and Socket Mode, the access log through PathOnlyAccessLogger as
`opslag.server.main` runs it) goes through a whole working day with every logger at DEBUG: a Slack
and a Teams proposal, decisions on both, the weekly digest, the calendar fetched with its token
in the query string, /metrics with its token and a wrong one, and deliveries that fail and are
logged as errors. Then every captured
record (message, arguments, exception and extra fields) and every reply body is searched for
each secret's value, also as the JSON log (OPSLAG_LOG_FORMAT=json) writes each record.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from microsoft_agents.hosting.core.authorization._entra_issuers import BOTFRAMEWORK_JWKS_URIS

from bot.config import load_settings
from handlers.slack import ids
from handlers.teams import hosting
from opslag import logs
from opslag.server import SCHEDULER_KEY, PathOnlyAccessLogger
from tests.conftest import FakeClock, intake_data, isolate_settings
from tests.fakes.connector import FakeConnector, FakeTokenProvider
from tests.fakes.loopback import Loopback, serve
from tests.fakes.slack_api import FakeSlackApi, wait_until
from tests.hostile.conftest import A_MONDAY, Bot, teams_form
from tests.slack.helpers import ANNA, CHEF, REVIEW_CHANNEL, command_fields
from tests.teams import activities as A

SETTING = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
APP_ID = "6a1f0b52-0000-4000-8000-00000000b0b0"
ISSUER = "https://api.botframework.com"
SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-1111-2222-hemmeligbottoken9f8e7d",
    "SLACK_SIGNING_SECRET": "hemmelig0signing0secret05c4b3a",
    "SLACK_APP_TOKEN": "xapp-1-A1-3333-hemmeligapptoken2e1d0c",
    SETTING + "CLIENTSECRET": "hemmelig~client~secret~8a7b6c",
    "OPSLAG_CALENDAR_TOKEN": "hemmelig-kalender-token-4d3e2f",
    "OPSLAG_METRICS_TOKEN": "hemmelig-metrics-token-7a6b5c",
    "OPSLAG_REPORT_TOKEN": "hemmelig-rapport-token-1c2d3e",
}
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _token(service_url: str) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": APP_ID, "nbf": now - 10, "exp": now + 3600,
              "serviceurl": service_url}
    return jwt.encode(claims, _KEY, algorithm="RS256", headers={"kid": "key-1"})


@pytest.fixture
def every_logger_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The root and every named logger at DEBUG, also those libraries set higher (their own
    `logger.level` is what some of them check), restored afterwards."""
    caplog.set_level(logging.DEBUG)
    manager = logging.Logger.manager
    before = {name: logger.level for name, logger in manager.loggerDict.items()
              if isinstance(logger, logging.Logger)}
    for name in [*before, "handlers.slack.web_api"]:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield
    for name, logger in list(manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            logger.setLevel(before.get(name, logging.NOTSET))


async def _socket_mode_stub() -> tuple[Loopback, str]:
    """Where apps.connections.open sends Socket Mode: a websocket that says hello."""

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": "A1"}})
        async for _ in ws:
            pass
        return ws

    app = web.Application()
    app.router.add_get("/link", socket)
    stub = await serve(app, access_log=None)
    return stub, f"ws://127.0.0.1:{stub.port}/link?ticket=t"


@pytest.fixture
async def production_like(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, every_logger_at_debug: None,
) -> AsyncIterator[Bot]:
    isolate_settings(monkeypatch, tmp_path)
    # The fake connector listens on loopback; production allows only Microsoft's hosts.
    for name, value in {**SECRETS, SETTING + "CLIENTID": APP_ID,
                        SETTING + "TENANTID": A.TENANT,
                        "TEAMS_SERVICE_URL_HOSTS": "127.0.0.1"}.items():
        monkeypatch.setenv(name, value)

    api = FakeSlackApi()
    await api.start()
    stub, socket_url = await _socket_mode_stub()
    answer = api._answer
    monkeypatch.setattr(api, "_answer", lambda method, args: (
        {"url": socket_url} if method == "apps.connections.open" else answer(method, args)))
    connector = await FakeConnector().start()
    monkeypatch.setattr(hosting, "token_provider", FakeTokenProvider)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(_KEY.public_key()))
    keys = connector.publish_keys({"keys": [{**jwk, "kid": "key-1", "use": "sig",
                                             "alg": "RS256"}]})
    monkeypatch.setitem(BOTFRAMEWORK_JWKS_URIS, ISSUER, keys)

    settings = load_settings(
        opslag_db=tmp_path / "opslag.db", slack_api_url=api.url,
        slack_review_channel=REVIEW_CHANNEL, slack_central_users=[CHEF],
        teams_central_users=[A.CENTRAL.aad],
    )
    bot = Bot(settings, FakeClock(A_MONDAY), api, connector,
              access_log_class=PathOnlyAccessLogger,
              teams_headers={"Authorization": f"Bearer {_token(connector.service_url)}"})
    for name in logging.Logger.manager.loggerDict:  # loggers the app made while being built
        logging.getLogger(name).setLevel(logging.DEBUG)
    await bot.start()
    yield bot
    await bot.stop()
    await connector.close()
    await stub.close()
    await api.stop()


def _record_text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), json.dumps(record.__dict__, default=repr)]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


async def test_no_secret_in_any_log_line_or_reply(
    production_like: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = production_like
    api, connector, core = bot.api, bot.connector, bot.core
    secret_calendar = SECRETS["OPSLAG_CALENDAR_TOKEN"]

    # The review channel in Teams and the proposer's personal chat.
    assert (await bot.teams(A.message("godkendelseskanal", A.CENTRAL, connector.service_url,
                                      where="channel"))).status == 202
    assert (await bot.say("hjælp")).status == 202

    # A Slack proposal: the command, the modal, the submission.
    assert (await bot.slack_form(command_fields(api, "Åbent hus", ANNA,
                                                "/foreslå-opslag"))).status == 200
    await api.wait_for("views.open")
    reply = await bot.submit_intake(intake_data(title="Fra Slack"))
    assert reply.json()["response_action"] == "update"
    slack_proposal = bot.latest()

    # A Teams proposal: the command, the card's submit, Send on the advice.
    assert (await bot.say("foreslå-opslag Vi holder åbent")).status == 202
    card = (await bot.propose({**teams_form(title="Fra Teams"), "form_id": "secret-1"})).json()
    assert card["statusCode"] == 200
    teams_proposal = bot.latest()
    assert teams_proposal.id != slack_proposal.id
    await bot.deliver()

    # Decisions on both platforms.
    assert (await bot.click(ids.APPROVE, str(slack_proposal.id), user_id=CHEF)).status == 200
    await wait_until(lambda: core.workflow.get(slack_proposal.id).status == "approved")
    decided = (await bot.execute("reject", {"proposal_id": teams_proposal.id,
                                            "note_reject": "Ikke nu"}, A.CENTRAL)).json()
    assert decided["statusCode"] == 200
    await bot.deliver()

    # The weekly digest (due: the clock is Monday morning) to both review channels.
    assert bot.app[SCHEDULER_KEY].run_due()
    await bot.deliver()
    assert api.sent("chat.postMessage", channel=REVIEW_CHANNEL)

    # The calendar, with its token in the query string; and a wrong token.
    feed = await bot.request("GET", "/kalender.ics?" + urllib.parse.urlencode(
        {"token": secret_calendar}))
    assert feed.status == 200 and "Fra Slack" in feed.body
    wrong = await bot.request("GET", "/kalender.ics?token=" + secret_calendar[:-1])
    assert wrong.status == 404

    # The month's report page, with its token in the query string; and a wrong token.
    report_token = SECRETS["OPSLAG_REPORT_TOKEN"]
    page = await bot.request("GET", "/rapport/2026-11?" + urllib.parse.urlencode(
        {"token": report_token}))
    assert page.status == 200 and "<html" in page.body
    wrong = await bot.request("GET", "/rapport/2026-11?token=" + report_token[:-1])
    assert wrong.status == 404

    # The metrics, with the token and with a wrong one.
    metrics_token = SECRETS["OPSLAG_METRICS_TOKEN"]
    scraped = await bot.request("GET", "/metrics",
                                headers={"Authorization": f"Bearer {metrics_token}"})
    assert scraped.status == 200 and "opslag_proposals" in scraped.body
    wrong = await bot.request("GET", "/metrics",
                              headers={"Authorization": f"Bearer {metrics_token[:-1]}"})
    assert wrong.status == 401

    # Deliveries that fail: given up (an error in the log) and to be tried again.
    api.fail("chat.postMessage", error="invalid_auth", times=5)
    api.fail("conversations.open", status=500, times=5)
    connector.fail_next(403, times=5)
    bot.proposal(title="Fejler")
    await bot.deliver()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and "opgivet" in
              r.getMessage()]
    assert errors, "a delivery that failed for good is logged as an error"

    # A request with a bad signature, one with a bad token.
    assert (await bot.slack(b"payload=%7B%7D", "application/x-www-form-urlencoded",
                            signed=False, headers={"X-Slack-Signature": "v0=0",
                                                   "X-Slack-Request-Timestamp": "1"})
            ).status == 401
    bot.teams_headers = {"Authorization": "Bearer " + SECRETS["SLACK_BOT_TOKEN"]}
    assert (await bot.say("hjælp")).status == 401
    await bot.stop()

    captured = caplog.get_records("setup") + caplog.records  # the start, Socket Mode's too
    access = [r.getMessage() for r in captured if r.name == "aiohttp.access"]
    assert any(line.startswith("GET /kalender.ics 200") for line in access), access
    assert any(line.startswith("GET /rapport/2026-11 200") for line in access), access
    assert any("apps.connections.open" in r.getMessage() for r in captured)
    records = [_record_text(record) for record in captured]
    # The same records as the JSON log writes them: one JSON object per line each.
    as_json = logs.json_formatter()
    json_lines = [as_json.format(record) for record in captured]
    assert all("\n" not in line and isinstance(json.loads(line), dict) for line in json_lines)
    records += json_lines
    replies = [reply.body for reply in bot.replies]
    sent = [json.dumps(call.args, ensure_ascii=False) for call in api.calls] + [
        json.dumps(call.body, ensure_ascii=False) for call in connector.calls + connector.failed]
    leaks = [
        (name, where[:300])
        for name, value in SECRETS.items()
        for where in records + replies + sent
        if value in where
    ]
    assert leaks == []
    assert len(records) > 100, "every logger at DEBUG: the day leaves a long log"
