"""slack/manifest.yaml is valid against Slack's official manifest schema and matches the code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from handlers.slack import ids
from handlers.slack.edge import EVENTS_PATH
from tests.data_files import schema as official_schema

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "slack" / "manifest.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_manifest_is_valid_against_the_official_schema(manifest: dict[str, Any]) -> None:
    schema = official_schema("slack-manifest")
    jsonschema.Draft7Validator.check_schema(schema)
    errors = [error.message for error in jsonschema.Draft7Validator(schema).iter_errors(manifest)]
    assert errors == []


def test_commands_and_shortcut_are_the_ones_the_code_listens_to(manifest: dict[str, Any]) -> None:
    features = manifest["features"]
    assert tuple(c["command"] for c in features["slash_commands"]) == ids.COMMANDS
    assert [s["callback_id"] for s in features["shortcuts"]] == [ids.SHORTCUT]
    assert features["shortcuts"][0]["type"] == "message"


def test_events_interactivity_and_minimal_scopes(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["bot_events"] == ["app_mention"]
    assert settings["interactivity"]["is_enabled"] is True
    urls = [
        settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"],
        *(c["url"] for c in manifest["features"]["slash_commands"]),
    ]
    assert all(url.endswith(EVENTS_PATH) for url in urls)
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "commands", "chat:write", "im:write", "app_mentions:read", "usergroups:read",
        "channels:history", "groups:history", "files:write",
    }
