"""Malformed activities on /api/messages get a 400, never a 500, never a traceback in the log,
and store nothing: JSON nested deeper than any parser goes, and half a UTF-16 pair (a lone
surrogate, "\\ud800" as a JSON escape) in a name or id that Teams gives.

What people type (message text, card data) may hold a lone surrogate too; that is answered
in Danish on the card (tests/hostile/test_corpus_teams.py), not refused here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from handlers.teams.refs import user_key
from tests.hostile.conftest import Bot, check, teams_form
from tests.teams import activities as A

pytestmark = pytest.mark.asyncio(loop_scope="module")

DEEP = 100_000
JSON_TYPE = {"Content-Type": "application/json"}
DORA = A.User("dora", "Dora Dagtilbud", "aad-dora-daycare")


def _nested(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def _with(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set a dotted path in an activity (`from.name`, `conversation.id`, ...)."""
    def change(activity: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = activity
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return change


def _assert_refused_quietly(bot: Bot, caplog: pytest.LogCaptureFixture, status: int,
                            window: Any) -> None:
    assert status == 400
    assert bot.counts() == window.counts
    assert bot.core.store.get_ref(user_key(DORA.aad)) is None
    assert bot.connector.calls[window.connector:] == []
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text


DEEP_BODIES = {
    "list": _nested().encode(),
    "object": ('{"a":' * DEEP + "1" + "}" * DEEP).encode(),
    "in-the-value": json.dumps(A.compose("composeExtension/submitAction", DORA,
                                         "http://127.0.0.1:9/", {"data": "__deep__"}))
    .replace('"__deep__"', _nested()).encode(),
    "in-channel-data": json.dumps({**A.message("hjælp", DORA, "http://127.0.0.1:9/"),
                                   "channelData": "__deep__"})
    .replace('"__deep__"', _nested()).encode(),
}


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=list(DEEP_BODIES))
async def test_json_nested_100000_deep_is_a_400(bot: Bot, caplog: pytest.LogCaptureFixture,
                                                 body: bytes) -> None:
    window = bot.window()

    reply = await bot.request("POST", "/api/messages", body, JSON_TYPE)

    _assert_refused_quietly(bot, caplog, reply.status, window)
    assert await check(bot, window) == []


REMOVE = object()
NOT_AN_ACTIVITY = {
    "type-number": {"type": 5},
    "from-string": {"from": "aad-dora-daycare"},
    "text-number": {"text": 12345},
    "conversation-list": {"conversation": ["a:personal-dora"]},
    "service-url-null": {"serviceUrl": None},
    "service-url-empty": {"serviceUrl": ""},
    "service-url-missing": {"serviceUrl": REMOVE},
}


@pytest.mark.parametrize("changes", NOT_AN_ACTIVITY.values(), ids=list(NOT_AN_ACTIVITY))
async def test_json_that_is_no_activity_is_a_400_without_a_traceback(
    bot: Bot, caplog: pytest.LogCaptureFixture, changes: dict[str, Any]
) -> None:
    window = bot.window()

    activity = {**A.message("hjælp", DORA, bot.connector.service_url), **changes}

    reply = await bot.teams({key: value for key, value in activity.items()
                             if value is not REMOVE})

    _assert_refused_quietly(bot, caplog, reply.status, window)
    assert await check(bot, window) == []


LONE = "\ud800"
IN_NAMES_AND_IDS = {
    "from-name": _with("from.name", f"Dora {LONE}Dagtilbud"),
    "from-name-low-half": _with("from.name", "Dora \udfff"),
    "from-id": _with("from.id", f"29:dora{LONE}"),
    "from-aad-object-id": _with("from.aadObjectId", f"aad-dora{LONE}"),
    "recipient-name": _with("recipient.name", f"Opslag{LONE}"),
    "conversation-id": _with("conversation.id", f"a:personal-dora{LONE}"),
    "conversation-name": _with("conversation.name", f"Chat{LONE}"),
    "tenant": _with("channelData.tenant.id", f"{A.TENANT}{LONE}"),
    "locale": _with("locale", f"da-DK{LONE}"),
}


@pytest.mark.parametrize("change", IN_NAMES_AND_IDS.values(), ids=list(IN_NAMES_AND_IDS))
@pytest.mark.parametrize("kind", ["message", "card-submit"])
async def test_a_lone_surrogate_in_a_name_or_id_is_a_400(
    bot: Bot, caplog: pytest.LogCaptureFixture, change: Callable[[dict[str, Any]], None],
    kind: str
) -> None:
    """A display name with half a character used to break storing and sending the proposal
    (a 500 inside the invoke, with a traceback)."""
    window = bot.window()
    if kind == "message":
        activity = A.message("hjælp", DORA, bot.connector.service_url)
    else:
        conversation, channel_data = A.personal(DORA)
        activity = A.card_action("submit_intake", {**teams_form(), "form_id": "dora"}, DORA,
                                 bot.connector.service_url, conversation=conversation,
                                 channel_data=channel_data)
    change(activity)

    reply = await bot.teams(activity)  # json.dumps writes the lone surrogate as \ud800

    _assert_refused_quietly(bot, caplog, reply.status, window)
    assert await check(bot, window) == []


async def test_a_whole_character_outside_the_basic_plane_in_a_name_is_fine(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """A surrogate pair (an emoji, "\\ud83c\\udf33" in JSON) is one character, not half."""
    window = bot.window()
    who = A.User("emil", "Emil \U0001F333 Park og Vej", "aad-emil-parks")

    reply = await bot.propose({**teams_form(), "form_id": "emil"}, who)  # questions, then Send

    assert reply.status == 200 and reply.json()["statusCode"] == 200
    assert bot.latest().proposer.name == who.name
    assert bot.counts()["proposals"] == window.counts["proposals"] + 1
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert await check(bot, window) == []
