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
from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator

from bot.config import SettingsError
from handlers.teams import TEAMS_REVIEW_REF, hosting
from handlers.teams.refs import user_key
from handlers.teams.settings import TeamsSettings
from tests.fakes.connector import FakeConnector, FakeTokenProvider
from tests.teams import activities as A
from tests.teams.conftest import Start, Teams

APP_ID = "6a1f0b52-0000-4000-8000-00000000a991"
TENANT_ID = A.TENANT
OTHER_TENANT = "0c7e5b2d-0000-4000-8000-0000000e0417"
# A tenant of Microsoft's own that the SDK's issuer check always trusts.
MICROSOFT_TENANT = "d6d49420-f39b-4df7-a1dc-d59a935871db"
ISSUER = "https://api.botframework.com"
SETTING = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
TEAMS_SERVICE_URL = "https://smba.trafficmanager.net/emea/"


def _credentials(monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    values = {"CLIENTID": APP_ID, "CLIENTSECRET": "hemmelig", "TENANTID": TENANT_ID, **extra}
    for name, value in values.items():
        monkeypatch.setenv(SETTING + name, value)


def _token(service_url: str | None, *, key: Any = KEY, kid: str | None = "key-1",
           audience: str = APP_ID, issuer: str = ISSUER, **claims: Any) -> str:
    now = int(time.time())
    claims.update(iss=issuer, aud=audience, nbf=now - 10, exp=now + 3600)
    if service_url is not None:
        claims["serviceurl"] = service_url
    headers = {"kid": kid} if kid else {}
    return jwt.encode(claims, key, algorithm="RS256", headers=headers)


def _entra_token(service_url: str, *, tenant: str, version: str) -> str:
    """What Entra ID gives any app of `tenant` that asks for a token to our app id (the
    client-credentials grant), signed with the same keys as the channel's in this test."""
    issuer = (f"https://sts.windows.net/{tenant}/" if version == "v1"
              else f"https://login.microsoftonline.com/{tenant}/v2.0")
    # serviceurl too, though Entra never adds it: only the issuer differs from the channel's.
    return _token(service_url, issuer=issuer, tid=tenant, ver=version.strip("v") + ".0",
                  appid="9b0c4e11-0000-4000-8000-0000000a77ac")


@pytest.fixture
async def secured(start_teams: Start, connector: FakeConnector,
                  monkeypatch: pytest.MonkeyPatch) -> Teams:
    """Credentials configured; the signing keys of the channel and of Entra ID (one local
    stand-in) served by the fake; MSAL replaced; the fake connector's address allowed."""
    _credentials(monkeypatch)
    monkeypatch.setattr(hosting, "token_provider", FakeTokenProvider)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    keys = connector.publish_keys({"keys": [{**jwk, "kid": "key-1", "use": "sig",
                                             "alg": "RS256"}]})
    monkeypatch.setattr(jwt_token_validator, "_build_jwks_uri", lambda *_: keys)
    return await start_teams(teams_service_url_hosts=["127.0.0.1"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _foreign(teams: Teams) -> str:
    """The fake connector under another name: a host that is not allowed, but one that a
    request sent there would still reach (and the fake would record)."""
    return teams.url.replace("127.0.0.1", "localhost")


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


# -- only what the Bot Framework channel sends -------------------------------------------------


@pytest.mark.parametrize(("tenant", "version"), [
    (TENANT_ID, "v1"), (TENANT_ID, "v2"), (OTHER_TENANT, "v1"), (OTHER_TENANT, "v2"),
    (MICROSOFT_TENANT, "v1"),
], ids=["own-tenant-v1", "own-tenant-v2", "other-tenant-v1", "other-tenant-v2",
        "microsoft-tenant-v1"])
async def test_a_token_entra_issued_for_our_app_id_is_refused(
    secured: Teams, tenant: str, version: str
) -> None:
    """Any app registered in a tenant gets such a token with client credentials."""
    token = _entra_token(secured.url, tenant=tenant, version=version)

    response = await secured.post(A.message("hjælp", A.PROPOSER, secured.url), _bearer(token))

    assert response.status == 401
    _nothing_touched(secured)


@pytest.mark.parametrize("claim", [TEAMS_SERVICE_URL, "other path", None],
                         ids=["other-host", "other-path", "missing"])
async def test_a_token_for_another_service_url_is_refused(
    secured: Teams, claim: str | None
) -> None:
    """The channel names in its token the connector the activity came from; an activity
    that names another (where our reply would go, with our token) is not the channel's."""
    claimed = secured.url + "teams/" if claim == "other path" else claim

    response = await secured.post(A.message("hjælp", A.PROPOSER, secured.url),
                                  _bearer(_token(claimed)))

    assert response.status == 401
    _nothing_touched(secured)


async def test_an_activity_from_a_foreign_service_url_is_refused_and_nothing_is_sent_there(
    secured: Teams,
) -> None:
    foreign = _foreign(secured)

    for activity in (A.message("hjælp", A.PROPOSER, foreign),
                     A.message("godkendelseskanal", A.CENTRAL, foreign, where="channel")):
        response = await secured.post(activity, _bearer(_token(foreign)))
        assert response.status == 401

    _nothing_touched(secured)
    assert secured.core.store.get_ref(TEAMS_REVIEW_REF) is None


async def test_a_refused_activity_never_overwrites_a_stored_reference(secured: Teams) -> None:
    secured.headers = _bearer(_token(secured.url))
    await secured.say("hjælp")
    key = user_key(A.PROPOSER.aad)
    stored = secured.core.store.get_ref(key)
    secured.connector.clear()

    foreign = _foreign(secured)
    refused = [
        (secured.url, _entra_token(secured.url, tenant=TENANT_ID, version="v2")),
        (foreign, _token(secured.url)),
        (foreign, _token(foreign)),
    ]
    for service_url, token in refused:
        activity = A.message("hjælp", A.PROPOSER, service_url)
        activity["conversation"]["id"] = "a:someone-elses-chat"
        response = await secured.post(activity, _bearer(token))
        assert response.status == 401

    assert secured.core.store.get_ref(key) == stored
    assert secured.connector.calls == []


async def test_a_stored_reference_to_a_foreign_host_is_never_used(secured: Teams) -> None:
    """A review channel stored before service URLs were checked, pointing elsewhere: the
    review card is not sent there (nor anywhere); the proposer still hears from us."""
    secured.headers = _bearer(_token(secured.url))
    await secured.choose_review_channel()
    review = secured.core.store.get_ref(TEAMS_REVIEW_REF)
    assert review is not None
    secured.core.store.put_ref(TEAMS_REVIEW_REF, {**review, "serviceUrl": _foreign(secured)},
                               secured.clock())
    secured.connector.clear()

    await secured.submit()
    await secured.deliver()

    assert secured.review_posts() == []
    assert [call.conversation_id for call in secured.connector.calls] == [
        A.PROPOSER.personal_chat]
    row = next(r for r in secured.core.store.outbox_rows() if r.kind == "review_post")
    assert row.status == "failed" and "fremmed" in (row.last_error or "")


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://smba.trafficmanager.net/emea/", True),
    ("https://smba.trafficmanager.net/teams/", True),
    ("https://SMBA.trafficmanager.net/amer/", True),
    ("https://europe.webchat.botframework.com/", True),
    ("http://smba.trafficmanager.net/emea/", False),
    ("https://evil-smba.trafficmanager.net/emea/", False),
    ("https://smba.trafficmanager.net.evil.example/emea/", False),
    ("https://evilbotframework.com/", False),
    ("https://user:pw@smba.trafficmanager.net/emea/", False),
    ("https://evil.example/", False),
    ("https://127.0.0.1/", False),
    ("http://localhost:3978/", False),
    ("https://10.0.0.4/", False),
    ("not a url", False),
    ("", False),
])
def test_the_default_service_url_hosts_are_microsofts_channels(
    make_settings: Any, url: str, allowed: bool
) -> None:
    hosts = make_settings().section(TeamsSettings).service_url_hosts

    assert hosting.ServiceUrls(hosts, local=False).is_allowed(url) is allowed


def test_a_listed_loopback_address_allows_that_address_only() -> None:
    urls = hosting.ServiceUrls(["127.0.0.1"], local=False)

    assert urls.is_allowed("http://127.0.0.1:41234/emea/")
    assert not urls.is_allowed("http://localhost:41234/emea/")
    assert not urls.is_allowed("http://127.0.0.2:41234/emea/")
    assert not urls.is_allowed("https://smba.trafficmanager.net/emea/")  # not listed


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
    request = make_mocked_request("POST", "/api/messages", headers={"Host": "localhost:3978"})

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
