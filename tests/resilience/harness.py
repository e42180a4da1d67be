"""Drive a running Opslag server from outside, the way Slack and Teams do, and count what
reached the fakes per proposal.

Works against any base URL: the in-process server (`build_app` on a loopback port) and a
`python -m opslag serve` subprocess alike. Slack requests are signed with the signing secret;
Teams activities are posted in local mode (loopback, no token).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot.store import Store
from handlers.slack import ids
from handlers.slack.views import intake_modal
from tests.conftest import card_form, intake_data
from tests.fakes.connector import FakeConnector
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.helpers import CHEF as CHEF  # the resilience tests take it from here
from tests.slack.helpers import (
    REVIEW_CHANNEL,
    SECRET,
    block_action,
    command_fields,
    view_submission,
)
from tests.teams import activities as A

REPO = Path(__file__).resolve().parents[2]
_PROPOSAL_NO = re.compile(r"[Ff]orslag nr\. (\d+)")
_DIGEST_TITLE = re.compile(r"^Uge \d+$")


def slack_user(number: int) -> str:
    return f"U{number:04d}"


def teams_user(number: int) -> A.User:
    return A.User(f"t{number:04d}", f"Teams Bruger {number}", f"aad-t{number:04d}")


def proposal_number(text: str) -> int | None:
    match = _PROPOSAL_NO.search(text)
    return int(match.group(1)) if match else None


@dataclass
class Answer:
    status: int
    body: str
    millis: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Client:
    """One user-side HTTP client for a server at `url`."""

    def __init__(self, url: str, service_url: str, *, limit: int = 100) -> None:
        self.url = url
        self.service_url = service_url
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=limit),
            timeout=aiohttp.ClientTimeout(total=15),
        )

    async def close(self) -> None:
        await self.session.close()

    async def _post(self, path: str, data: bytes, headers: dict[str, str]) -> Answer:
        started = time.perf_counter()
        async with self.session.post(self.url + path, data=data, headers=headers) as response:
            body = await response.text()
        return Answer(response.status, body, (time.perf_counter() - started) * 1000)

    async def get(self, path: str) -> Answer:
        started = time.perf_counter()
        async with self.session.get(self.url + path) as response:
            body = await response.text()
        return Answer(response.status, body, (time.perf_counter() - started) * 1000)

    # -- Slack ---------------------------------------------------------------------------

    async def slack(self, fields: dict[str, str]) -> Answer:
        """A request signed the way Slack signs them (HMAC v0 with a current timestamp)."""
        body = urlencode(fields)
        stamp = str(int(time.time()))
        signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature or "",
        }
        return await self._post("/slack/events", body.encode(), headers)

    async def slack_command(self, api: FakeSlackApi, text: str = "", *,
                            user: str = "UANNA") -> Answer:
        return await self.slack(command_fields(api, text, user, "/foreslå-opslag"))

    async def slack_submit(self, view: dict[str, Any], user: str, modal: str,
                           **overrides: Any) -> Answer:
        """Answer the intake modal's questions and press Send on the advice they are answered
        with; `modal` is its view id (Slack gives each opened modal its own and keeps it
        through the advice; the same id again is the same proposal sent twice). The questions'
        answer when there is no advice (a refusal), else Send's; `millis` is the slower of the
        two acknowledgements (Slack's 3 seconds apply to each)."""
        answers = intake_data(**overrides)
        # An answer that adds questions (media) redraws the modal with them first, so a person
        # answers those too (the alt text): as tests/slack/helpers.py `SlackServer.send`.
        view = {**view, "id": modal, "blocks": intake_modal(answers)["blocks"]}
        payload = view_submission(view, answers, user)
        questions = await self.slack({"payload": json.dumps(payload)})
        advice = (questions.json() or {}).get("view") if questions.status == 200 else None
        if not advice or advice.get("callback_id") != ids.ADVICE_VIEW:
            return questions
        send = view_submission({**advice, "id": modal}, {}, user)
        sent = await self.slack({"payload": json.dumps(send)})
        return replace(sent, millis=max(questions.millis, sent.millis))

    async def slack_click(self, action_id: str, proposal_id: int, user: str) -> Answer:
        """A button on the review message in the review channel."""
        payload = block_action(action_id, str(proposal_id), user, REVIEW_CHANNEL, "1.0")
        return await self.slack({"payload": json.dumps(payload)})

    # -- Teams ---------------------------------------------------------------------------

    async def teams(self, activity: dict[str, Any]) -> Answer:
        body = json.dumps(activity).encode()
        return await self._post("/api/messages", body, {"Content-Type": "application/json"})

    async def teams_say(self, text: str, user: A.User, *, where: str = "personal") -> Answer:
        return await self.teams(A.message(text, user, self.service_url, where=where))

    async def teams_click(self, verb: str, proposal_id: int, user: A.User) -> Answer:
        """An Action.Execute button on the review card in the review channel."""
        conversation, channel_data = A.channel(A.REVIEW_CHANNEL, root="review-card")
        activity = A.card_action(verb, {"proposal_id": proposal_id}, user, self.service_url,
                                 conversation=conversation, channel_data=channel_data,
                                 card_id="review-card")
        return await self.teams(activity)

    async def teams_submit(self, user: A.User, form_id: str, **overrides: Any) -> Answer:
        """Answer the questions card and press Send on the advice card it is answered with;
        `form_id` is the card's (the same again is the same proposal sent twice). The
        questions' answer when there is no advice (a refusal), else Send's; `millis` is the
        slower of the two."""
        conversation, channel_data = A.personal(user)

        async def click(verb: str, data: dict[str, Any]) -> Answer:
            return await self.teams(A.card_action(
                verb, data, user, self.service_url, conversation=conversation,
                channel_data=channel_data))

        questions = await click("submit_intake", {**card_form(**overrides), "form_id": form_id})
        send = _send_data(questions)
        if send is None:
            return questions
        sent = await click("send", send)
        return replace(sent, millis=max(questions.millis, sent.millis))

    async def propose(
        self, platform: str, view: dict[str, Any], number: int, tag: str
    ) -> tuple[Answer, int | None]:
        """User `number` of `platform` submits a proposal titled by `tag`; the same tag again is
        the same modal or card sent again. Returns the answer and the acknowledged number."""
        if platform == "slack":
            answer = await self.slack_submit(view, slack_user(number), f"V{tag}",
                                             title=f"Slack {tag}")
            return answer, slack_ack_id(answer)
        answer = await self.teams_submit(teams_user(number), f"T{tag}", title=f"Teams {tag}")
        return answer, teams_ack_id(answer)


async def open_intake_modal(client: Client, api: FakeSlackApi) -> dict[str, Any]:
    """The modal the bot opens for the slash command: the view every Slack user submits (each
    with a view id of its own, see `Client.slack_submit`)."""
    before = len(api.calls_to("views.open"))
    answer = await client.slack_command(api)
    assert answer.status == 200, answer.body
    calls = await api.wait_for("views.open", before + 1)
    return dict(calls[-1].args["view"])


# -- what the user was told ----------------------------------------------------------------


def slack_ack_id(answer: Answer) -> int | None:
    """The proposal number in the modal that thanks for a stored proposal."""
    if answer.status != 200 or not answer.body:
        return None
    reply = answer.json()
    if reply.get("response_action") != "update":
        return None
    text = json.dumps(reply["view"], ensure_ascii=False)
    return proposal_number(text) if "er gemt" in text else None


def teams_ack_id(answer: Answer) -> int | None:
    """The proposal number on the receipt card ("Tak – forslag nr. N er sendt til
    godkendelse hos …")."""
    if answer.status != 200 or not answer.body:
        return None
    body = answer.json()
    card = body.get("value") if isinstance(body, dict) else None
    text = json.dumps(card, ensure_ascii=False) if card else ""
    return proposal_number(text) if "er sendt til godkendelse" in text else None


def _send_data(answer: Answer) -> dict[str, Any] | None:
    """The data of Send on the advice card an invoke was answered with; None for any other
    answer (field errors, a refusal, an error)."""
    if answer.status != 200 or not answer.body:
        return None
    body = answer.json()
    card = body.get("value") if isinstance(body, dict) else None
    actions = card.get("actions") or [] if isinstance(card, dict) else []
    for action in actions:
        if action.get("type") == "Action.Execute" and action.get("verb") == "send":
            return dict(action["data"])
    return None


# -- what reached the platforms ------------------------------------------------------------


@dataclass
class Tally:
    """Successful deliveries at the fakes per (where, proposal id)."""

    counts: Counter[tuple[str, int]] = field(default_factory=Counter)

    def of(self, where: str) -> dict[int, int]:
        return {pid: n for (kind, pid), n in self.counts.items() if kind == where}

    def duplicates(self) -> dict[tuple[str, int], int]:
        return {key: n for key, n in self.counts.items() if n > 1}


def tally(slack_api: FakeSlackApi | None, connector: FakeConnector | None) -> Tally:
    """Review posts and DMs per proposal: Slack review channel posts (not thread replies),
    Slack DMs, Teams review channel cards and Teams personal-chat cards."""
    result = Tally()
    for call in slack_api.sent("chat.postMessage") if slack_api else []:
        number = proposal_number(str(call.args.get("text") or ""))
        if number is None or call.args.get("thread_ts"):
            continue
        channel = str(call.args.get("channel"))
        if channel == REVIEW_CHANNEL:
            result.counts[("slack_review", number)] += 1
        elif channel.startswith("D"):
            result.counts[("slack_dm", number)] += 1
    for sent in connector.of("send") if connector else []:
        number = proposal_number(json.dumps(sent.cards, ensure_ascii=False))
        if number is None:
            continue
        if sent.conversation_id == A.REVIEW_CHANNEL:
            result.counts[("teams_review", number)] += 1
        elif sent.conversation_id.startswith("a:personal-"):
            result.counts[("teams_dm", number)] += 1
    return result


def digests(slack_api: FakeSlackApi, connector: FakeConnector) -> Counter[str]:
    """Weekly digests that reached each platform's review channel."""
    found: Counter[str] = Counter()
    for call in slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL):
        if _DIGEST_TITLE.match(str(call.args.get("text") or "").split(" · ")[0]):
            found["slack"] += 1
    for sent in connector.of("send"):
        body = [card.get("body") or [{}] for card in sent.cards]
        if sent.conversation_id == A.REVIEW_CHANNEL and any(
            _DIGEST_TITLE.match(str(elements[0].get("text") or "")) for elements in body
        ):
            found["teams"] += 1
    return found


def expected_deliveries(sources: dict[int, str], review_platforms: Iterable[str]) -> Counter[
        tuple[str, int]]:
    """Each proposal: one review post per review platform, one DM on its own platform."""
    expected: Counter[tuple[str, int]] = Counter()
    for pid, source in sources.items():
        for platform in review_platforms:
            expected[(f"{platform}_review", pid)] = 1
        expected[(f"{source}_dm", pid)] = 1
    return expected


# -- the database, read from outside ----------------------------------------------------------


def read_db(path: Path, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
    """Read with a connection of our own (as another process would)."""
    conn = sqlite3.connect(path, timeout=5)
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute(sql, list(params)))
    finally:
        conn.close()


def proposal_sources(path: Path) -> dict[int, str]:
    return {row["id"]: row["source"] for row in read_db(path, "SELECT id, source FROM proposals")}


def unsent(store: Store) -> int:
    """Outbox rows not yet delivered (cheap enough to poll while the server works)."""
    row = store.db.execute("SELECT COUNT(*) FROM outbox WHERE status != 'sent'").fetchone()
    return int(row[0])


async def poll(condition: Callable[[], bool], *, timeout: float, step: float = 0.01) -> None:
    """Bounded polling with small waits; AssertionError when time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for a condition")
        await asyncio.sleep(step)


# -- `python -m opslag serve` as a process of its own -------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_environment(values: dict[str, Any], db_path: Path, port: int) -> dict[str, str]:
    """The environment of a server process: ours without any Opslag, Slack, Teams or Agents
    SDK setting, plus `values` (Settings field names) as environment variables."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("OPSLAG_", "SLACK_", "TEAMS_", "CONNECTIONS__"))}
    for name, value in values.items():
        env[name.upper()] = ",".join(value) if isinstance(value, list) else str(value)
    env.update(OPSLAG_DB=str(db_path), PORT=str(port), HOST="127.0.0.1",
               PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    return env


class ServeProcess:
    """`python -m opslag serve` on a free port, started in `folder` (no .env of ours there)."""

    def __init__(self, values: dict[str, Any], db_path: Path, folder: Path, name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = serve_environment(values, db_path, self.port)
        self.folder = folder
        self.log_path = folder / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, *, timeout: float = 20.0) -> ServeProcess:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "opslag", "serve", cwd=self.folder, env=self.env,
                stdout=log, stderr=log,
            )
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as session:
            while True:
                if self.process.returncode is not None:
                    raise AssertionError(f"server exited at start:\n{self.log()}")
                try:
                    async with session.get(self.url + "/healthz") as response:
                        if response.status == 200:
                            return self
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"server did not start:\n{self.log()}")
                await asyncio.sleep(0.05)

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def kill(self) -> None:
        """SIGKILL: no cleanup, no last words."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), timeout=5)
        except TimeoutError:
            await self.kill()
