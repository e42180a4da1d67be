"""The Slack edge's settings (SLACK_*), read at start by the core's loader (bot/config.py)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import CsvList, split_commas


class SlackSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SLACK_", env_file=".env", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None
    review_channel: str | None = None
    central_users: CsvList = Field(default_factory=list)
    central_usergroup: str | None = None
    api_url: str = "https://slack.com/api/"
    # How fast the outbox posts to one Slack channel: Slack allows about one message a second
    # per channel, with short bursts (chat.postMessage); tests run their fake faster.
    channel_rate: float = Field(default=1.0, gt=0)
    channel_burst: int = Field(default=3, ge=1)

    @field_validator("central_users", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        return split_commas(value)

    @field_validator("api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _pairs(self) -> SlackSettings:
        half_set = bool(self.bot_token) != bool(self.signing_secret)
        if half_set and not self.app_token:
            missing = "SLACK_SIGNING_SECRET" if self.bot_token else "SLACK_BOT_TOKEN"
            raise ValueError(f"{missing} mangler: Slack kræver både bot-token og signing secret")
        return self

    @property
    def enabled(self) -> bool:
        """Slack is on with a bot token and a way in: signed HTTP requests or Socket Mode."""
        return bool(self.bot_token and (self.signing_secret or self.app_token))

    @property
    def over_http(self) -> bool:
        """Slack sends its requests to this server (not over Socket Mode)."""
        return self.enabled and not self.app_token
