"""The monthly summary in Slack (outbox kind "monthly_report"): one message of Block Kit with
the chart as an uploaded PNG under it.

The PNG is drawn from the payload's numbers when the row is sent (handlers/monthly_chart.py,
off the event loop) and goes up with slack_sdk's `files_upload_v2`: files.getUploadURLExternal,
the upload, then files.completeUploadExternal, which shares the file into the channel with the
summary's blocks as its message (scope files:write). Every text in the blocks is escaped for
mrkdwn (the focus areas' names come from the strategy file).

Posted once, as far as Slack lets us. A shared file's message carries no message metadata
(files.completeUploadExternal takes none), so the sender's `_post_once` lookup does not apply;
instead the file is named after its outbox row (`file_name`), and when an earlier attempt may
have gone through (`Delivery.may_have_been_sent`: the server was killed, or the answer timed
out, after Slack took the upload), the channel's history since the row was stored is read first
(conversations.history, scopes channels:history and groups:history) and a message holding a
file of that name is reported as sent instead of uploading again. A lookup that fails is
retried later, never replaced by a blind upload. The window that stays open: Slack shares an
uploaded file into the channel a moment after files.completeUploadExternal answers, not in the
same step; a retry that reads the history before the share shows there uploads a second copy.
The outbox retries a failed send after at least its backoff (seconds), and a killed worker's
row after its lease (two minutes), so this takes a share slower than that. A file uploaded
but never completed (the attempt died between the upload and the completion) is not shared
with anyone; Slack deletes such files itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.monthly import Summary, page_url
from bot.outbox import Delivery, Pacer, PermanentFailure, RetryLater
from handlers import monthly_chart
from handlers.slack import text as T
from handlers.slack.mrkdwn import as_dicts, escape, user_text

log = logging.getLogger(__name__)

Result = dict[str, Any]

HEADER_MAX = 150
# The lookup reads from a little before the row was stored (our clock and Slack's may
# differ), a page at a time, and gives up on a channel with more than this many pages since.
LOOKUP_MARGIN = dt.timedelta(minutes=5)
LOOKUP_PAGE_SIZE = 200
LOOKUP_PAGES = 10
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def file_name(dedupe_key: str) -> str:
    """The chart's file name, made of the outbox row's key (`monthly:2026-11:slack:C123` ->
    `opslag-monthly-2026-11-slack-C123.png`): how a retry finds the upload again."""
    return f"opslag-{_UNSAFE.sub('-', dedupe_key).strip('-')}.png"


def summary_blocks(summary: Summary, url: str | None) -> list[dict[str, Any]]:
    """The message: title, the three numbers, the focus areas in a sentence, and the link to
    the full page (or how to make it, without one)."""
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=summary.title[:HEADER_MAX])),
        SectionBlock(text=user_text(escape(summary.intro))),
    ]
    if summary.figures:
        blocks.append(SectionBlock(fields=[
            user_text(f"*{escape(figure.label)}*\n{escape(figure.value)}\n"
                      f"_{escape(figure.note)}_")
            for figure in summary.figures
        ]))
    notice = summary.notice()
    if notice:
        blocks.append(SectionBlock(text=user_text(escape(notice))))
    blocks.append(SectionBlock(text=user_text(escape(summary.reading))))
    if url is not None:
        target = escape(url).replace("|", "%7C")
        blocks.append(SectionBlock(text=user_text(f"<{target}|{escape(summary.link_text())}>")))
    else:
        blocks.append(ContextBlock(elements=[user_text(escape(summary.without_link()))]))
    return as_dicts(blocks)


async def post(delivery: Delivery, client: AsyncWebClient, settings: Settings,
               pacer: Pacer) -> Result:
    """Upload the chart with the summary as its message, once (see the module doc)."""
    payload = delivery.payload
    channel = str(payload.get("channel") or "")
    if not channel:
        raise PermanentFailure("ingen kanal til den månedlige opsummering")
    summary = Summary.model_validate(payload["summary"])
    row = delivery.row
    name = file_name(row.dedupe_key)
    if delivery.may_have_been_sent:
        found = await find_upload(client, channel, name, row.created_at - LOOKUP_MARGIN)
        if found is not None:
            log.info("outbox %s (%s) var allerede sendt i Slack (%s); sendes ikke igen",
                     row.id, row.kind, found["ts"])
            return found
    image = await asyncio.to_thread(monthly_chart.png, summary)
    blocks = summary_blocks(summary, page_url(settings, summary.month))
    async with pacer.turn(channel):
        response = await client.files_upload_v2(
            channel=channel, file=image, filename=name, title=summary.chart_title,
            alt_txt=summary.alt, blocks=json.dumps(blocks, ensure_ascii=False),
        )
    uploaded = response.get("file") or {}
    return {"channel": channel, "file_id": str(uploaded.get("id") or "")}


async def find_upload(client: AsyncWebClient, channel: str, name: str,
                      since: dt.datetime) -> Result | None:
    """Where the channel's message holding the file `name` since `since` is, or None. A failing
    call raises (the outbox retries later); too much history raises RetryLater."""
    try:
        response = await client.conversations_history(
            channel=channel, oldest=f"{since.timestamp():.6f}", limit=LOOKUP_PAGE_SIZE,
        )
        pages = 0
        async for page in response:  # slack_sdk follows next_cursor, page by page
            for message in page.get("messages") or []:
                if _holds(message, name):
                    return {"channel": channel, "ts": str(message["ts"])}
            pages += 1
            if pages >= LOOKUP_PAGES and page.get("has_more"):
                raise RetryLater(f"Slack: for mange beskeder at se igennem i {channel}")
    except SlackApiError as exc:
        # An app installed before the history scopes were added: say which ones it lacks.
        if (exc.response.data or {}).get("error") == "missing_scope":
            raise PermanentFailure("Slack: missing_scope (conversations.history)",
                                   T.NO_HISTORY) from exc
        raise
    return None


def _holds(message: Any, name: str) -> bool:
    files = message.get("files") if isinstance(message, dict) else None
    return isinstance(files, list) and any(
        isinstance(file, dict) and file.get("name") == name for file in files)
