"""How /api/messages is reached: credentials, token validation and the local mode.

Credentials are read with the Agents SDK's own configuration loader and setting names
(CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID, ...CLIENTSECRET, ...TENANTID). With a
client id every request's token is validated; without one the endpoint runs in local mode
for the Agents Playground and only answers this machine.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_exceptions import NotAppKeyWarning
from dotenv import dotenv_values
from microsoft_agents.activity import load_configuration_from_env
from microsoft_agents.activity.config._coercion import coerce_bool
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.aiohttp import jwt_authorization_decorator
from microsoft_agents.hosting.core import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ConnectionManager,
)

from bot.config import SettingsError

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
_PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


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


def load_auth(environ: Mapping[str, str] | None = None) -> TeamsAuth:
    """Read the credentials; a missing or contradictory one fails here, at start."""
    config = load_configuration_from_env(sdk_environment(environ))
    settings = config["CONNECTIONS"].get(SERVICE_CONNECTION, {}).get("SETTINGS", {})
    if not settings.get("CLIENTID"):
        return _local_auth(settings)
    _require_single_tenant(settings)
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


def from_this_machine(request: web.Request) -> bool:
    """A request made on this machine, and not relayed here by a proxy on it."""
    relayed = any(header in request.headers for header in _PROXY_HEADERS)
    return is_loopback(request.remote) and not relayed


def unauthorized() -> web.Response:
    return web.json_response(_UNAUTHORIZED, status=401)


def guard(app: web.Application, auth: TeamsAuth, process: Handler) -> Handler:
    """Wrap the endpoint alone (not the whole app, which also serves Slack)."""
    if auth.local:
        return _local_only(process)
    with warnings.catch_warnings():  # the SDK decorator reads this plain string key
        warnings.simplefilter("ignore", NotAppKeyWarning)
        app[SDK_CONFIG_KEY] = auth.configuration
    return _token_checked(jwt_authorization_decorator(process))


def _local_only(process: Handler) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        if not from_this_machine(request):
            log.warning("Teams i lokal tilstand: afviste kald fra %s", request.remote)
            return unauthorized()
        return await process(request)

    return handle


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
