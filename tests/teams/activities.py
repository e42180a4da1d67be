"""Activities shaped the way Teams posts them to /api/messages."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

TENANT = "5e0f6a1c-0000-4000-8000-00000000d1a5"
BOT = {"id": "28:00000000-0000-0000-0000-0000000b0701", "name": "Opslag"}
TEAM = "19:team-kommunikation@thread.tacv2"
REVIEW_CHANNEL = "19:godkendelse@thread.tacv2"
OTHER_CHANNEL = "19:generelt@thread.tacv2"

_ids = itertools.count(1_700_000_000_000)


@dataclass(frozen=True)
class User:
    key: str
    name: str
    aad: str

    @property
    def teams_id(self) -> str:
        return f"29:{self.key}"

    @property
    def personal_chat(self) -> str:
        return f"a:personal-{self.key}"


CENTRAL = User("bente", "Bente Kommunikation", "aad-bente-central")
PROPOSER = User("anna", "Anna Skolechef", "aad-anna-proposer")
COLLEAGUE = User("carl", "Carl Kollega", "aad-carl-colleague")


def _base(kind: str, user: User, conversation: dict[str, Any], service_url: str,
          channel_data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": kind,
        "id": str(next(_ids)),
        "timestamp": "2026-11-23T09:00:00.000Z",
        "localTimestamp": "2026-11-23T10:00:00.000+01:00",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": user.teams_id, "name": user.name, "aadObjectId": user.aad},
        "conversation": conversation,
        "recipient": dict(BOT),
        "locale": "da-DK",
        "channelData": channel_data,
    }


def personal(user: User) -> tuple[dict[str, Any], dict[str, Any]]:
    conversation = {"conversationType": "personal", "tenantId": TENANT,
                    "id": user.personal_chat}
    return conversation, {"tenant": {"id": TENANT}}


def channel(channel_id: str = REVIEW_CHANNEL, root: str | None = None
            ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A channel conversation; Teams names the thread in the id (`;messageid=`)."""
    thread = root or str(next(_ids))
    conversation = {"isGroup": True, "conversationType": "channel", "tenantId": TENANT,
                    "id": f"{channel_id};messageid={thread}"}
    data = {"teamsChannelId": channel_id, "teamsTeamId": TEAM,
            "channel": {"id": channel_id}, "team": {"id": TEAM},
            "tenant": {"id": TENANT}}
    return conversation, data


def message(text: str, user: User, service_url: str, *, where: str = "personal",
            channel_id: str = REVIEW_CHANNEL) -> dict[str, Any]:
    if where == "personal":
        conversation, data = personal(user)
        activity = _base("message", user, conversation, service_url, data)
        activity.update(text=text, textFormat="plain")
        return activity
    conversation, data = channel(channel_id)
    activity = _base("message", user, conversation, service_url, data)
    mention = "<at>Opslag</at>"
    activity.update(
        id=conversation["id"].split("=")[-1],
        text=f"{mention} {text}", textFormat="plain",
        entities=[{"type": "mention", "text": mention, "mentioned": dict(BOT)}],
    )
    return activity


def card_action(verb: str, data: dict[str, Any], user: User, service_url: str, *,
                conversation: dict[str, Any], channel_data: dict[str, Any],
                card_id: str | None = None) -> dict[str, Any]:
    """An Action.Execute click: an invoke named adaptiveCard/action."""
    activity = _base("invoke", user, conversation, service_url, channel_data)
    activity.update(name="adaptiveCard/action", value={
        "action": {"type": "Action.Execute", "verb": verb, "data": data},
        "trigger": "manual",
    })
    if card_id:
        activity["replyToId"] = card_id
    return activity


def members_added(user: User, service_url: str, *, where: str = "personal"
                  ) -> dict[str, Any]:
    conversation, data = personal(user) if where == "personal" else channel(REVIEW_CHANNEL)
    activity = _base("conversationUpdate", user, conversation, service_url, data)
    activity["membersAdded"] = [{"id": BOT["id"]}]
    return activity


def installation(user: User, service_url: str) -> dict[str, Any]:
    conversation, data = personal(user)
    activity = _base("installationUpdate", user, conversation, service_url, data)
    activity["action"] = "add"
    return activity


def compose(name: str, user: User, service_url: str, value: dict[str, Any]
            ) -> dict[str, Any]:
    """A message-extension invoke (composeExtension/fetchTask or /submitAction)."""
    conversation, data = channel(OTHER_CHANNEL)
    activity = _base("invoke", user, conversation, service_url, data)
    activity.update(name=name, value=value)
    return activity
