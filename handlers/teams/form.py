"""Answers between the intake card and the policy: a card's data is the raw answers.

Input ids are the intake field names and choice values the policy's machine keys, so a card's
submitted data goes to the one path to a stored proposal (bot/submission.py) as it is; the
policy reads its string values (comma lists, "true"/"false", policy/answers.py). This module
holds the other direction (answers as the card's input values) and the free text a draft
comes from.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from typing import Any

from handlers.teams import text as T
from policy import TEXT_MAX, Question
from policy.answers import Answers
from policy.answers import draft_answers as policy_draft

__all__ = ["Answers", "card_value", "draft_answers", "html_to_text", "normalize_command_text"]

_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"}


def card_value(question: Question, value: Any) -> str | None:
    """An answer as the card input's `value`."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def draft_answers(text: str) -> tuple[Answers, str | None]:
    """Answers pre-filled from free text (after the command, or a message turned into one),
    cut to the length a draft may have, and what to tell the user when it was cut."""
    answers, cut = policy_draft(text)
    return answers, T.PREFILL_CUT.format(max=TEXT_MAX) if cut else None


def normalize_command_text(text: str) -> str:
    """Message text as typed: NFC, no non-breaking spaces, trimmed."""
    text = unicodedata.normalize("NFC", text).replace("\xa0", " ")
    return text.strip()


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """The visible text of a Teams message body (HTML), with paragraphs kept as lines."""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
