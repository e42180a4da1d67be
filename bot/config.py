"""All settings, read once at start from the environment (and an optional `.env`).

A missing or contradictory setting fails at start with one line naming the variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CsvList = Annotated[list[str], NoDecode]

# Where Microsoft's channels put the Bot Framework connector: Teams in the public cloud
# (https://smba.trafficmanager.net/<region>/...) and the Bot Service's *.botframework.com.
TEAMS_SERVICE_URL_HOSTS = ("smba.trafficmanager.net", "botframework.com")


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    opslag_db: Path = Path("opslag.db")
    # Seconds a write waits for another connection's lock before the user is told to try
    # again. Store calls run one at a time on the store thread (bot/store_thread.py): the
    # event loop answers meanwhile, but the calls queued behind a waiting one wait too, so
    # keep it well under the 3 s Slack gives an acknowledgement. 0.25 s refused writes when
    # two servers shared the file on a loaded machine (tests/resilience/test_two_servers.py).
    opslag_db_busy_timeout: float = Field(default=1.0, gt=0, le=30)
    opslag_central_users: CsvList = Field(default_factory=list)
    port: int = Field(default=3000, ge=1, le=65535)
    # Unset: see `listen_host`. Set it to bind where you choose (e.g. 0.0.0.0 in a container).
    host: str | None = None
    opslag_timezone: str = "Europe/Copenhagen"

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_review_channel: str | None = None
    slack_central_users: CsvList = Field(default_factory=list)
    slack_central_usergroup: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    # How fast the outbox posts to one Slack channel: Slack allows about one message a second
    # per channel, with short bursts (chat.postMessage); tests run their fake faster.
    slack_channel_rate: float = Field(default=1.0, gt=0)
    slack_channel_burst: int = Field(default=3, ge=1)

    teams_central_users: CsvList = Field(default_factory=list)
    teams_app_id: str | None = None
    # The hosts of the Bot Framework connector the bot may send to (a conversation's
    # serviceUrl): Teams' own and the Bot Service's. `name` also admits its subdomains; a
    # loopback address (tests' fake connector) admits plain http on that address.
    teams_service_url_hosts: CsvList = Field(
        default_factory=lambda: list(TEAMS_SERVICE_URL_HOSTS)
    )

    opslag_digest_cron: str = "0 8 * * 1"
    opslag_digest_channels: CsvList = Field(default_factory=list)
    opslag_review_sla_hours: int = Field(default=48, ge=1)
    opslag_crisis_escalate_minutes: int = Field(default=15, ge=1)
    opslag_calendar_token: SecretStr | None = None

    @field_validator(
        "opslag_central_users", "slack_central_users", "teams_central_users",
        "opslag_digest_channels", "teams_service_url_hosts", mode="before",
    )
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _slack_pairs(self) -> Settings:
        half_set = bool(self.slack_bot_token) != bool(self.slack_signing_secret)
        if half_set and not self.slack_app_token:
            missing = "SLACK_SIGNING_SECRET" if self.slack_bot_token else "SLACK_BOT_TOKEN"
            raise ValueError(f"{missing} mangler: Slack kræver både bot-token og signing secret")
        return self

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))

    def listen_host(self, *, teams_credentials: bool) -> str:
        """Where the server listens: HOST if set; else every interface when other machines
        must reach it (Teams with credentials, Slack over HTTP, the calendar feed), and only
        this machine otherwise (Teams' local mode is for the Agents Playground here)."""
        if self.host:
            return self.host
        slack_over_http = self.slack_enabled and not self.slack_app_token
        public = teams_credentials or slack_over_http or self.opslag_calendar_token is not None
        return "0.0.0.0" if public else "127.0.0.1"


def load_settings(**overrides: object) -> Settings:
    """Read settings; on error raise SettingsError with one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "indstilling"
        raise SettingsError(f"Ugyldig indstilling {name}: {first['msg']}") from None
