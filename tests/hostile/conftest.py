"""One running server with both platforms on loopback, driven like Slack and Teams drive it,
and the checks every hostile request must pass.

`Bot` starts `opslag.server.build_app` (Slack with a signing secret, Teams in local mode) on a free
port, with the outbox and the schedule stopped: a test delivers with `deliver()`, so what
reached the fake Slack API and the fake Teams connector is known exactly. The corpus tests
share one `Bot` per module (cases only compare counts before and after), which keeps hundreds
of cases within a few seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import time
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.abc import AbstractAccessLogger

from bot.config import Settings, load_settings
from bot.core import Core
from bot.proposal import Actor, Proposal
from handlers.slack import ids
from handlers.slack.settings import SlackSettings
from handlers.slack.views import intake_modal
from opslag.server import CORE_KEY, build_app
from policy import parse_intake
from tests.conftest import (
    TEST_CHANNEL_RATE,
    FakeClock,
    card_form,
    intake_data,
    isolate_settings,
)
from tests.fakes.connector import FakeConnector
from tests.fakes.loopback import Loopback, serve
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.helpers import (
    ANNA,
    CHEF,
    OUTSIDER,
    REVIEW_CHANNEL,
    SECRET,
    block_action,
    command_fields,
    fill,
    user,
)
from tests.teams import activities as A
from tests.teams.conftest import assert_valid_card

SLACK_USERS = frozenset({ANNA, CHEF, OUTSIDER})
# What a reply body must never contain: a traceback, exception names, pydantic's English.
TRACEBACK_MARKERS = ("Traceback", 'File "', "Error:", "Exception", "pydantic", "Input should",
                     "errors.pydantic.dev")
# Teams refuses bot messages over about 28 KB.
TEAMS_MESSAGE_MAX_BYTES = 28 * 1024
A_MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@dataclass
class Reply:
    status: int
    body: str
    content_type: str = ""

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Window:
    """Where the fakes' records stood when a case began."""

    slack: int
    connector: int
    failed: int
    outbox: int
    replies: int
    counts: dict[str, int]


@dataclass
class Bot:
    settings: Settings
    clock: FakeClock
    api: FakeSlackApi
    connector: FakeConnector
    access_log_class: type[AbstractAccessLogger] | None = None
    teams_headers: dict[str, str] = field(default_factory=dict)  # e.g. a Bot Framework token
    replies: list[Reply] = field(default_factory=list)
    url: str = ""
    _server: Loopback | None = None
    _session: aiohttp.ClientSession | None = None
    _views: int = 0

    def __post_init__(self) -> None:
        # Delivery and the schedule run when the test says so (deliver()).
        self.app = build_app(self.settings, clock=self.clock, background=False)

    @property
    def core(self) -> Core:
        return self.app[CORE_KEY]

    async def start(self) -> Bot:
        if self.access_log_class is None:
            self._server = await serve(self.app, access_log=None)
        else:  # the way opslag.server.main runs it
            self._server = await serve(self.app, access_log_class=self.access_log_class)
        self.url = self._server.url
        self._session = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._server is not None:
            await self._server.close()
        self._session = self._server = None

    # -- HTTP ----------------------------------------------------------------------------

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: dict[str, str] | None = None) -> Reply:
        assert self._session is not None
        async with self._session.request(method, self.url + path, data=body,
                                         headers=headers or {}) as response:
            reply = Reply(response.status, (await response.read()).decode("utf-8", "replace"),
                          response.content_type)
        self.replies.append(reply)
        return reply

    async def health(self) -> int:
        return (await self.request("GET", "/healthz")).status

    # -- Slack ---------------------------------------------------------------------------

    async def slack(self, body: bytes | str, content_type: str, *, signed: bool = True,
                    headers: dict[str, str] | None = None) -> Reply:
        raw = body.encode() if isinstance(body, str) else body
        all_headers = {"Content-Type": content_type} if content_type else {}
        if signed:
            secret = self.settings.section(SlackSettings).signing_secret
            all_headers.update(sign(raw, secret=secret.get_secret_value() if secret else ""))
        all_headers.update(headers or {})
        return await self.request("POST", "/slack/events", raw, all_headers)

    async def slack_form(self, fields: dict[str, str]) -> Reply:
        return await self.slack(urllib.parse.urlencode(fields), "application/x-www-form-urlencoded")

    async def slack_payload(self, payload: dict[str, Any]) -> Reply:
        return await self.slack_form({"payload": json.dumps(payload)})

    async def command(self, text: str, *, user_id: str = ANNA) -> Reply:
        return await self.slack_form(command_fields(self.api, text, user_id, "/foreslå-opslag"))

    async def click(self, action_id: str, value: Any, *, user_id: str = CHEF) -> Reply:
        payload = block_action(action_id, "0", user_id, REVIEW_CHANNEL, "1.0")
        payload["actions"][0]["value"] = value
        return await self.slack_payload(payload)

    async def submit_view(self, view: dict[str, Any], values: dict[str, Any], *,
                          user_id: str = ANNA) -> Reply:
        """A view_submission of `view` (with a view id of its own) with these state values."""
        self._views += 1
        return await self.slack_payload({
            "type": "view_submission", "team": {"id": "T0NORDDJURS", "domain": "norddjurs"},
            "user": user(user_id), "api_app_id": "A1", "token": "x",
            "trigger_id": "trigger-view",
            "view": {**view, "id": view.get("id") or f"VHOSTILE{self._views}",
                     "team_id": "T0NORDDJURS", "hash": "h1", "state": {"values": values}},
        })

    async def submit_intake(self, answers: dict[str, Any], *, user_id: str = ANNA,
                            metadata: str = "") -> Reply:
        """Answer the intake modal and press Send on the advice it is answered with (the
        questions' answer when it is not the advice: field errors, a refusal)."""
        self._views += 1
        view = {**intake_view(), "private_metadata": metadata, "id": f"VINTAKE{self._views}"}
        questions = await self.submit_view(view, fill(view, answers), user_id=user_id)
        advice = (questions.json() or {}).get("view") if questions.status == 200 else None
        if not advice or advice.get("callback_id") != ids.ADVICE_VIEW:
            return questions
        return await self.submit_view({**advice, "id": view["id"]}, {}, user_id=user_id)

    async def submit_reason(self, metadata: str, note: Any, *, user_id: str = CHEF) -> Reply:
        view = {"type": "modal", "callback_id": ids.REASON_VIEW, "private_metadata": metadata,
                "blocks": [{"type": "input", "block_id": ids.REASON_BLOCK,
                            "element": {"type": "plain_text_input",
                                        "action_id": ids.REASON_BLOCK}}]}
        values = {ids.REASON_BLOCK: {ids.REASON_BLOCK: {"type": "plain_text_input",
                                                       "value": note}}}
        return await self.submit_view(view, values, user_id=user_id)

    # -- Teams ---------------------------------------------------------------------------

    async def teams(self, activity: dict[str, Any]) -> Reply:
        return await self.request("POST", "/api/messages", json.dumps(activity).encode(),
                                  {"Content-Type": "application/json", **self.teams_headers})

    async def say(self, text: str, who: A.User = A.PROPOSER) -> Reply:
        return await self.teams(A.message(text, who, self.connector.service_url))

    async def execute(self, verb: str, data: Any, who: A.User = A.PROPOSER) -> Reply:
        conversation, channel_data = A.personal(who)
        return await self.teams(A.card_action(verb, data, who, self.connector.service_url,
                                              conversation=conversation,
                                              channel_data=channel_data))

    async def compose(self, name: str, value: dict[str, Any],
                      who: A.User = A.PROPOSER) -> Reply:
        return await self.teams(A.compose(name, who, self.connector.service_url, value))

    async def propose(self, data: Any, who: A.User = A.PROPOSER) -> Reply:
        """Propose as a person does in Teams: the questions card's submit, then Send on the
        advice card it is answered with. The questions' reply when there is no advice (field
        errors, a refusal), else Send's."""
        questions = await self.execute("submit_intake", data, who)
        send = execute_data(questions, "send")
        return questions if send is None else await self.execute("send", send, who)

    async def compose_propose(self, value: dict[str, Any], who: A.User = A.PROPOSER) -> Reply:
        """The message action's dialog answered, then Send on the advice it shows (each step
        a submitAction); the questions' reply when there is no advice."""
        questions = await self.compose("composeExtension/submitAction", value, who)
        task = (questions.json() or {}).get("task") if questions.status == 200 else None
        card = ((task or {}).get("value") or {}).get("card", {}).get("content") or {}
        send = next((action["data"] for action in card.get("actions") or []
                     if action.get("data", {}).get("verb") == "send"), None)
        if send is None:
            return questions
        return await self.compose("composeExtension/submitAction", {**value, "data": send}, who)

    # -- the core ------------------------------------------------------------------------

    async def deliver(self) -> None:
        await self.core.outbox.run_once()

    def counts(self) -> dict[str, int]:
        db = self.core.store.db
        return {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("proposals", "history", "outbox")}

    def window(self) -> Window:
        return Window(len(self.api.calls), len(self.connector.calls),
                      len(self.connector.failed), self._max_outbox_id(), len(self.replies),
                      self.counts())

    def _max_outbox_id(self) -> int:
        row = self.core.store.db.execute("SELECT MAX(id) FROM outbox").fetchone()
        return int(row[0] or 0)

    def proposal(self, *, proposer: str = ANNA, **overrides: Any) -> Proposal:
        """A pending proposal by a Slack user, stored straight through the workflow."""
        actor = Actor(platform="slack", user_id=proposer, name=proposer.lower(),
                      address={"team_id": "T0NORDDJURS", "user_id": proposer})
        return self.core.workflow.submit(parse_intake(intake_data(**overrides)), actor,
                                         source="slack")

    def latest(self) -> Proposal:
        proposals = self.core.store.list_proposals()
        return proposals[-1]


def execute_data(reply: Reply, verb: str) -> dict[str, Any] | None:
    """The data of the Action.Execute with this verb on the card an invoke answered with."""
    if reply.status != 200:
        return None
    body = reply.json() or {}
    if body.get("statusCode") != 200:
        return None
    for action in (body.get("value") or {}).get("actions") or []:
        if action.get("type") == "Action.Execute" and action.get("verb") == verb:
            return dict(action["data"])
    return None


def sign(body: bytes, timestamp: int | None = None, *, secret: str = SECRET) -> dict[str, str]:
    """Slack's v0 signature over the raw bytes, as Slack computes it."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body,
                      hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


_INTAKE_VIEW: dict[str, Any] = {}


def intake_view() -> dict[str, Any]:
    """The intake modal with every question shown (as after choosing a video and a job ad)."""
    if not _INTAKE_VIEW:
        _INTAKE_VIEW.update(intake_modal({"has_media": True, "media_kind": "video",
                                          "content_type": "jobopslag"}))
    return dict(_INTAKE_VIEW)


def teams_form(**overrides: Any) -> dict[str, Any]:
    """A valid intake as the Teams card submits it, with these answers replaced as given."""
    form = card_form()
    for key, value in overrides.items():
        if value is None:
            form.pop(key, None)
        else:
            form[key] = value
    return form


# -- the invariants ---------------------------------------------------------------------------


async def check(bot: Bot, window: Window, *, probe: str = "",
                not_implemented: bool = False) -> list[str]:
    """Deliver what the case stored, then everything every hostile case must satisfy:
    no reply with a server error or a traceback, no ping or live link in what reached Slack,
    no mention and no user text outside plain text in what reached Teams, every message of
    the case delivered, and the server still healthy. Returns the problems found.
    `not_implemented`: a 501 with an empty body (an invoke no handler takes) is expected."""
    await bot.deliver()
    problems: list[str] = []
    for reply in bot.replies[window.replies:]:
        if not (not_implemented and reply.status == 501 and not reply.body):
            problems += reply_problems(reply)
    for call in bot.api.calls[window.slack:]:
        if not call.ok:
            problems.append(f"Slack refused {call.method}: {call.response or call.args}")
        problems += slack_problems(call.method, call.args)
    for reply in bot.replies[window.replies:]:  # Slack acks carry views and errors
        if reply.content_type == "application/json":
            problems += slack_problems("ack", reply.json() or {})
    for call in bot.connector.failed[window.failed:]:
        problems.append(f"Teams connector refused a {call.kind}: {call.status}")
    for call in bot.connector.calls[window.connector:]:
        problems += teams_problems(call.body, probe)
    for reply in bot.replies[window.replies:]:
        if reply.content_type == "application/json" and isinstance(reply.json(), dict):
            problems += teams_problems(reply.json(), probe, response=True)
    unsent = bot.core.store.db.execute(
        "SELECT id, platform, kind, status, last_error FROM outbox WHERE id > ?"
        " AND status != 'sent'", [window.outbox]).fetchall()
    problems += [f"outbox {row[0]} ({row[1]} {row[2]}) {row[3]}: {row[4]}" for row in unsent]
    if await bot.health() != 200:
        problems.append("GET /healthz failed after the case")
    return problems


def reply_problems(reply: Reply) -> list[str]:
    problems = []
    if reply.status >= 500:
        problems.append(f"HTTP {reply.status}: {reply.body[:200]!r}")
    for marker in TRACEBACK_MARKERS:
        if marker in reply.body:
            problems.append(f"reply shows {marker!r}: {reply.body[:300]!r}")
    return problems


# Slack acts on <!channel>, <!here>, <!everyone>, <!subteam^…>, <@U…>, <#C…> and <url|label>
# in mrkdwn. The bot itself only writes <!date^…>, mentions of the people involved, the
# review channel and (unlabelled) links to a proposal's web address.
_SPECIAL = re.compile(r"<!(?!date\^)")
_MENTION = re.compile(r"<@([^>|]*)")
_CHANNEL = re.compile(r"<#([^>|]*)")
_LABELLED = re.compile(r"<(?![!@#])[^<>|]*\|")


def mrkdwn_problems(text: str) -> list[str]:
    problems = []
    if _SPECIAL.search(text):
        problems.append(f"live special mention in {text[:200]!r}")
    problems += [f"live mention of {who!r}" for who in _MENTION.findall(text)
                 if who not in SLACK_USERS]
    problems += [f"live channel link {channel!r}" for channel in _CHANNEL.findall(text)
                 if channel != REVIEW_CHANNEL]
    if _LABELLED.search(text):
        problems.append(f"labelled link in {text[:200]!r}")
    return problems


def slack_problems(method: str, args: dict[str, Any]) -> list[str]:
    """Every text Slack reads as mrkdwn: a message's `text` and every mrkdwn object."""
    problems = []
    if method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url",
                  "ack"):
        problems += mrkdwn_problems(str(args.get("text") or ""))
    for obj in _walk(args):
        if obj.get("type") == "mrkdwn":
            problems += mrkdwn_problems(str(obj.get("text") or ""))
    return [f"{method}: {problem}" for problem in problems]


def teams_problems(activity: dict[str, Any], probe: str, *, response: bool = False
                   ) -> list[str]:
    """An activity to the connector, or an invoke response: no mention entities, user text
    only as TextRun text or an input's value, no <at> in any text Teams renders."""
    problems = []
    if not response:
        for entity in activity.get("entities") or []:
            if str(entity.get("type", "")).lower() == "mention":
                problems.append(f"mention entity sent: {entity}")
        for key in ("text", "summary", "speak"):
            if probe and probe in str(activity.get(key) or ""):
                problems.append(f"user text in the activity's {key}")
        size = len(json.dumps(activity, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        if size > TEAMS_MESSAGE_MAX_BYTES:
            problems.append(f"activity of {size} bytes is over Teams' limit")
    for card in _cards(activity):
        problems += _schema_problems(card)
        problems += _card_leaks(card, probe)
    return problems


# Free text does not change whether a card is valid Adaptive Card 1.5, its structure does:
# each structure is validated once (the schema check is slow; hundreds of cases send cards).
_FREE_TEXT = frozenset({"text", "value", "title", "label", "errorMessage", "placeholder", "id",
                        "summary", "url", "altText", "fallbackText", "speak"})
_VALIDATED: dict[str, list[str]] = {}


def _schema_problems(card: dict[str, Any]) -> list[str]:
    key = json.dumps(_shape(card), sort_keys=True)
    if key not in _VALIDATED:
        try:
            assert_valid_card(card)
            _VALIDATED[key] = []
        except AssertionError as exc:
            _VALIDATED[key] = [str(exc)]
    return _VALIDATED[key]


def _shape(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: {} if key == "data" else "" if key in _FREE_TEXT and isinstance(value, str)
                else _shape(value) for key, value in node.items()}
    if isinstance(node, list):  # items are valid or not each on their own: one of each kind
        shapes = [_shape(item) for item in node]
        return [shape for index, shape in enumerate(shapes) if shape not in shapes[:index]]
    return node


def _cards(node: Any) -> Iterator[dict[str, Any]]:
    for obj in _walk(node):
        if obj.get("type") == "AdaptiveCard" and "$schema" in obj:
            yield obj


def _card_leaks(card: dict[str, Any], probe: str) -> list[str]:
    problems: list[str] = []

    def visit(node: Any, kind: str) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item, kind)
            return
        if not isinstance(node, dict):
            return
        own = node.get("type") if isinstance(node.get("type"), str) else kind
        for key, value in node.items():
            if isinstance(value, str):
                rendered = own in ("TextBlock", "TextRun") and key == "text"
                if rendered and re.search(r"<at\b", value, re.IGNORECASE):
                    problems.append(f"<at> in a {own}: {value[:120]!r}")
                plain = (own == "TextRun" and key == "text") or (
                    own.startswith("Input.") and key == "value")
                if probe and probe in value and not plain:
                    problems.append(f"user text in {own}.{key}: {value[:120]!r}")
            elif key != "data":  # an action's data is sent back, not shown
                visit(value, own)

    visit(card, "")
    return problems


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


# -- fixtures ---------------------------------------------------------------------------------


def bot_settings(db: Path, api: FakeSlackApi, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "opslag_db": db,
        "slack_bot_token": "xoxb-hostile-test",
        "slack_signing_secret": SECRET,
        "slack_review_channel": REVIEW_CHANNEL,
        "slack_central_users": [CHEF],
        "slack_api_url": api.url,
        "teams_central_users": [A.CENTRAL.aad],
        "opslag_digest_cron": "0 8 1 1 *",
        "opslag_calendar_token": "kalender-hostile",
        "slack_channel_rate": TEST_CHANNEL_RATE,  # hundreds of cases post to one channel
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture(scope="module")
def clean_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No OPSLAG_/SLACK_/TEAMS_/CONNECTIONS__ variables and no .env: only explicit settings."""
    folder = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as patch:
        isolate_settings(patch, folder)
        yield folder


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(clean_environment: Path) -> AsyncIterator[Bot]:
    """Slack and Teams on one server, with a review channel on each."""
    api = FakeSlackApi()
    await api.start()
    connector = await FakeConnector().start()
    clock = FakeClock(A_MONDAY)
    running = await Bot(bot_settings(clean_environment / "opslag.db", api), clock, api,
                        connector).start()
    reply = await running.say("godkendelseskanal", A.CENTRAL)
    assert reply.status in (200, 202)
    reply = await running.teams(A.message("godkendelseskanal", A.CENTRAL,
                                          connector.service_url, where="channel"))
    assert reply.status in (200, 202) and running.core.store.get_ref("teams:review_channel")
    await running.say("hjælp", A.PROPOSER)  # the proposer's personal chat is known
    yield running
    await running.stop()
    await connector.close()
    await api.stop()
