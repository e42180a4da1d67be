"""All settings, read once at start from the environment (and an optional `.env`).

`Settings` holds the core's (OPSLAG_*, PORT, HOST); each platform edge keeps its own in a
section with its own prefix (handlers/<platform>/settings.py), read through `Settings.section`
when the edge is set up. Both go through `load`, so a missing or contradictory setting fails at
start with one line naming the variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, cast
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.departments import Departments, read_departments
from policy import StrategyError, load_policy

CsvList = Annotated[list[str], NoDecode]


def split_commas(value: object) -> object:
    """A comma-separated environment variable as a list (a list passed in stays one)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def check_strategy(path: Path | None) -> Path | None:
    """A strategy file must be usable before the start goes on: its problems are named by line
    and key (the server loads it again with `bot.core.build_core`)."""
    if path is not None:
        try:
            load_policy(path)
        except StrategyError as exc:
            raise ValueError(exc.message) from None
    return path


def check_public_url(value: str | None) -> str | None:
    """An http(s) address without a query, kept without its trailing slash ("" is unset)."""
    if not value or not value.strip():
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("skal være en http- eller https-adresse, fx https://opslag.norddjurs.dk")
    return value.strip().rstrip("/")


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    opslag_db: Path = Path("opslag.db")
    # Seconds a write waits for another connection's lock before the user is told to try
    # again. Store calls run one at a time on the store thread (bot/store_thread.py): the
    # event loop answers meanwhile, but the calls queued behind a waiting one wait too, so
    # keep it well under the 3 s a chat platform may give an acknowledgement. 0.25 s refused
    # writes when two servers shared the file on a loaded machine
    # (tests/resilience/test_two_servers.py).
    opslag_db_busy_timeout: float = Field(default=1.0, gt=0, le=30)
    opslag_central_users: CsvList = Field(default_factory=list)
    port: int = Field(default=3000, ge=1, le=65535)
    # Unset: see `listen_host`. Set it to bind where you choose (e.g. 0.0.0.0 in a container).
    host: str | None = None
    opslag_timezone: str = "Europe/Copenhagen"

    opslag_digest_cron: str = "0 8 * * 1"
    opslag_digest_channels: CsvList = Field(default_factory=list)
    opslag_review_sla_hours: int = Field(default=48, ge=1)
    # Reminders to review past the SLA and to publish on the planned day (bot/reminders.py);
    # false turns both off.
    opslag_reminders: bool = True
    opslag_crisis_escalate_minutes: int = Field(default=15, ge=1)
    # The communications team's phone number, named in the crisis checklist of the advice.
    # Unset: the checklist says to call the team, without a number.
    opslag_crisis_phone: str | None = Field(default=None, max_length=40)
    opslag_calendar_token: SecretStr | None = None
    # The monthly summary in the review channels (bot/monthly.py): posted at the month's first
    # fire of this cron on a working day; the default is 08:00 on the first working day. An
    # empty value turns it off.
    opslag_report_cron: str = "0 8 * * *"
    # The full report page, GET /rapport/<ÅÅÅÅ-MM>?token=…, which the summary links to; unset,
    # there is no page (404). And where people reach this server, for that link.
    opslag_report_token: SecretStr | None = None
    opslag_public_url: Annotated[str | None, AfterValidator(check_public_url)] = None
    # The strategy file the advice follows (YAML, docs/strategy-format.md); unset: the shipped
    # policy/strategy.yaml. A revised file takes effect at the next start.
    opslag_strategy: Annotated[Path | None, AfterValidator(check_strategy)] = None

    # Operations (README "I drift"). The nightly backup: unset, the server makes none.
    opslag_backup_dir: Path | None = None
    opslag_backup_keep: int = Field(default=14, ge=1, le=3650)  # days a nightly copy is kept
    # "json": one JSON object per log line (Azure Monitor and the like); "text" for people.
    opslag_log_format: Literal["text", "json"] = "text"
    # The bearer token GET /metrics requires; unset, there is no /metrics (404).
    opslag_metrics_token: SecretStr | None = None
    # The departments file (YAML, see bot/departments.py and docs/departments.example.yaml),
    # read and checked at start: a path here, the departments once read. Unset: the department
    # question is free text and every proposal is reviewed centrally.
    opslag_departments: Annotated[
        Departments | None, NoDecode, BeforeValidator(read_departments)
    ] = None
    # A one-person team may decide its own proposals; each such decision is recorded as one.
    opslag_allow_self_approval: bool = False

    # Values given in code (tests, `load_settings(**overrides)`) for the edges' sections, by
    # their full lowercase name (`<prefix>_<field>`); and the sections read so far.
    _overrides: dict[str, Any] = PrivateAttr(default_factory=dict)
    _sections: dict[type[BaseSettings], BaseSettings] = PrivateAttr(default_factory=dict)

    @field_validator("opslag_central_users", "opslag_digest_channels", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        return split_commas(value)

    def section[S: BaseSettings](self, kind: type[S]) -> S:
        """A platform edge's own settings (its prefix, e.g. `EDGE_` for `edge_*` values),
        read once through `load`: from the environment and `.env`, and from the values given
        to `load_settings` under their full name."""
        cached = self._sections.get(kind)
        if cached is None:
            prefix = _prefix(kind).lower()
            given = {name[len(prefix):]: value for name, value in self._overrides.items()
                     if prefix and name.lower().startswith(prefix)}
            cached = self._sections[kind] = load(kind, **given)
        return cast(S, cached)  # keyed by its own type

    def listen_host(self, *, public: bool) -> str:
        """Where the server listens: HOST if set; else every interface when other machines
        must reach it (`public`: a platform says so, or the calendar feed or the report page
        is on), and only this machine otherwise (a platform's local test mode is for tools on
        this machine)."""
        if self.host:
            return self.host
        served = self.opslag_calendar_token is not None or self.opslag_report_token is not None
        return "0.0.0.0" if public or served else "127.0.0.1"


def _prefix(kind: type[BaseSettings]) -> str:
    return str(kind.model_config.get("env_prefix") or "")


def load[S: BaseSettings](kind: type[S], **overrides: Any) -> S:
    """Read one group of settings; on error raise SettingsError with one line naming the
    environment variable."""
    try:
        return kind(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if not first["loc"]:  # a check across several settings names them in its message
            raise SettingsError(f"Ugyldig indstilling: {message}") from None
        name = f"{_prefix(kind)}{first['loc'][0]}".upper()
        raise SettingsError(f"Ugyldig indstilling {name}: {message}") from None


def load_settings(**overrides: Any) -> Settings:
    """Read the core's settings (the edges read theirs with `Settings.section`); on error
    raise SettingsError with one line naming the variable. `overrides` may hold an edge's
    values under their full name (`edge_token=...`): its section reads them."""
    settings = load(Settings, **overrides)
    settings._overrides = dict(overrides)
    return settings
