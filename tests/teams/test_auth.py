"""Who may call /api/messages: token validation with credentials, this machine only without."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from cryptography.hazmat.primitives.asymmetric import rsa
from microsoft_agents.hosting.core.authorization._entra_issuers import BOTFRAMEWORK_JWKS_URIS

from bot.config import SettingsError
from handlers.teams import hosting
from handlers.teams.refs import user_key
from tests.fakes.connector import FakeConnector, FakeTokenProvider
from tests.teams import activities as A
from tests.teams.conftest import Start, Teams

APP_ID = "6a1f0b52-0000-4000-8000-00000000a991"
TENANT_ID = A.TENANT
ISSUER = "https://api.botframework.com"
SETTING = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _credentials(monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    values = {"CLIENTID": APP_ID, "CLIENTSECRET": "hemmelig", "TENANTID": TENANT_ID, **extra}
    for name, value in values.items():
        monkeypatch.setenv(SETTING + name, value)


def _token(service_url: str, *, key: Any = KEY, kid: str | None = "key-1",
           audience: str = APP_ID) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": audience, "nbf": now - 10, "exp": now + 3600,
              "serviceurl": service_url}
    headers = {"kid": kid} if kid else {}
    return jwt.encode(claims, key, algorithm="RS256", headers=headers)


@pytest.fixture
async def secured(start_teams: Start, connector: FakeConnector,
                  monkeypatch: pytest.MonkeyPatch) -> Teams:
    """Credentials configured; the channel's signing keys served by the fake; MSAL replaced."""
    _credentials(monkeypatch)
    monkeypatch.setattr(hosting, "token_provider", FakeTokenProvider)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    keys = connector.publish_keys({"keys": [{**jwk, "kid": "key-1", "use": "sig",
                                             "alg": "RS256"}]})
    monkeypatch.setitem(BOTFRAMEWORK_JWKS_URIS, ISSUER, keys)
    return await start_teams()


def _nothing_touched(teams: Teams) -> None:
    assert teams.core.store.get_ref(user_key(A.PROPOSER.aad)) is None
    assert teams.core.store.list_proposals() == []
    assert teams.connector.calls == []


# -- credentials configured -----------------------------------------------------------------


@pytest.mark.parametrize("authorization", [
    None, "Bearer not-a-token", "Basic YW5uYTpoZW1tZWxpZw==", "Bearer",
])
async def test_without_a_valid_token_the_request_is_refused(
    secured: Teams, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else None

    response = await secured.post(A.message("hjælp", A.PROPOSER, secured.url), headers)

    assert response.status == 401
    _nothing_touched(secured)


async def test_a_token_without_kid_is_a_401_not_a_500(secured: Teams) -> None:
    token = _token(secured.url, kid=None)

    response = await secured.post(A.message("hjælp", A.PROPOSER, secured.url),
                                  {"Authorization": f"Bearer {token}"})

    assert response.status == 401
    _nothing_touched(secured)


@pytest.mark.parametrize("problem", ["other key", "other audience"])
async def test_a_token_signed_wrongly_or_for_another_bot_is_refused(
    secured: Teams, problem: str
) -> None:
    token = (_token(secured.url, key=OTHER_KEY) if problem == "other key"
             else _token(secured.url, audience="some-other-bot"))

    response = await secured.post(A.message("hjælp", A.PROPOSER, secured.url),
                                  {"Authorization": f"Bearer {token}"})

    assert response.status == 401
    _nothing_touched(secured)


async def test_a_valid_token_is_served_and_replies_carry_our_token(secured: Teams) -> None:
    token = _token(secured.url)

    response = await secured.post(A.message("hjælp", A.PROPOSER, secured.url),
                                  {"Authorization": f"Bearer {token}"})

    assert response.status == 202
    (reply,) = secured.connector.calls
    assert reply.authorization == f"Bearer {FakeTokenProvider.TOKEN}"
    assert secured.core.store.get_ref(user_key(A.PROPOSER.aad)) is not None


async def test_proactive_messages_carry_our_token(secured: Teams) -> None:
    secured.headers = {"Authorization": f"Bearer {_token(secured.url)}"}
    await secured.say("hjælp")
    secured.connector.clear()
    await secured.submit()

    assert await secured.deliver() == 1
    (recommendation,) = secured.connector.calls
    assert recommendation.authorization == f"Bearer {FakeTokenProvider.TOKEN}"


async def test_only_the_teams_endpoint_is_guarded(secured: Teams) -> None:
    health = await secured.client.get("/healthz")
    slack = await secured.client.post("/slack/events", data=b"{}")

    assert health.status == 200
    assert slack.status != 401  # not ours to refuse (404 while Slack is off)
    assert not secured.client.app.middlewares


async def test_credentials_never_allow_anonymous_calls(
    make_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _credentials(monkeypatch)
    monkeypatch.setattr(hosting, "token_provider", FakeTokenProvider)
    auth = hosting.load_auth()
    assert not auth.local and auth.configuration.ANONYMOUS_ALLOWED is False

    _credentials(monkeypatch, ANONYMOUS_ALLOWED="true")
    with pytest.raises(SettingsError, match="ANONYMOUS_ALLOWED"):
        hosting.load_auth()


@pytest.mark.parametrize(("values", "named"), [
    ({"CLIENTID": APP_ID, "TENANTID": TENANT_ID}, "CLIENTSECRET"),
    ({"CLIENTID": APP_ID, "CLIENTSECRET": "x"}, "TENANTID"),
    ({"CLIENTID": APP_ID, "CLIENTSECRET": "x", "TENANTID": "common"}, "TENANTID"),
    ({"CLIENTSECRET": "x"}, "CLIENTID"),
])
async def test_incomplete_credentials_fail_at_start_naming_the_setting(
    make_settings: Any, monkeypatch: pytest.MonkeyPatch, values: dict[str, str], named: str
) -> None:
    for name, value in values.items():
        monkeypatch.setenv(SETTING + name, value)

    with pytest.raises(SettingsError, match=SETTING + named):
        hosting.load_auth()


# -- local mode (no client id): the Agents Playground on this machine ------------------------


async def test_local_mode_warns_once_at_start(start_teams: Start,
                                              caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        teams = await start_teams()
        await teams.say("hjælp")
        await teams.submit()
        await teams.deliver()

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [hosting.LOCAL_MODE_WARNING]


async def test_local_mode_refuses_calls_relayed_from_elsewhere(teams: Teams) -> None:
    response = await teams.post(A.message("hjælp", A.PROPOSER, teams.url),
                                {"X-Forwarded-For": "203.0.113.9"})

    assert response.status == 401
    _nothing_touched(teams)


async def test_local_mode_guard_refuses_a_remote_address() -> None:
    served: list[str] = []

    async def process(request: web.Request) -> web.StreamResponse:
        served.append(request.remote or "")
        return web.Response(status=202)

    guarded = hosting.guard(web.Application(), hosting.load_auth({}), process)
    request = make_mocked_request("POST", "/api/messages")

    assert (await guarded(request.clone(remote="203.0.113.9"))).status == 401
    assert (await guarded(request.clone(remote="10.0.0.4"))).status == 401
    assert (await guarded(request.clone(remote="::1"))).status == 202
    assert (await guarded(request.clone(remote="127.0.0.1"))).status == 202
    assert served == ["::1", "127.0.0.1"]


def test_loopback_addresses() -> None:
    assert hosting.is_loopback("127.0.0.1") and hosting.is_loopback("::1")
    assert hosting.is_loopback("::ffff:127.0.0.1")
    assert not hosting.is_loopback("192.168.1.10") and not hosting.is_loopback(None)
    assert not hosting.is_loopback("localhost")


async def test_local_mode_sends_proactively_without_tenant_or_token(teams: Teams) -> None:
    """continue_conversation would ask MSAL for a token (and fail for want of a tenant id);
    local mode runs the proactive turn anonymously instead."""
    await teams.submit()

    assert await teams.deliver() == 1
    (recommendation,) = teams.connector.calls
    assert recommendation.authorization is None
