"""How /api/messages is reached: credentials, token validation and the local mode, and which
Bot Framework connectors (service URLs) the bot talks to.

Credentials are read with the Agents SDK's own configuration loader and setting names
(CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID, ...CLIENTSECRET, ...TENANTID). With a
client id every request must carry a token the Bot Framework channel issued for this bot,
naming the activity's serviceUrl; a token Entra ID issued (to any app of any tenant) is
refused. Without a client id the endpoint runs in local mode for the Agents Playground and
only answers this machine: a loopback peer, a loopback Host and no proxy on the way.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_exceptions import NotAppKeyWarning
from dotenv import dotenv_values
from microsoft_agents.activity import Activity, load_configuration_from_env
from microsoft_agents.activity.config._coercion import coerce_bool
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.aiohttp import jwt_authorization_decorator
from microsoft_agents.hosting.core import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ClaimsIdentity,
    ConnectionManager,
    OutboundHostValidator,
)
from microsoft_agents.hosting.core.authorization.authentication_constants import (
    AuthenticationConstants,
)
from yarl import URL

from bot.config import SettingsError
from handlers.teams.refs import TYPED_FIELDS, has_lone_surrogate

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
SERVICE_CONNECTION = "SERVICE_CONNECTION"
# The key under which the SDK's JWT decorator looks for the configuration.
SDK_CONFIG_KEY = "agent_configuration"
LOCAL_MODE_WARNING = (
    "Teams kører i lokal tilstand (CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID er ikke "
    "sat): /api/messages tager kun imod kald fra denne maskine, fx Microsoft 365 Agents "
    "Playground."
)
_UNAUTHORIZED = {"error": "Unauthorized"}
_SDK_NO_APP_ID_LOGGER = "microsoft_agents.hosting.core.connector.client.user_token_client"
# The only issuer of the tokens the Bot Framework channel (Teams) sends to a bot. Entra ID
# issues tokens with our app id as audience to any app that asks (client credentials).
CHANNEL_ISSUER = AuthenticationConstants.AGENTS_SDK_TOKEN_ISSUER  # https://api.botframework.com
_SERVICE_URL_CLAIM = AuthenticationConstants.SERVICE_URL_CLAIM
# Headers a proxy, load balancer, CDN or tunnel adds when it relays a request. In local mode
# any of them means the request came from elsewhere, whatever the peer address says.
_PROXY_HEADERS = frozenset({
    "forwarded", "via", "x-real-ip", "true-client-ip", "client-ip", "x-client-ip",
    "x-cluster-client-ip", "x-proxyuser-ip", "x-remote-ip", "x-remote-addr",
    "x-originating-ip", "x-host", "x-appengine-user-ip", "x-sucuri-clientip",
    "akamai-origin-hop", "cdn-loop",
})
_PROXY_HEADER_PREFIXES = (
    "x-forwarded-", "x-original-", "cf-", "fastly-", "x-envoy-", "x-azure-", "x-arr-",
    "x-amzn-", "x-vercel-", "x-ms-forwarded-",
)
# A Host header: a name or an IPv4 address, or an IPv6 address in brackets; then a port.
_HOST_HEADER = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))"
                          r"(?::[0-9]{1,5})?")


@dataclass(frozen=True)
class TeamsAuth:
    local: bool
    app_id: str
    configuration: AgentAuthConfiguration
    connections: ConnectionManager


def token_provider(configuration: AgentAuthConfiguration) -> AccessTokenProviderBase:
    """Who fetches tokens for outgoing calls. Tests swap in a provider that needs no Entra."""
    return MsalAuth(configuration)


def sdk_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The SDK's settings from `.env` and the environment (the environment wins)."""
    merged: dict[str, Any] = {**dotenv_values(".env"), **(os.environ if environ is None
                                                          else environ)}
    return {key: str(value) for key, value in merged.items()
            if key.startswith("CONNECTIONS") and value is not None}


def _sdk_configuration(environ: Mapping[str, str] | None) -> tuple[dict[str, Any],
                                                                   dict[str, Any]]:
    """The SDK's configuration, and the settings of its service connection in it."""
    config = load_configuration_from_env(sdk_environment(environ))
    return config, config["CONNECTIONS"].get(SERVICE_CONNECTION, {}).get("SETTINGS", {})


def credentials_configured(environ: Mapping[str, str] | None = None) -> bool:
    """Whether Teams runs with credentials (a client id), i.e. not in local mode."""
    return bool(_sdk_configuration(environ)[1].get("CLIENTID"))


def load_auth(environ: Mapping[str, str] | None = None) -> TeamsAuth:
    """Read the credentials; a missing or contradictory one fails here, at start."""
    config, settings = _sdk_configuration(environ)
    if not settings.get("CLIENTID"):
        return _local_auth(settings)
    _require_single_tenant(settings)
    for connection in config["CONNECTIONS"].values():
        # The SDK's issuer check, on and narrowed to the channel, whatever the environment
        # says (its default list also admits Entra ID of our own tenant).
        connection.setdefault("SETTINGS", {}).update(VALIDATE_ISSUER="true",
                                                     ISSUERS=CHANNEL_ISSUER)
    connections = ConnectionManager(provider_factory=token_provider, **config)
    configuration = connections.get_default_connection_configuration()
    configuration.ANONYMOUS_ALLOWED = False  # never, whatever the environment says
    return TeamsAuth(local=False, app_id=settings["CLIENTID"], configuration=configuration,
                     connections=connections)


def _local_auth(settings: Mapping[str, Any]) -> TeamsAuth:
    stray = sorted(key for key in ("CLIENTSECRET", "TENANTID") if settings.get(key))
    if stray:
        raise SettingsError(
            f"Ugyldig indstilling {PREFIX}CLIENTID: mangler, men {PREFIX}{stray[0]} er sat"
        )
    log.warning(LOCAL_MODE_WARNING)
    # Without an app id the SDK warns about it on every turn; the line above said it once.
    logging.getLogger(_SDK_NO_APP_ID_LOGGER).setLevel(logging.ERROR)
    configuration = AgentAuthConfiguration(anonymous_allowed=True)
    connections = ConnectionManager(
        provider_factory=lambda _: AnonymousTokenProvider(),
        connections_configurations={SERVICE_CONNECTION: configuration},
    )
    return TeamsAuth(local=True, app_id="", configuration=configuration,
                     connections=connections)


def _require_single_tenant(settings: Mapping[str, Any]) -> None:
    auth_type = str(settings.get("AUTHTYPE") or "ClientSecret")
    needed = ["TENANTID"] + (["CLIENTSECRET"] if auth_type == "ClientSecret" else [])
    for name in needed:
        if not settings.get(name):
            raise SettingsError(f"Ugyldig indstilling {PREFIX}{name}: mangler (Teams er "
                                f"slået til, fordi {PREFIX}CLIENTID er sat)")
    if str(settings["TENANTID"]).lower() in ("common", "organizations"):
        raise SettingsError(f"Ugyldig indstilling {PREFIX}TENANTID: skal være jeres egen "
                            f"tenant (single-tenant), ikke {settings['TENANTID']}")
    if coerce_bool(settings.get("ANONYMOUS_ALLOWED"), default=False):
        raise SettingsError(f"Ugyldig indstilling {PREFIX}ANONYMOUS_ALLOWED: må ikke være "
                            f"slået til, når {PREFIX}CLIENTID er sat")


# -- the guard in front of /api/messages --------------------------------------------------


def is_loopback(remote: str | None) -> bool:
    if not remote:
        return False
    try:
        address = ipaddress.ip_address(remote.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 on a dual-stack socket
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def is_loopback_host(host: str | None) -> bool:
    """A Host header naming this machine: localhost, 127.x.x.x or [::1], with or without a
    port. Anything else may be a DNS name that an attacker's page rebound to 127.0.0.1."""
    match = _HOST_HEADER.fullmatch(host or "")
    if match is None:
        return False
    if match["ipv6"]:
        return is_loopback(match["ipv6"])
    name = match["name"].lower()
    return name == "localhost" or is_loopback(name)


def is_proxy_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in _PROXY_HEADERS or lowered.startswith(_PROXY_HEADER_PREFIXES)


def from_this_machine(request: web.Request) -> bool:
    """A request made on this machine, to this machine's name, not relayed by a proxy."""
    relayed = any(is_proxy_header(name) for name in request.headers)
    return (is_loopback(request.remote) and is_loopback_host(request.headers.get("Host"))
            and not relayed)


def unauthorized() -> web.Response:
    return web.json_response(_UNAUTHORIZED, status=401)


def guard(app: web.Application, auth: TeamsAuth, process: Handler) -> Handler:
    """Wrap the endpoint alone (not the whole app, which also serves Slack)."""
    if auth.local:
        return _local_only(process)
    with warnings.catch_warnings():  # the SDK decorator reads this plain string key
        warnings.simplefilter("ignore", NotAppKeyWarning)
        app[SDK_CONFIG_KEY] = auth.configuration
    return _token_checked(jwt_authorization_decorator(_from_the_channel(auth, process)))


def _local_only(process: Handler) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        if not from_this_machine(request):
            log.warning("Teams i lokal tilstand: afviste et kald, der ikke kom fra denne "
                        "maskine (fra %s)", request.remote)
            return unauthorized()
        return await process(request)

    return handle


def _from_the_channel(auth: TeamsAuth, process: Handler) -> Handler:
    """After the SDK checked signature, audience and issuer list: only a token the channel
    issued for this bot, for the serviceUrl the activity names (as Bot Framework bots
    always checked), so that a token cannot send our replies, with our token, elsewhere."""

    async def handle(request: web.Request) -> web.StreamResponse:
        identity: ClaimsIdentity = request["claims_identity"]
        problem = _token_problem(auth, identity.claims)
        if problem is None:
            problem = _service_url_problem(identity.claims, await request.read())
        if problem is not None:
            log.warning("Teams: afviste et token: %s", problem)
            return unauthorized()
        return await process(request)

    return handle


def _token_problem(auth: TeamsAuth, claims: Mapping[str, Any]) -> str | None:
    if claims.get(AuthenticationConstants.ISSUER_CLAIM) != CHANNEL_ISSUER:
        return "ikke udstedt af Bot Framework-kanalen"
    if str(claims.get(AuthenticationConstants.AUDIENCE_CLAIM)).lower() != auth.app_id.lower():
        return "til en anden app"
    claim = claims.get(_SERVICE_URL_CLAIM)
    if not isinstance(claim, str) or not claim:
        return "uden serviceurl"
    return None


def _service_url_problem(claims: Mapping[str, Any], raw: bytes) -> str | None:
    """The activity's serviceUrl must be the token's, exactly. A body that is no JSON
    object is left to the endpoint's own check (400)."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict):
        return None
    if body.get("serviceUrl") != claims.get(_SERVICE_URL_CLAIM):
        return "serviceUrl er ikke tokenets"
    return None


def _token_checked(protected: Handler) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            return await protected(request)
        except (KeyError, TypeError, AttributeError):
            # A token without `kid` (and other odd headers) escapes the SDK as KeyError.
            if "claims_identity" in request:
                raise  # the token was accepted; this is an error of ours, not the caller's
            log.warning("Teams: afviste et token med et ugyldigt hoved")
            return unauthorized()

    return handle


async def malformed(request: web.Request) -> web.Response | None:
    """Refuse what is no activity before the SDK sees it: anything but JSON (415; a browser
    cannot send JSON to this machine without asking first), a body over the server's limit
    (413; the SDK would call it invalid JSON) and a body that is no activity (400; the SDK
    would raise). The SDK then reads the body again from aiohttp's cache."""
    if request.content_type != "application/json":
        return _refused(415, "Content-Type skal være application/json")
    raw = await request.read()  # HTTPRequestEntityTooLarge (413) over client_max_size
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, nested too deep
        return _refused(400, "ikke en gyldig aktivitet")
    if has_lone_surrogate(body, skip=TYPED_FIELDS):  # can be neither stored nor sent
        return _refused(400, "ikke en gyldig aktivitet: et halvt tegn i et navn eller id")
    try:
        activity = Activity.model_validate(body)
    except ValueError:  # not an activity
        return _refused(400, "ikke en gyldig aktivitet")
    if not activity.service_url:  # nowhere to answer (the SDK would fail in the turn)
        return _refused(400, "ikke en gyldig aktivitet: serviceUrl mangler")
    return None


def _refused(status: int, reason: str) -> web.Response:
    log.warning("Teams: afviste en forespørgsel (%s): %s", status, reason)
    return web.json_response({"error": reason}, status=status)


# -- where the bot sends ---------------------------------------------------------------------


class ServiceUrls(OutboundHostValidator):
    """The Bot Framework connectors the bot talks to: an incoming activity's serviceUrl (the
    adapter refuses others with 401 before the turn) and a stored conversation's (the Teams
    edge never sends to others).

    The SDK's rules for the listed hosts: https, no user info, no private or loopback
    address, the host itself or one of its subdomains. Besides those, plain http to a
    loopback address: any in local mode (the Agents Playground on this machine), and one
    listed by its address (the tests' fake connector)."""

    def __init__(self, hosts: Iterable[str], *, local: bool) -> None:
        listed = [host.strip() for host in hosts if host.strip()]
        self._loopback = {_bare(host) for host in listed if _is_loopback_name(_bare(host))}
        super().__init__([host for host in listed if _bare(host) not in self._loopback],
                         enabled=True, include_default_microsoft_hosts=False)
        self._local = local

    def is_allowed(self, url: str | URL) -> bool:
        return self._loopback_allowed(url) or super().is_allowed(url)

    def _loopback_allowed(self, url: str | URL) -> bool:
        try:
            parsed = URL(url) if isinstance(url, str) else url
        except (TypeError, ValueError):
            return False
        host = _bare(parsed.host or "")
        if parsed.scheme not in ("http", "https") or parsed.user or parsed.password:
            return False
        if not _is_loopback_name(host):
            return False
        return self._local or host in self._loopback


def _bare(host: str) -> str:
    return host.strip().strip("[]").lower()


def _is_loopback_name(host: str) -> bool:
    return host == "localhost" or is_loopback(host)
