"""The Teams edge under test: the real server on loopback, a fake Bot Framework connector.

Every card the bot sends (to the connector or in an invoke response) is validated against
the Adaptive Card 1.5 schema.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import jsonschema
import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from bot.core import Core
from opslag.server import CORE_KEY, build_app
from tests.conftest import FakeClock, card_form
from tests.data_files import schema
from tests.fakes.connector import Call, FakeConnector
from tests.fakes.loopback import Loopback
from tests.teams import activities as A

CARD = "application/vnd.microsoft.card.adaptive"
# What an approved proposal's review card offers: "Markér som udgivet" and "Tag ned".
AFTER_APPROVAL = ["publish", "take_down"]
_card_validator = jsonschema.Draft6Validator(
    schema("adaptive-card")
)


def assert_valid_card(card: dict[str, Any]) -> None:
    # `msteams` is Teams' own property of a card (its mentions), which the Adaptive Cards
    # schema does not know: checked on its own.
    generic = {key: value for key, value in card.items() if key != "msteams"}
    error = jsonschema.exceptions.best_match(_card_validator.iter_errors(generic))
    assert error is None, f"invalid Adaptive Card at {list(error.path)}: {error.message}"
    assert card["version"] == "1.5"
    if "msteams" in card:
        assert_mentions(card)


def assert_mentions(card: dict[str, Any]) -> None:
    """Teams' mentions as its docs describe them: each entity a mention whose `<at>` text is
    in one of the card's TextBlocks, naming an id and a name."""
    host = card["msteams"]
    assert set(host) == {"entities"}, host
    blocks = [text for kind, text in _typed_texts(card["body"]) if kind == "TextBlock"]
    for entity in host["entities"]:
        assert set(entity) == {"type", "text", "mentioned"} and entity["type"] == "mention"
        assert entity["text"] == f"<at>{entity['mentioned']['name']}</at>", entity
        assert entity["mentioned"]["id"] and any(entity["text"] in text for text in blocks)


def elements(card: Any) -> Iterator[dict[str, Any]]:
    """Every object in a card, depth first, each before what it holds (show-cards, actions
    and their data included)."""
    if isinstance(card, dict):
        yield card
        for value in card.values():
            yield from elements(value)
    elif isinstance(card, list):
        for item in card:
            yield from elements(item)


def _typed_texts(element: Any) -> list[tuple[str, str]]:
    return [(str(e.get("type", "")), e["text"]) for e in elements(element)
            if isinstance(e.get("text"), str)]


def card_texts(card: Any) -> list[str]:
    """Every text a card shows (TextBlocks, TextRuns, labels, titles), depth first."""
    return [e[key] for e in elements(card) for key in ("text", "title", "label")
            if isinstance(e.get(key), str)]


def shows(card: dict[str, Any], fragment: str) -> bool:
    return any(fragment in text for text in card_texts(card))


def verbs(card: Any) -> list[str]:
    """The Action.Execute verbs on a card, including those inside show-cards."""
    return [e["verb"] for e in elements(card) if e.get("type") == "Action.Execute"]


def action_data(card: Any, verb: str) -> dict[str, Any]:
    """The data the card's Action.Execute with this verb sends (show-cards included)."""
    return next((dict(e["data"]) for e in elements(card)
                 if e.get("type") == "Action.Execute" and e.get("verb") == verb and e.get("data")),
                {})


def inputs(card: Any) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in elements(card) if str(e.get("type", "")).startswith("Input.")}


@dataclass
class Teams:
    """One running server and what a test does with it."""

    client: TestClient
    connector: FakeConnector
    core: Core
    clock: FakeClock
    responses: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # sent with every activity

    @property
    def url(self) -> str:
        return self.connector.service_url

    async def post(self, activity: dict[str, Any],
                   headers: dict[str, str] | None = None) -> ClientResponse:
        response = await self.client.post("/api/messages", json=activity,
                                          headers={**self.headers, **(headers or {})})
        await response.read()
        return response

    async def say(self, text: str, user: A.User = A.PROPOSER, *, where: str = "personal",
                  channel_id: str = A.REVIEW_CHANNEL) -> ClientResponse:
        response = await self.post(A.message(text, user, self.url, where=where,
                                             channel_id=channel_id))
        assert response.status in (200, 202), await response.text()
        return response

    async def click(self, verb: str, data: dict[str, Any], user: A.User, *,
                    on: Call | None = None) -> dict[str, Any]:
        """Click an Action.Execute button; returns the card the clicker gets back."""
        activity = A.card_action(verb, data, user, self.url, **self._where(on, user))
        response = await self.post(activity)
        assert response.status == 200
        assert response.content_type == "application/json"
        body = await response.json()
        self.responses.append(body)
        return body

    async def click_card(self, verb: str, data: dict[str, Any], user: A.User, *,
                         on: Call | None = None) -> dict[str, Any]:
        body = await self.click(verb, data, user, on=on)
        assert body["statusCode"] == 200, body
        assert body["type"] == CARD
        assert_valid_card(body["value"])
        return dict(body["value"])

    def _where(self, on: Call | None, user: A.User) -> dict[str, Any]:
        if on is None:
            conversation, data = A.personal(user)
            return {"conversation": conversation, "channel_data": data}
        channel_id = on.conversation_id.partition(";")[0]
        if channel_id.startswith("19:"):
            card_id = on.thread[1] if on.thread else str(on.new_id)
            conversation, data = A.channel(channel_id, root=card_id)
            return {"conversation": conversation, "channel_data": data, "card_id": card_id}
        conversation, data = A.personal(user)
        return {"conversation": conversation, "channel_data": data}

    async def deliver(self) -> int:
        return await self.core.outbox.run_once()

    async def choose_review_channel(self) -> None:
        await self.say("godkendelseskanal", A.CENTRAL, where="channel")

    async def submit(self, user: A.User = A.PROPOSER, **overrides: Any) -> int:
        """What a person does to propose from the personal chat: answer the questions, read
        the advice the card is answered with, press Send. Returns the proposal id."""
        form = {**card_form(**overrides), "form_id": f"form-{len(self.responses)}"}
        card = await self.send(await self.click_card("submit_intake", form, user), user)
        assert shows(card, "er sendt til godkendelse"), card_texts(card)
        return max(p.id for p in self.core.store.list_proposals())

    async def send(self, advice: dict[str, Any], user: A.User = A.PROPOSER) -> dict[str, Any]:
        """Press Send on an advice card; the card the clicker gets back."""
        data = action_data(advice, "send")
        assert data, card_texts(advice)  # an advice card, not the questions or a refusal
        return await self.click_card("send", data, user)

    def review_posts(self) -> list[Call]:
        return [c for c in self.connector.of("send") if c.conversation_id == A.REVIEW_CHANNEL]


Start = Callable[..., Awaitable[Teams]]


@pytest.fixture
async def connector(connector: FakeConnector) -> AsyncIterator[FakeConnector]:
    """The shared fake connector (tests/conftest.py); here every card it got must also be
    valid Adaptive Card 1.5."""
    yield connector
    for card in connector.all_cards():
        assert_valid_card(card)


@pytest.fixture
async def start_teams(make_settings: Any, clock: FakeClock,
                      connector: FakeConnector) -> AsyncIterator[Start]:
    """Start a server (again, on the same database file, if called twice)."""
    clients: list[TestClient] = []

    async def start(*, background: bool = False, **settings: Any) -> Teams:
        settings.setdefault("teams_central_users", [A.CENTRAL.aad])
        # Without background, tests deliver with run_once, deterministically, and no schedule.
        app = build_app(make_settings(**settings), clock=clock, background=background)
        core = app[CORE_KEY]
        client = TestClient(Loopback(app))  # handlers run to the end, as in production
        await client.start_server()
        clients.append(client)
        return Teams(client, connector, core, clock)

    yield start
    for client in clients:
        await client.close()


@pytest.fixture
async def teams(start_teams: Start) -> Teams:
    return await start_teams()
