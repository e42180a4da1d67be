"""The server's log format: lines for people, or one JSON object per line (OPSLAG_LOG_FORMAT=json)
for Azure Monitor and the like. Either way a record holds what the code logged and nothing more:
no secret is ever logged (tests/hostile/test_secrets.py checks both formats)."""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter

from bot.config import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def json_formatter() -> logging.Formatter:
    """Each record as one JSON object on one line: `time` (ISO 8601, UTC), `level`, `logger`,
    `message`, any fields a call passed in `extra`, and a traceback as `exc_info` (its line
    breaks escaped, so it stays on the record's line). Danish letters are kept as they are."""
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        json_ensure_ascii=False,
    )


def formatter(settings: Settings) -> logging.Formatter:
    if settings.opslag_log_format == "json":
        return json_formatter()
    return logging.Formatter(TEXT_FORMAT)


def configure(settings: Settings) -> None:
    """The root logger at INFO, writing to stderr in the configured format. A library's
    `warnings.warn` goes through it too (logger `py.warnings`): printed on its own it would be
    lines of plain text among the JSON ones."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(settings))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    logging.captureWarnings(True)
