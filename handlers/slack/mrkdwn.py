"""Small helpers for Slack's mrkdwn: escaping user text, mentions, dates and size budgets.

Everything a user typed goes through `escape` before it is put into mrkdwn, so a draft that
contains `<!channel>` or `<@U123>` shows those characters and pings nobody.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block, MarkdownTextObject

from bot.proposal import Actor
from handlers.slack import text as T

# Slack refuses a message whose blocks add up to about 12,000 characters (msg_blocks_too_long).
# We stay well below it, measured as the JSON Slack receives.
MESSAGE_BUDGET = 11_000
SECTION_MAX = 3000
ELLIPSIS = "…"


def escape(value: str) -> str:
    """The three characters Slack's mrkdwn treats as control characters."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def plain(message: str) -> str:
    """A Slack message's text as a person would type it: links and mentions as their labels,
    escapes undone (used to prefill a draft from a message)."""
    return unescape(_MARKUP.sub(_plain_markup, message))


def _plain_markup(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    if target.startswith("!"):
        return label or "@" + target[1:].split("^")[0]
    if target.startswith(("@", "#")):
        return label if label and label[0] in "@#" else ("@" if target[0] == "@" else "#") + (
            label or target[1:]
        )
    return f"{label} ({target})" if label and label != target else target


def unescape(value: str) -> str:
    return value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def user_text(value: str) -> MarkdownTextObject:
    """A mrkdwn object for text that contains user input (already escaped by the caller):
    verbatim, so Slack links and mentions nothing by itself."""
    return MarkdownTextObject(text=value, verbatim=True)


def escaped(value: str, limit: int) -> str:
    """What a user typed, escaped for mrkdwn and at most `limit` characters long once escaped
    (ending in an ellipsis when cut; an escape sequence is never cut in half)."""
    value = value.strip()
    out = escape(value)
    if len(out) <= limit:
        return out
    # Cut the escaped text, then drop an escape sequence the cut went through: every "&" in
    # `out` starts one (a typed "&" became "&amp;"), so an "&" without its ";" is a cut one.
    cut = out[: max(0, limit - len(ELLIPSIS))]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS


def who(actor: Actor | None) -> str:
    """A Slack mention for Slack users; the escaped name for people on other platforms."""
    if actor is None:
        return ""
    if actor.platform == "slack" and actor.user_id:
        return f"<@{actor.user_id}>"
    return escape(actor.display)


def when(moment: dt.datetime | None) -> str:
    """A timestamp each reader sees in their own time zone, with a Danish fallback."""
    if moment is None:
        return ""
    fallback = moment.astimezone(dt.UTC).strftime("%d.%m.%Y %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} kl. {{time}}|{fallback}>"


def danish_date(day: dt.date | None) -> str:
    if day is None:
        return T.NO_DATE
    return T.DATE.format(
        weekday=T.WEEKDAYS[day.weekday()], day=day.day, month=T.MONTHS[day.month - 1],
        year=day.year,
    )


def link(url: str) -> str:
    """A clickable link to a user-given web address, escaped so it can't break out."""
    return f"<{escape(url).replace('|', '%7C')}>"


def quote(value: str, budget: int) -> tuple[list[str], int]:
    """Quote user text as mrkdwn (`>` lines), escaped, in chunks that each fit a section.

    Stops before the quoted, escaped text would pass `budget` characters; returns the chunks
    and how many characters of the original text they show.
    """
    quoter = _Quoter(budget)
    for number, line in enumerate(value.splitlines() or [""]):
        if not quoter.add_line(line, first=number == 0):
            break
    return quoter.finish(), min(quoter.shown, len(value))


class _Quoter:
    """Builds the quoted chunks character by character, so that no escape sequence is cut."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.chunks: list[str] = []
        self.current: list[str] = []
        self.current_len = 0
        self.used = 0
        self.shown = 0

    def add_line(self, line: str, *, first: bool) -> bool:
        if not first:
            self.shown += 1  # the line break before this line
        if not self._put("> ", "\n"):
            return False
        for char in line:
            if not self._put(escape(char), "\n"):
                return False
            self.shown += 1
        return self._put("\n", "")

    def _put(self, piece: str, reserve: str) -> bool:
        if self.used + len(piece) + len(reserve) > self.budget:
            return False
        if self.current_len + len(piece) + len(reserve) > SECTION_MAX - 2:
            self._flush()
            if piece != "> ":
                self._put("> ", reserve)
        self.current.append(piece)
        self.current_len += len(piece)
        self.used += len(piece)
        return True

    def _flush(self) -> None:
        if self.current:
            self.chunks.append("".join(self.current))
        self.current, self.current_len = [], 0

    def finish(self) -> list[str]:
        self._flush()
        return [chunk.rstrip("\n") or ">" for chunk in self.chunks]


def bullets(items: Sequence[str], *, limit: int, each: int) -> str:
    """A bulleted list of user-facing sentences, shortened, at most `limit` of them."""
    lines = [f"• {escaped(item, each)}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(T.REC_MORE.format(n=len(items) - limit))
    return "\n".join(lines)


def size(blocks: Sequence[Block]) -> int:
    """The blocks' size as Slack counts it (roughly): their JSON."""
    return json_size(as_dicts(blocks))


def json_size(dicts: Sequence[dict[str, Any]]) -> int:
    """`size` of blocks already made dicts (`as_dicts`)."""
    return len(json.dumps(dicts, ensure_ascii=False))


def as_dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]
