"""Local mode (no client id) is for this machine only: the Agents Playground on it.

A request relayed by a proxy or a tunnel, or addressed to a name other than this machine's
(a page in a local browser whose DNS name was rebound to 127.0.0.1), is refused with 401 and
touches nothing. Unless told otherwise the server listens on 127.0.0.1 only.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from handlers.teams.refs import user_key
from opslag import server
from tests.teams import activities as A
from tests.teams.conftest import Teams

SETTING = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"

PROXY_HEADERS = {
    "Forwarded": "for=203.0.113.9;proto=https",
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Host": "opslag.example.dk",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Port": "443",
    "X-Forwarded-Server": "proxy",
    "X-Real-IP": "203.0.113.9",
    "Via": "1.1 proxy",
    "True-Client-IP": "203.0.113.9",
    "CF-Connecting-IP": "203.0.113.9",
    "CF-Ray": "8a1b2c3d4e5f-CPH",
    "X-Client-IP": "203.0.113.9",
    "X-Cluster-Client-IP": "203.0.113.9",
    "Fastly-Client-IP": "203.0.113.9",
    "X-Original-Forwarded-For": "203.0.113.9",
    "X-Original-Host": "opslag.example.dk",
    "X-ProxyUser-Ip": "203.0.113.9",
    "Client-IP": "203.0.113.9",
    "X-Envoy-External-Address": "203.0.113.9",
    "X-Azure-ClientIP": "203.0.113.9",
    "X-ARR-ClientIP": "203.0.113.9",
    "X-Amzn-Trace-Id": "Root=1-67891233-abcdef012345678912345678",
    "x-forwarded-for": "203.0.113.9",  # header names are case-insensitive
}

FOREIGN_HOSTS = [
    "evil.example", "evil.example:3000", "127.0.0.1.evil.example", "localhost.evil.example",
    "evil.localhost", "0.0.0.0:3000", "10.0.0.4", "[::2]", "[::ffff:10.0.0.4]:3000",
    "localhost@evil.example", "localhost:3000/x", "127.1", "",
]
LOOPBACK_HOSTS = [
    "localhost", "localhost:3978", "LOCALHOST:3978", "127.0.0.1", "127.0.0.1:3978",
    "127.4.5.6:80", "[::1]", "[::1]:3978", "[::ffff:127.0.0.1]:3978",
]


def _nothing_touched(teams: Teams) -> None:
    assert teams.core.store.get_ref(user_key(A.PROPOSER.aad)) is None
    assert teams.core.store.list_proposals() == []
    assert teams.connector.calls == []


@pytest.mark.parametrize(("name", "value"), PROXY_HEADERS.items(), ids=list(PROXY_HEADERS))
async def test_a_request_relayed_by_a_proxy_is_refused(teams: Teams, name: str,
                                                       value: str) -> None:
    response = await teams.post(A.message("hjælp", A.PROPOSER, teams.url), {name: value})

    assert response.status == 401
    _nothing_touched(teams)


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
async def test_a_request_for_another_host_name_is_refused(teams: Teams, host: str) -> None:
    """DNS rebinding: a page from evil.example, its name now resolving to 127.0.0.1."""
    response = await teams.post(A.message("hjælp", A.PROPOSER, teams.url), {"Host": host})

    assert response.status == 401
    _nothing_touched(teams)


@pytest.mark.parametrize("host", LOOPBACK_HOSTS)
async def test_a_request_for_this_machine_by_any_of_its_names_is_served(
    teams: Teams, host: str
) -> None:
    response = await teams.post(A.message("hjælp", A.PROPOSER, teams.url), {"Host": host})

    assert response.status == 202
    assert teams.core.store.get_ref(user_key(A.PROPOSER.aad)) is not None


@pytest.mark.parametrize("service_url", [
    "https://evil.invalid/", "http://smba.trafficmanager.net/emea/", "ftp://127.0.0.1/",
    "https://user:pw@smba.trafficmanager.net/emea/",
])
async def test_local_mode_replies_only_to_this_machine_or_microsofts_channels(
    teams: Teams, service_url: str
) -> None:
    response = await teams.post(A.message("hjælp", A.PROPOSER, service_url))

    assert response.status == 401
    _nothing_touched(teams)


async def test_the_playground_on_localhost_is_answered(teams: Teams) -> None:
    playground = teams.url.replace("127.0.0.1", "localhost")

    response = await teams.post(A.message("hjælp", A.PROPOSER, playground),
                                {"Host": "localhost:3978"})

    assert response.status == 202
    (reply,) = teams.connector.calls
    assert reply.conversation_id == A.PROPOSER.personal_chat


# -- where the server listens -----------------------------------------------------------------


@pytest.mark.parametrize(("settings", "credentials", "host"), [
    ({}, False, "127.0.0.1"),
    ({}, True, "0.0.0.0"),
    ({"host": "0.0.0.0"}, False, "0.0.0.0"),
    ({"host": "127.0.0.1"}, True, "127.0.0.1"),
    ({"slack_bot_token": "xoxb-1", "slack_signing_secret": "s"}, False, "0.0.0.0"),
    ({"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1"}, False, "127.0.0.1"),
    ({"opslag_calendar_token": "kalender"}, False, "0.0.0.0"),
], ids=["local-mode", "teams-credentials", "host-set", "host-set-with-credentials",
        "slack-over-http", "slack-socket-mode", "calendar-feed"])
def test_the_server_listens_on_this_machine_only_unless_others_must_reach_it(
    make_settings: Any, monkeypatch: pytest.MonkeyPatch, settings: dict[str, Any],
    credentials: bool, host: str
) -> None:
    if credentials:
        for name, value in {"CLIENTID": "6a1f0b52-0000-4000-8000-00000000a991",
                            "CLIENTSECRET": "hemmelig", "TENANTID": A.TENANT}.items():
            monkeypatch.setenv(SETTING + name, value)
    ran: dict[str, Any] = {}
    monkeypatch.setattr(server, "build_app", lambda *_, **__: web.Application())
    monkeypatch.setattr(server.web, "run_app", lambda app, **options: ran.update(options))

    server.main(make_settings(**settings))

    assert ran["host"] == host
