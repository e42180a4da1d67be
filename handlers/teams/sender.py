"""The outbox's Teams adapter: renders each stored message as a card and sends it proactively.

Returns what the connector answered (activity and conversation ids), so a later update can
change the review card in place and a thread reply can find its thread (without it, the reply
waits: it is never posted outside its thread). A 429 is a rate limit for the outbox (Retry-After
honoured, no attempt used up); a 5xx, a timeout or a dropped connection means "try again later";
other 4xx answers are final, with a Danish explanation for the central team's notice.

At least once, not exactly once, after a crash. A card the connector accepted whose "sent" mark
never reached the database (the server was killed while Teams answered) is sent again after the
dead server's lease: the weekly digest and the review card included. The Slack sender closes
that window by looking for the post in the channel first (message metadata and
conversations.history); Teams offers a bot nothing like it. The Bot Framework connector cannot
list a channel's messages (its conversation listing serves Direct Line and Web Chat only), takes
no client-chosen activity id and no idempotency key; reading a channel's messages needs
Microsoft Graph (ChannelMessage.Read.All, a protected application permission, or the
resource-specific ChannelMessage.Read.Group consent), which Opslag does not ask for. So a card
in flight at a kill may come twice (see the README).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from microsoft_agents.activity import ChannelAccount, ConversationParameters
from microsoft_agents.hosting.core.connector.conversations_base import ConversationsBase

from bot.outbox import Delivery, PermanentFailure, RetryLater, Sender, retry_after
from bot.platform import Kind
from bot.proposal import Proposal
from handlers.teams import NAME, TEAMS_REVIEW_REF, department_ref, refs, report_post
from handlers.teams import text as T
from handlers.teams.cards import (
    Card,
    advise,
    escalation_card,
    heading,
    notice_card,
    publish_reminder_card,
    receipt_card,
    review_card,
    review_reminder_card,
    rich,
    source_name,
    takedown_card,
    thread_card,
)
from handlers.teams.cards import card as adaptive_card
from handlers.teams.digest_render import digest_card
from handlers.teams.edge import TeamsEdge, card_message

log = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 20.0
_RETRY_STATUSES = {401, 408, 409, 412, 429}
Result = dict[str, Any]


class TeamsSender(Sender):
    """The outbox's Teams sender (the skeleton is bot.outbox.Sender): one method per kind.
    Its calls translate the connector's errors themselves (`send`)."""

    def __init__(self, edge: TeamsEdge) -> None:
        self.edge = edge
        self.store = edge.core.store

    # -- kinds --------------------------------------------------------------------------

    async def recommendation(self, delivery: Delivery) -> Result:
        """The receipt after Send, in the proposer's personal chat: they read the advice
        before they sent, so it is not repeated."""
        proposal = delivery.proposal
        when = advise(self.edge.core.settings, proposal.recommendation).review.when
        card = receipt_card(proposal, when,
                            again=delivery.payload.get("event") == "resubmitted")
        return await self.post(await self._proposer_ref(proposal), card, T.SUMMARY_RECEIPT)

    async def decision_notice(self, delivery: Delivery) -> Result:
        proposal = delivery.proposal
        # The form to edit it, if the workflow lets its proposer (after a request for changes).
        workflow = self.edge.core.workflow
        editable = workflow.can_resubmit(proposal, proposal.proposer)
        # "Tag ned", if the workflow lets its proposer (e.g. when consent is withdrawn).
        card = notice_card(proposal, self.edge.zone, editable=editable,
                           takeable=workflow.can_take_down(proposal, proposal.proposer),
                           departments=workflow.department_choices())
        return await self.post(await self._proposer_ref(proposal), card, T.SUMMARY_NOTICE)

    async def review_post(self, delivery: Delivery) -> Result:
        proposal = delivery.proposal
        return await self.post(await self._review_ref(proposal), self._review(proposal),
                               T.SUMMARY_REVIEW)

    async def review_update(self, delivery: Delivery) -> Result:
        moved = delivery.payload.get("event") == "moved_to_central"  # the department's card
        card = self._review(delivery.proposal, moved=moved)
        root = await delivery.review_message("activity_id")
        if root is None:  # the review channel was chosen after the proposal: post it now
            return await self.post(await self._review_ref(delivery.proposal), card,
                                   T.SUMMARY_REVIEW)
        await self.replace(root, card)
        return root

    async def thread_reply(self, delivery: Delivery) -> Result:
        card = thread_card(str(delivery.payload.get("event")), delivery.proposal)
        root = await delivery.review_message("activity_id")
        if root is None:
            # Never outside its thread: its lane waits behind an undelivered review card, so
            # this is only reached when that card was let go and no update has posted one
            # since; the reply waits (and is given up with a notice) unless it is let go too.
            raise RetryLater("forslagets tråd i godkendelseskanalen findes ikke")
        thread = f"{root['conversation_id']};messageid={root['activity_id']}"
        return await self.post(root["reference"], card, conversation_id=thread)

    def _review(self, proposal: Proposal, *, moved: bool = False) -> Card:
        via = source_name(self.edge.core.platforms, proposal.source)
        gates = [gate.message for gate in self.edge.core.workflow.gates(proposal)]
        return review_card(proposal, self.edge.zone, via=via, moved=moved, gates=gates)

    async def escalation(self, delivery: Delivery) -> Result:
        card = escalation_card(delivery.proposal, self.edge.zone)
        return await self.post(await self._review_ref(), card, T.SUMMARY_ESCALATION)

    async def escalation_dm(self, delivery: Delivery) -> Result:
        ref = await self._ref(refs.user_key(str(delivery.payload.get("user", ""))))
        if ref is None:
            return {"skipped": "ingen personlig chat med denne person"}
        card = escalation_card(delivery.proposal, self.edge.zone)
        return await self.post(ref, card, T.SUMMARY_ESCALATION)

    async def digest(self, delivery: Delivery) -> Result:
        """The weekly digest card. Unlike Slack's, it is not looked up before a retry (see the
        module doc): a digest in flight when the server was killed may come twice."""
        card: Card = digest_card(delivery.payload)
        key = str(delivery.payload.get("channel") or TEAMS_REVIEW_REF)
        return await self.post(await self._ref(key), card)

    async def undelivered(self, delivery: Delivery) -> Result:
        """The central team's notice that a message was given up (never itself the subject of
        another notice: see bot.outbox)."""
        review = await self._review_ref()
        if review is None:
            return {"skipped": "ingen godkendelseskanal i Teams"}
        return await self.post(review, undelivered_card(delivery.payload),
                               str(delivery.payload.get("title") or ""))

    async def publish_reminder(self, delivery: Delivery) -> Result:
        """On the planned day, in the publisher's personal chat: the form that marks it
        published."""
        card = publish_reminder_card(delivery.proposal)
        return await self.post(await self._personal_ref(delivery), card,
                               T.SUMMARY_PUBLISH_REMINDER)

    async def publish_reminder_update(self, delivery: Delivery) -> Result:
        """The planned day's reminder card, changed to say the post was marked published or
        taken down; nothing to change when the reminder was never delivered."""
        where = await delivery.earlier_result(Kind.PUBLISH_REMINDER)
        if not where or not where.get("activity_id") or not where.get("reference"):
            return {}
        await self.replace(where, publish_reminder_card(delivery.proposal))
        return where

    async def review_reminder(self, delivery: Delivery) -> Result:
        """A reply in the review thread past the SLA, mentioning the reviewers by the ids the
        settings or the departments file give, under the names Teams gave when they wrote to
        Opslag (Teams tells a bot no one's name on its own: see T.UNNAMED_REVIEWER)."""
        reviewers = []
        for user_id in delivery.payload.get("reviewers") or []:
            ref = await self._ref(refs.user_key(str(user_id)))
            user = (ref or {}).get("user") or {}
            reviewers.append((str(user_id), str(user.get("name") or "")))
        card = review_reminder_card(delivery.proposal, int(delivery.payload.get("hours") or 0),
                                    reviewers)
        root = await delivery.review_message("activity_id")
        if root is None:  # as a thread reply: never outside its thread
            raise RetryLater("forslagets tråd i godkendelseskanalen findes ikke")
        thread = f"{root['conversation_id']};messageid={root['activity_id']}"
        return await self.post(root["reference"], card, T.SUMMARY_REVIEW_REMINDER,
                               conversation_id=thread)

    async def takedown_notice(self, delivery: Delivery) -> Result:
        """To whoever published (or approved) it, in their personal chat: what must come
        down, who asked, why, and the links."""
        card = takedown_card(delivery.proposal, self.edge.zone)
        return await self.post(await self._personal_ref(delivery), card, T.SUMMARY_TAKEDOWN)

    async def _personal_ref(self, delivery: Delivery) -> dict[str, Any]:
        """The personal chat of the person a message is for (the payload's "user"): known, or
        opened now from where they acted on the proposal. Never a channel: without a personal
        chat the message is given up, and the central team told."""
        user_id = str(delivery.payload.get("user") or "")
        personal = await self._ref(refs.user_key(user_id)) if user_id else None
        acted_in = _where_acted(delivery.proposal, user_id)
        if personal is None and acted_in is not None:
            personal = (acted_in if refs.is_personal_ref(acted_in)
                        else await self._open_personal_chat(user_id, acted_in))
        if personal is None:
            raise PermanentFailure("ingen personlig chat med modtageren i Teams",
                                   T.NO_PERSONAL_CHAT)
        return personal

    async def monthly_report(self, delivery: Delivery) -> Result:
        """The monthly summary card (handlers/teams/report_post.py) in its channel; like the
        digest, not looked up before a retry."""
        card, summary = await report_post.summary_card(delivery.payload, self.edge.core.settings)
        key = str(delivery.payload.get("channel") or TEAMS_REVIEW_REF)
        return await self.post(await self._ref(key), card, summary)

    # -- sending ------------------------------------------------------------------------

    async def post(self, reference: dict[str, Any] | None, card: Card,
                   summary: str | None = None, *, conversation_id: str | None = None) -> Result:
        """A new message in the referenced conversation (or in one of its threads)."""
        if reference is None:
            raise PermanentFailure("ingen Teams-samtale at sende til", T.NO_CONVERSATION)
        target = conversation_id or refs.load(reference).conversation.id
        activity = card_message(card, summary)
        response = await self.send(reference,
                                   lambda ops: ops.send_to_conversation(target, activity))
        return {"activity_id": response.id, "conversation_id": target,
                "reference": reference}

    async def replace(self, sent: Result, card: Card) -> None:
        """Put `card` in place of a message this sender posted (`sent`: what `post` returned)."""
        activity_id = sent["activity_id"]
        await self.send(sent["reference"], lambda ops: ops.update_activity(
            sent["conversation_id"], activity_id, _with_id(card_message(card), activity_id)))

    async def send(self, reference: dict[str, Any],
                   work: Callable[[ConversationsBase], Awaitable[Any]]) -> Any:
        try:
            async with asyncio.timeout(SEND_TIMEOUT_SECONDS):
                return await self.edge.proactive(reference, work)
        except aiohttp.ClientResponseError as exc:
            raise classify(exc) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RetryLater(f"Teams svarede ikke: {type(exc).__name__}") from exc

    async def _proposer_ref(self, proposal: Proposal) -> dict[str, Any] | None:
        """The proposer's personal chat: known, or opened now; else where they acted."""
        personal = await self._ref(refs.user_key(proposal.proposer.user_id))
        acted_in = proposal.proposer.address.get("ref")
        if personal or acted_in is None or refs.is_personal_ref(acted_in):
            return personal or acted_in
        return await self._open_personal_chat(proposal.proposer.user_id, acted_in) or acted_in

    async def _open_personal_chat(self, user_id: str,
                                  acted_in: dict[str, Any]) -> dict[str, Any] | None:
        ref = refs.load(acted_in)
        if ref.user is None or not ref.user.id or ref.conversation is None:
            return None
        params = ConversationParameters(
            is_group=False, agent=ref.agent, members=[ChannelAccount(id=ref.user.id)],
            tenant_id=ref.conversation.tenant_id,
        )
        try:
            created = await self.send(acted_in, lambda ops: ops.create_conversation(params))
        except PermanentFailure:  # e.g. the app is not installed for them: answer in place
            log.info("Teams: kunne ikke åbne en personlig chat med %s", user_id)
            return None
        personal = refs.personal_chat(acted_in, created.id)
        core = self.edge.core
        await core.run(self.store.put_ref, refs.user_key(user_id), personal, core.clock())
        return personal

    async def _review_ref(self, proposal: Proposal | None = None) -> dict[str, Any] | None:
        """The review channel of the department that reviews `proposal` (when one of its
        reviewers chose it), else the central team's."""
        department = self.edge.core.workflow.reviewing_department(proposal) if proposal else None
        if department is not None:
            ref = await self._ref(department_ref(department))
            if ref is not None:
                return ref
        return await self._ref(TEAMS_REVIEW_REF)

    async def _ref(self, key: str) -> dict[str, Any] | None:
        """A stored conversation reference, read on the store thread (see bot/store_thread)."""
        return await self.edge.core.run(self.store.get_ref, key)


def classify(exc: aiohttp.ClientResponseError) -> Exception:
    """429: a rate limit (Retry-After honoured, no attempt used); 5xx and passing troubles:
    later; other 4xx: never."""
    reason = f"Teams svarede {exc.status}"
    if exc.status == 429:
        return RetryLater(reason, retry_after(exc.headers), rate_limited=True)
    if exc.status in _RETRY_STATUSES or exc.status >= 500:
        return RetryLater(reason, retry_after(exc.headers))
    explanation = T.REFUSED_STATUS.get(exc.status) or T.REFUSED_OTHER.format(status=exc.status)
    return PermanentFailure(reason, explanation)


def undelivered_card(payload: dict[str, Any]) -> Card:
    """The notice about a given-up message; its lines hold a proposal's title and a platform's
    error, so they are plain text, never markdown."""
    lines = [rich(str(line)) for line in payload.get("lines") or []]
    return adaptive_card([heading(str(payload.get("title") or "")), *lines])


def _where_acted(proposal: Proposal, user_id: str) -> dict[str, Any] | None:
    """Where `user_id` last acted on the proposal, as its snapshot keeps it (a conversation
    reference), if it does."""
    people = [proposal.takedown.by if proposal.takedown else None,
              proposal.publication.by if proposal.publication else None,
              proposal.decided_by, proposal.proposer]
    for person in people:
        if person is not None and person.platform == NAME and person.user_id == user_id:
            ref = person.address.get("ref")
            if isinstance(ref, dict):
                return ref
    return None


def _with_id(activity: Any, activity_id: str) -> Any:
    activity.id = activity_id
    return activity
