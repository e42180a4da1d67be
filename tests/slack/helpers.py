"""Drive the running server the way Slack does: signed HTTP requests on loopback.

`SlackServer` starts `opslag.server.build_app` on a free port; its methods send slash commands,
button clicks, modal submissions and events, each signed with the signing secret (HMAC v0) and
a current timestamp, exactly as Slack would.
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot.config import Settings
from bot.core import Core
from handlers.slack import ids
from handlers.slack.views import intake_modal
from opslag.server import CORE_KEY, build_app
from tests.conftest import FakeClock, intake_data
from tests.fakes.loopback import Loopback
from tests.fakes.slack_api import TEAM, Call, FakeSlackApi, wait_until

SECRET = "test-signing-secret"
REVIEW_CHANNEL = "CREVIEW"
CHEF = "UCHEF"
ANNA = "UANNA"
OUTSIDER = "UOUTSIDER"


@dataclass
class Reply:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackServer:
    def __init__(
        self, settings: Settings, clock: FakeClock, api: FakeSlackApi, *, background: bool = True
    ) -> None:
        """`background=False`: the outbox and the schedule run only when the test says so."""
        self.settings = settings
        self.clock = clock
        self.api = api
        self.app = build_app(settings, clock=clock, background=background)
        self.server = Loopback(self.app, access_log=None)
        self.url = ""
        self.stopped = False
        self._session: aiohttp.ClientSession | None = None

    @property
    def core(self) -> Core:
        return self.app[CORE_KEY]

    async def start(self) -> SlackServer:
        await self.server.start_server()
        self.url = self.server.url
        self._session = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self._session is not None:
            await self._session.close()
        await self.server.close()

    # -- raw, signed requests ------------------------------------------------------------

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        sign = signature or SignatureVerifier(SECRET).generate_signature(
            timestamp=stamp, body=body
        )
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": sign,
            **(headers or {}),
        }
        assert self._session is not None
        async with self._session.post(
            f"{self.url}/slack/events", data=body.encode(), headers=all_headers
        ) as response:
            return Reply(response.status, await response.text())

    async def post_form(self, fields: dict[str, str], **kwargs: Any) -> Reply:
        body = urllib.parse.urlencode(fields)
        return await self.post(body, "application/x-www-form-urlencoded", **kwargs)

    async def post_payload(self, payload: dict[str, Any], **kwargs: Any) -> Reply:
        return await self.post_form({"payload": json.dumps(payload)}, **kwargs)

    # -- what users do -------------------------------------------------------------------

    async def command(
        self, text: str = "", *, user: str = ANNA, command: str = "/foreslå-opslag", **kwargs: Any
    ) -> Reply:
        return await self.post_form(command_fields(self.api, text, user, command), **kwargs)

    async def click(
        self, action_id: str, value: str, *, user: str = CHEF, channel: str = REVIEW_CHANNEL,
        message_ts: str = "1.0",
    ) -> Reply:
        return await self.post_payload(block_action(action_id, value, user, channel, message_ts))

    async def submit(
        self, view: dict[str, Any], answers: dict[str, Any], *, user: str = ANNA
    ) -> Reply:
        return await self.post_payload(view_submission(view, answers, user))

    async def send(
        self, view: dict[str, Any], answers: dict[str, Any], *, user: str = ANNA
    ) -> Reply:
        """What a person does to propose: answer the questions, read the advice Slack shows
        in the same modal, press Send. The advice's reply when there is no advice (field
        errors, a refusal), else Send's."""
        view = {**view, "id": view.get("id") or f"VSEND{next(_view_ids)}"}
        if view.get("callback_id") == ids.INTAKE_VIEW:
            # An answer that adds questions (media, content type) redraws the modal with them
            # first (handlers/slack/actions.py), so a person answers those too: the alt text.
            view = {**view, "blocks": intake_modal(answers)["blocks"]}
        reply = await self.submit(view, answers, user=user)
        shown = advice_of(reply)
        if shown is None:
            return reply
        return await self.press_send(shown, view["id"], user=user)

    async def press_send(self, advice: dict[str, Any], view_id: str, *, user: str = ANNA,
                         **kwargs: Any) -> Reply:
        """Press Send on the advice modal (`view_id`: the modal's id, kept through updates)."""
        return await self.post_payload(view_submission({**advice, "id": view_id}, {}, user),
                                       **kwargs)

    async def event(self, event: dict[str, Any], event_id: str, **kwargs: Any) -> Reply:
        body = json.dumps({
            "token": "x", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id, "event_time": int(time.time()), "event": event,
            "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
        })
        return await self.post(body, "application/json", **kwargs)


# -- payloads as Slack builds them ----------------------------------------------------------


def advice_of(reply: Reply) -> dict[str, Any] | None:
    """The advice modal a questions' submission was answered with; None for another answer."""
    if reply.status != 200 or not reply.body:
        return None
    view = (reply.json() or {}).get("view") or {}
    return view if view.get("callback_id") == ids.ADVICE_VIEW else None


def user(user_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM}


def command_fields(api: FakeSlackApi, text: str, user_id: str, command: str) -> dict[str, str]:
    return {
        "token": "x", "team_id": TEAM, "team_domain": "norddjurs", "channel_id": "CGENERAL",
        "channel_name": "general", "user_id": user_id, "user_name": user_id.lower(),
        "command": command, "text": text, "api_app_id": "A1",
        "response_url": api.response_url("cmd"), "trigger_id": f"trigger-{user_id}",
    }


def block_action(
    action_id: str, value: str, user_id: str, channel: str, message_ts: str
) -> dict[str, Any]:
    return {
        "type": "block_actions", "user": user(user_id), "api_app_id": "A1", "token": "x",
        "team": {"id": TEAM, "domain": "norddjurs"}, "trigger_id": f"trigger-{action_id}",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "channel": {"id": channel, "name": "kommunikation"},
        "message": {"type": "message", "ts": message_ts, "text": ""},
        "response_url": "http://127.0.0.1:9/unused",
        "actions": [{
            "type": "button", "action_id": action_id, "block_id": "b", "value": value,
            "action_ts": "1.1",
        }],
    }


_view_ids = itertools.count(1)


def view_submission(view: dict[str, Any], answers: dict[str, Any], user_id: str) -> dict[str, Any]:
    """Submit `view` (as the bot sent it to views.open) with these answers filled in. Slack
    gives each opened modal an id of its own; a view without one gets a new one here (the
    same id twice is the same submission sent twice, stored once)."""
    return {
        "type": "view_submission", "team": {"id": TEAM, "domain": "norddjurs"},
        "user": user(user_id), "api_app_id": "A1", "token": "x", "trigger_id": "trigger-view",
        "view": {
            **view, "id": view.get("id") or f"VSUBMIT{next(_view_ids)}", "team_id": TEAM,
            "hash": "h1",
            "state": {"values": fill(view, answers)},
        },
    }


def view_action(view: dict[str, Any], answers: dict[str, Any], action_id: str) -> dict[str, Any]:
    """A change in a modal's input block with dispatch_action (e.g. picking a content type)."""
    return {
        "type": "block_actions", "user": user(ANNA), "api_app_id": "A1", "token": "x",
        "team": {"id": TEAM, "domain": "norddjurs"}, "trigger_id": "trigger-dispatch",
        "container": {"type": "view", "view_id": "VOPEN"},
        "view": {**view, "id": "VOPEN", "hash": "h-open", "state": {"values": fill(view, answers)}},
        "actions": [{"type": "static_select", "action_id": action_id, "block_id": action_id}],
    }


def view_button(view: dict[str, Any], view_id: str, action_id: str, *,
                user_id: str = ANNA) -> dict[str, Any]:
    """A button pressed in an open modal (`view_id`: the modal's id)."""
    return {
        "type": "block_actions", "user": user(user_id), "api_app_id": "A1", "token": "x",
        "team": {"id": TEAM, "domain": "norddjurs"}, "trigger_id": f"trigger-{action_id}",
        "container": {"type": "view", "view_id": view_id},
        "view": {**view, "id": view_id, "hash": "h-advice", "state": {"values": {}}},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b",
                     "action_ts": "1.1"}],
    }


def fill(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """The modal's state.values as Slack reports them for these answers."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] == "input":
            element = block["element"]
            state = _element_state(element, answers.get(block["block_id"]))
            values[block["block_id"]] = {element["action_id"]: state}
    return values


def _element_state(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind in ("static_select", "radio_buttons"):
        return {"type": kind, "selected_option": None if value is None else _option(element, value)}
    if kind in ("checkboxes", "multi_static_select"):
        return {"type": kind, "selected_options": [_option(element, v) for v in value or []]}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    return {"type": kind, "value": value}


def _option(element: dict[str, Any], value: Any) -> dict[str, Any]:
    wanted = ("true" if value else "false") if isinstance(value, bool) else str(value)
    for option in element.get("options", []):
        if option["value"] == wanted:
            return dict(option)
    return {"text": {"type": "plain_text", "text": wanted}, "value": wanted}


def initial_text(view: dict[str, Any]) -> Any:
    """The draft a modal opens with."""
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    return blocks["text"]["element"].get("initial_value")


def texts(call_args: dict[str, Any]) -> str:
    """Everything a Web API call would show: its text and blocks, as one JSON string."""
    return json.dumps(
        {"text": call_args.get("text"), "blocks": call_args.get("blocks")}, ensure_ascii=False
    )


# -- whole flows ----------------------------------------------------------------------------


async def delivered(server: SlackServer) -> None:
    """Wait until the outbox has nothing due left (it runs in the server's background)."""
    store = server.core.store

    def settled() -> bool:
        now = server.clock()
        return all(
            row.status != "pending" or row.next_attempt_at > now for row in store.outbox_rows()
        )

    server.core.outbox.notify()
    await wait_until(settled)


async def open_modal(server: SlackServer, text: str = "", *, user: str = ANNA) -> dict[str, Any]:
    """Run the slash command and return the modal the bot opened."""
    before = len(server.api.calls_to("views.open"))
    reply = await server.command(text, user=user)
    assert reply.status == 200
    calls = await server.api.wait_for("views.open", before + 1)
    return dict(calls[-1].args["view"])


async def propose(server: SlackServer, *, user: str = ANNA, **overrides: Any) -> int:
    """Propose through the modal; returns the proposal id once everything is delivered."""
    view = await open_modal(server, user=user)
    reply = await server.send(view, intake_data(**overrides), user=user)
    assert reply.status == 200 and reply.json()["response_action"] == "update", reply.body
    assert "sendt til godkendelse" in reply.body, reply.body
    await delivered(server)
    return server.core.store.list_proposals()[-1].id


def review_posts(api: FakeSlackApi) -> list[Call]:
    """Top-level messages in the review channel (not thread replies, not digests)."""
    return [
        call for call in api.sent("chat.postMessage", channel=REVIEW_CHANNEL)
        if "thread_ts" not in call.args and "Forslag nr." in str(call.args.get("blocks"))
    ]
