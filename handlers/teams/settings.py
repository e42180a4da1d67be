"""The Teams edge's settings (TEAMS_*), read at start by the core's loader (bot/config.py).

The bot's credentials are not here: the Agents SDK reads them under its own names
(CONNECTIONS__SERVICE_CONNECTION__SETTINGS__*, see handlers/teams/hosting.py).
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import CsvList, split_commas

# Where Microsoft's channels put the Bot Framework connector: Teams in the public cloud
# (https://smba.trafficmanager.net/<region>/...) and the Bot Service's *.botframework.com.
TEAMS_SERVICE_URL_HOSTS = ("smba.trafficmanager.net", "botframework.com")


class TeamsSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TEAMS_", env_file=".env", extra="ignore", case_sensitive=False
    )

    central_users: CsvList = Field(default_factory=list)
    # The hosts of the Bot Framework connector the bot may send to (a conversation's
    # serviceUrl): Teams' own and the Bot Service's. `name` also admits its subdomains; a
    # loopback address (tests' fake connector) admits plain http on that address.
    service_url_hosts: CsvList = Field(default_factory=lambda: list(TEAMS_SERVICE_URL_HOSTS))

    @field_validator("central_users", "service_url_hosts", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        return split_commas(value)
