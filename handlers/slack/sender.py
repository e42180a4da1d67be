"""Delivers the outbox's Slack messages: renders each kind as Block Kit and calls the Web API.

The outbox stores platform-agnostic rows; this turns one row into one Slack call (two for a
DM: conversations.open, then chat.postMessage) and tells the outbox whether to try again:
`RetryLater` for rate limits (honouring Retry-After), 5xx and timeouts, `PermanentFailure` for
errors no retry can fix (with a Danish explanation for the central team's notice). The result
({"channel", "ts"}) is stored with the row, so later rows find the review message to update or to
reply under; a thread reply whose review message is not there is not posted at the top level:
it raises `RetryLater` and waits.

Posts keep to Slack's rate for chat.postMessage (about one message a second per channel, short
bursts allowed): a `Pacer` per channel, set by SLACK_CHANNEL_RATE and SLACK_CHANNEL_BURST.
A 429 is a rate limit for the outbox (Retry-After honoured, no attempt used up).

Posted once. chat.postMessage takes no idempotency key, so a post that Slack accepted but whose
"sent" mark never reached the database (the server was killed while Slack answered, or the
answer timed out) would be posted again when the outbox retries it. For the messages where
that does harm — the weekly digest, and the review message (decisions would land in two
threads) — each post carries message metadata naming its outbox row (`event_type`
`opslag_digest` or `opslag_review`, `event_payload.key` = the row's dedupe key). When an earlier
attempt may have gone through (`Delivery.may_have_been_sent`), the sender first reads the
channel's history since the row was stored (conversations.history with include_all_metadata;
scopes channels:history and groups:history) and, if the message is there, reports its ts
instead of posting again. A lookup that fails is retried later like a failed post; it never
falls back to posting blindly. The remaining window: a post still on its way to Slack when the
lookup runs (a worker that hangs longer than the outbox lease) is not seen. Thread replies and
DMs are not looked up (conversations.replies on a channel needs a user token, and a DM twice
does less harm).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackObjectFormationError
from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.metadata import Metadata
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Core
from bot.digest import Digest
from bot.outbox import Delivery, Pacer, PermanentFailure, RetryLater, Sender, retry_after
from bot.platform import Kind
from bot.proposal import Proposal
from handlers.slack import NAME, messages, report_post
from handlers.slack import text as T
from handlers.slack.digest_render import blocks_of, fallback_of
from handlers.slack.messages import Message
from handlers.slack.mrkdwn import SECTION_MAX, escape, user_text
from handlers.slack.settings import SlackSettings

log = logging.getLogger(__name__)

Result = dict[str, Any]

# Errors that no retry fixes: the outbox gives the message up and logs it.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "channel_is_archived",
    "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
    "missing_scope", "no_permission", "not_allowed_token_type", "restricted_action",
    "team_access_not_granted", "ekm_access_denied", "user_not_found", "user_disabled",
    "cannot_dm_bot", "invalid_blocks", "invalid_blocks_format", "msg_too_long",
    "msg_blocks_too_long", "no_text", "invalid_arguments",
})
TRANSIENT_ERRORS = frozenset({
    "ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
})
# chat.update answers these when the review message is gone: post a fresh one instead.
MESSAGE_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
# A 429 without (a readable) Retry-After; and the least a 429 waits, so that "0" is no spin.
DEFAULT_RETRY_AFTER = 30.0
MIN_RETRY_AFTER = 1.0

# The metadata event type of the posts that are looked up before they are posted again (letters,
# digits and underscores only, as Slack requires); `event_payload.key` is the outbox dedupe key.
POSTED_ONCE: dict[str, str] = {
    Kind.DIGEST: "opslag_digest", Kind.REVIEW_POST: "opslag_review",
    Kind.REVIEW_UPDATE: "opslag_review",
}
# The lookup reads from a little before the row was stored: our clock and Slack's may differ.
LOOKUP_MARGIN = dt.timedelta(minutes=5)
LOOKUP_PAGE_SIZE = 200
# A review channel does not see thousands of top-level posts while a message waits; past that
# the lookup gives no answer and the message waits (and is given up after the outbox's limit).
LOOKUP_PAGES = 10


class SlackSender(Sender):
    """The outbox's Slack sender (the skeleton is bot.outbox.Sender): one method per kind."""

    def __init__(self, core: Core, client: AsyncWebClient) -> None:
        self.core_settings = core.settings
        self.workflow = core.workflow
        self.settings = core.settings.section(SlackSettings)
        self.client = client
        self.pacer = Pacer(self.settings.channel_rate, self.settings.channel_burst)
        self._dm_channels: dict[str, str] = {}

    def failure(self, exc: Exception) -> Exception:
        if isinstance(exc, SlackApiError):
            return classify(exc)
        if isinstance(exc, aiohttp.ClientError | TimeoutError):
            return RetryLater(f"Slack svarede ikke: {type(exc).__name__}")
        if isinstance(exc, SlackObjectFormationError):
            return PermanentFailure(f"ugyldige blocks: {exc}")
        return exc

    # -- one method per kind -------------------------------------------------------------

    async def recommendation(self, delivery: Delivery) -> Result:
        proposal = delivery.proposal
        message = messages.receipt_message(
            proposal,
            sla_hours=self.core_settings.opslag_review_sla_hours,
            escalate_minutes=self.core_settings.opslag_crisis_escalate_minutes,
            again=delivery.payload.get("event") == "resubmitted",
        )
        return await self._dm(proposal.proposer.user_id, message)

    async def review_post(self, delivery: Delivery) -> Result:
        message = self._review(delivery.proposal)
        return await self._post_once(delivery, self._review_channel(delivery.proposal), message)

    async def review_update(self, delivery: Delivery) -> Result:
        moved = delivery.payload.get("event") == "moved_to_central"  # the department's post
        message = self._review(delivery.proposal, moved=moved)
        where = await review_location(delivery)
        # No review post (the channel was configured after the proposal, or an operator let a
        # failed post go): this update is the whole review message, so it becomes the post.
        # Its lane waits while an earlier post is undelivered, so this never doubles one.
        if where is None:
            return await self._post_once(delivery, self._review_channel(delivery.proposal), message)
        try:
            response = await self.client.chat_update(
                channel=where["channel"], ts=where["ts"], **message.as_kwargs()
            )
        except SlackApiError as exc:
            if _error(exc) not in MESSAGE_GONE:
                raise
            return await self._post_once(delivery, self._review_channel(delivery.proposal), message)
        return {"channel": response["channel"], "ts": response["ts"]}

    async def thread_reply(self, delivery: Delivery) -> Result:
        message = messages.thread_message(delivery.proposal, delivery.payload["event"])
        return await self._in_thread(delivery, message, broadcast=False)

    async def decision_notice(self, delivery: Delivery) -> Result:
        proposal = delivery.proposal
        return await self._dm(proposal.proposer.user_id, messages.decision_notice(proposal))

    async def escalation(self, delivery: Delivery) -> Result:
        message = messages.escalation_message(
            delivery.proposal, usergroup=self.settings.central_usergroup
        )
        return await self._in_thread(delivery, message, broadcast=True)

    async def escalation_dm(self, delivery: Delivery) -> Result:
        where = await review_location(delivery)
        channel = where["channel"] if where else self.settings.review_channel
        message = messages.escalation_dm(delivery.proposal, channel=channel)
        return await self._dm(str(delivery.payload["user"]), message)

    async def digest(self, delivery: Delivery) -> Result:
        payload = delivery.payload
        channel = payload.get("channel") or self.settings.review_channel
        if not channel:
            raise PermanentFailure("ingen kanal til ugeoversigten", T.NO_DIGEST_CHANNEL)
        digest = Digest.model_validate(payload["digest"])
        message = Message(text=fallback_of(digest), sized=blocks_of(digest))
        return await self._post_once(delivery, channel, message)

    async def undelivered(self, delivery: Delivery) -> Result:
        """The central team's notice that a message was given up (it is never itself retried
        into another notice: see bot.outbox)."""
        channel = self.settings.review_channel
        if not channel:
            return {"skipped": "ingen godkendelseskanal i Slack"}
        return await self._post(channel, undelivered_message(delivery.payload))

    async def publish_reminder(self, delivery: Delivery) -> Result:
        message = messages.publish_reminder_message(delivery.proposal)
        return await self._dm(str(delivery.payload["user"]), message)

    async def publish_reminder_update(self, delivery: Delivery) -> Result:
        """The planned day's reminder, changed to say the post was marked published or taken
        down. Nothing to change when the reminder was never delivered or is gone."""
        where = await delivery.earlier_result(Kind.PUBLISH_REMINDER)
        if not where or not where.get("channel") or not where.get("ts"):
            return {}
        message = messages.publish_reminder_message(delivery.proposal)
        try:
            await self.client.chat_update(channel=where["channel"], ts=where["ts"],
                                          **message.as_kwargs())
        except SlackApiError as exc:
            if _error(exc) not in MESSAGE_GONE:
                raise
        return {"channel": where["channel"], "ts": where["ts"]}

    async def review_reminder(self, delivery: Delivery) -> Result:
        payload = delivery.payload
        message = messages.review_reminder_message(
            delivery.proposal, [str(user) for user in payload.get("reviewers") or []],
            int(payload.get("hours") or 0), usergroup=self._central_group(delivery.proposal),
        )
        return await self._in_thread(delivery, message, broadcast=False)

    async def takedown_notice(self, delivery: Delivery) -> Result:
        message = messages.takedown_message(delivery.proposal)
        return await self._dm(str(delivery.payload["user"]), message)

    async def monthly_report(self, delivery: Delivery) -> Result:
        """The monthly summary with its chart as an uploaded PNG (handlers/slack/report_post.py,
        which says how it is posted once)."""
        return await report_post.post(delivery, self.client, self.core_settings, self.pacer)

    # -- Web API calls -------------------------------------------------------------------

    def _review(self, proposal: Proposal, *, moved: bool = False) -> Message:
        return messages.review_message(proposal, usergroup=self.settings.central_usergroup,
                                       moved=moved)

    def _central_group(self, proposal: Proposal) -> str | None:
        """The central team's user group, when the central team reviews `proposal`."""
        central = self.workflow.reviewing_department(proposal) is None
        return self.settings.central_usergroup if central else None

    def _review_channel(self, proposal: Proposal) -> str:
        """The channel of the department that reviews `proposal`, else the central team's."""
        department = self.workflow.reviewing_department(proposal)
        channel = (department.channel(NAME) if department else None) or self.settings.review_channel
        if not channel:
            raise PermanentFailure("SLACK_REVIEW_CHANNEL er ikke sat", T.NO_REVIEW_CHANNEL)
        return channel

    async def _post(self, channel: str, message: Message, **extra: Any) -> Result:
        async with self.pacer.turn(channel):
            response = await self.client.chat_postMessage(
                channel=channel, unfurl_links=False, unfurl_media=False,
                **message.as_kwargs(), **extra,
            )
        return {"channel": response["channel"], "ts": response["ts"]}

    async def _post_once(self, delivery: Delivery, channel: str, message: Message) -> Result:
        """Post a message that must not come twice: tagged with its outbox row, and looked up
        in the channel first when an earlier attempt may have posted it (see the module doc)."""
        row = delivery.row
        event_type = POSTED_ONCE[row.kind]
        if delivery.may_have_been_sent:
            since = row.created_at - LOOKUP_MARGIN
            found = await self._find_post(channel, event_type, row.dedupe_key, since)
            if found is not None:
                log.info("outbox %s (%s) var allerede sendt i Slack (%s); sendes ikke igen",
                         row.id, row.kind, found["ts"])
                return found
        tag = Metadata(event_type=event_type, event_payload={"key": row.dedupe_key})
        return await self._post(channel, message, metadata=tag)

    async def _find_post(self, channel: str, event_type: str, key: str,
                         since: dt.datetime) -> Result | None:
        """Where the channel's post tagged with `key` since `since` is, or None when there is
        none. A failing call raises (the outbox retries later); too much history to read
        through raises RetryLater, never a guess."""
        try:
            response = await self.client.conversations_history(
                channel=channel, oldest=f"{since.timestamp():.6f}", include_all_metadata=True,
                limit=LOOKUP_PAGE_SIZE,
            )
            pages = 0
            async for page in response:  # slack_sdk follows next_cursor, page by page
                for found in page.get("messages") or []:
                    if _tagged(found, event_type, key):
                        return {"channel": channel, "ts": str(found["ts"])}
                pages += 1
                if pages >= LOOKUP_PAGES and page.get("has_more"):
                    raise RetryLater(f"Slack: for mange beskeder at se igennem i {channel}")
        except SlackApiError as exc:
            # An app installed before the history scopes were added: say which ones it lacks.
            if _error(exc) == "missing_scope":
                raise PermanentFailure("Slack: missing_scope (conversations.history)",
                                       T.NO_HISTORY) from exc
            raise
        return None

    async def _in_thread(self, delivery: Delivery, message: Message, *, broadcast: bool) -> Result:
        where = await review_location(delivery)
        if where is None:
            # Never at the top level: a reply there reads as a message of its own. Its lane
            # waits behind an undelivered post, so this is only reached when the post was let
            # go and no update has posted the review message since; the reply waits (and is
            # given up with a notice) unless it is let go too.
            raise RetryLater("forslagets tråd i godkendelseskanalen findes ikke")
        extra: dict[str, Any] = {"thread_ts": where["ts"]}
        if broadcast:
            extra["reply_broadcast"] = True
        return await self._post(where["channel"], message, **extra)

    async def _dm(self, user_id: str, message: Message) -> Result:
        channel = self._dm_channels.get(user_id)
        if channel is None:
            response = await self.client.conversations_open(users=user_id)
            channel = str(response["channel"]["id"])
            self._dm_channels[user_id] = channel
        return await self._post(channel, message)


async def review_location(delivery: Delivery) -> Result | None:
    """Where the review message is: its channel and ts (see `Delivery.review_message`)."""
    return await delivery.review_message("channel", "ts")


def _tagged(message: Any, event_type: str, key: str) -> bool:
    """Whether a message from conversations.history carries this post's metadata."""
    metadata = message.get("metadata") if isinstance(message, dict) else None
    if not isinstance(metadata, dict) or metadata.get("event_type") != event_type:
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, dict) and payload.get("key") == key


def _error(exc: SlackApiError) -> str | None:
    data = exc.response.data if exc.response is not None else None
    return str(data.get("error")) if isinstance(data, dict) and data.get("error") else None


def classify(exc: SlackApiError) -> Exception:
    """The outbox's view of a Web API error: wait (a rate limit, no attempt used), later,
    never, or (the error itself) back off."""
    status = exc.response.status_code if exc.response is not None else 0
    error = _error(exc)
    if status == 429 or error == "ratelimited":
        return RetryLater(f"Slack: rate limited ({error or status})", _wait(exc),
                          rate_limited=True)
    if status >= 500 or error in TRANSIENT_ERRORS:
        return RetryLater(f"Slack: HTTP {status} {error or ''}".strip())
    if error in PERMANENT_ERRORS:
        return PermanentFailure(f"Slack: {error}", T.REFUSED.get(error or ""))
    return exc


def undelivered_message(payload: dict[str, Any]) -> Message:
    """The notice about a given-up message: its title in bold and its lines, all escaped and
    verbatim (the lines hold a proposal's title and a platform's error)."""
    title = escape(str(payload.get("title") or ""))
    lines = [escape(str(line)) for line in payload.get("lines") or []]
    body = "\n".join([f"*{title}*", *lines])[:SECTION_MAX]
    fallback = " ".join([title, *lines[:1]])
    return Message(text=fallback, blocks=[SectionBlock(text=user_text(body))])


def _wait(exc: SlackApiError) -> float:
    """How long a 429 asks us to wait (bot.outbox.retry_after reads the header)."""
    after = retry_after(exc.response.headers if exc.response is not None else None)
    return DEFAULT_RETRY_AFTER if after is None else max(MIN_RETRY_AFTER, after)
