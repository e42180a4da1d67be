"""Conversation references, kept in SQLite so proactive messages survive a restart."""

from __future__ import annotations

import logging
import re
from typing import Any

from microsoft_agents.activity import Activity, ConversationAccount, ConversationReference
from yarl import URL

from bot.core import Core
from bot.proposal import Actor
from bot.store import StoreUnavailable

log = logging.getLogger(__name__)

_THREAD_SUFFIX = re.compile(r";messageid=[^;]*$")
_SURROGATE = re.compile("[\ud800-\udfff]")
TEAMS_CHANNEL = "msteams"
# What people type or fill in: the workflow checks it and answers in Danish. The rest of an
# activity (who, where, ids, names) comes from Teams.
TYPED_FIELDS = frozenset({"text", "value", "attachments", "entities"})


def user_key(user_id: str) -> str:
    """The store key of a person's personal chat with the bot (by Entra object id)."""
    return f"teams:user:{user_id}"


def user_id(activity: Activity) -> str:
    """Who acted: the Entra object id that TEAMS_CENTRAL_USERS lists, else the Teams id.

    Only Teams vouches for these. From another channel of the same bot registration (Web
    Chat, Direct Line) the sender's ids are whatever the client says, so they are kept
    apart under the channel's name and never match a configured person."""
    sender = activity.from_property
    if sender is None:
        return ""
    if activity.channel_id != TEAMS_CHANNEL:
        return f"{activity.channel_id or 'ukendt'}:{sender.id}" if sender.id else ""
    return sender.aad_object_id or sender.id or ""


def has_lone_surrogate(body: Any, *, skip: frozenset[str] = frozenset()) -> bool:
    """Whether a parsed JSON body holds half a UTF-16 pair ("\\ud800"), outside the top-level
    keys in `skip`. Teams never sends one; such a name or id cannot be stored or sent as
    UTF-8. Walked without recursion, however deep the body."""
    stack: list[Any] = ([value for key, value in body.items() if key not in skip]
                        if isinstance(body, dict) else [body])
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def reference(activity: Activity, *, top_level: bool = False) -> dict[str, Any]:
    """The activity's conversation as a storable reference. `top_level` drops a channel
    thread (`;messageid=`) so that posts go to the channel itself."""
    ref = activity.get_conversation_reference()
    ref.activity_id = None
    ref.request_id = None
    if top_level and ref.conversation is not None:
        ref.conversation = ref.conversation.model_copy(
            update={"id": _THREAD_SUFFIX.sub("", ref.conversation.id)}
        )
    return ref.model_dump(mode="json", by_alias=True, exclude_none=True)


def load(data: dict[str, Any]) -> ConversationReference:
    return ConversationReference.model_validate(data)


def service_host(ref: ConversationReference) -> str:
    """The host of a reference's connector, for a log line (never the whole URL)."""
    try:
        return URL(ref.service_url or "").host or ""
    except ValueError:
        return ""


def personal_chat(reference: dict[str, Any], conversation_id: str) -> dict[str, Any]:
    """The reference of a personal chat the bot opened with the user of `reference`."""
    ref = load(reference)
    tenant = ref.conversation.tenant_id if ref.conversation else None
    ref.conversation = ConversationAccount(id=conversation_id, conversation_type="personal",
                                           tenant_id=tenant)
    return ref.model_dump(mode="json", by_alias=True, exclude_none=True)


def is_personal_ref(reference: dict[str, Any]) -> bool:
    return reference.get("conversation", {}).get("conversationType") == "personal"


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    return bool(conversation and conversation.conversation_type == "personal")


def is_channel(activity: Activity) -> bool:
    conversation = activity.conversation
    return bool(conversation and conversation.conversation_type == "channel")


def remember_user(core: Core, activity: Activity) -> None:
    """Store the personal chat of whoever writes to or installs the bot, once per change."""
    who = user_id(activity)
    if not who or not is_personal(activity):
        return
    ref = reference(activity)
    key = user_key(who)
    try:
        if core.store.get_ref(key) != ref:
            core.store.put_ref(key, ref, core.clock())
    except StoreUnavailable as exc:  # the turn itself can still be answered
        log.warning("Teams: kunne ikke gemme samtalen med %s: %s", who, exc)


def person(activity: Activity) -> Actor:
    """Who acted, as the workflow knows people (no way to reach them)."""
    sender = activity.from_property
    return Actor(platform="teams", user_id=user_id(activity),
                 name=(sender.name or "") if sender else "")


def actor(core: Core, activity: Activity) -> Actor:
    """The person behind an activity; reached later in their personal chat if we know it,
    else where they acted."""
    who = person(activity)
    ref = core.store.get_ref(user_key(who.user_id)) if who.user_id else None
    return who.model_copy(update={"address": {"ref": ref or reference(activity)}})
