"""Answers between the intake card and the policy: card values in, intake answers out.

Input ids are the intake field names and choice values the policy's machine keys, so this
module only converts the card's string values (comma lists, "true"/"false") to answers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

from handlers.teams import text as T
from policy import TEXT_MAX, Intake, Question, questions

Answers = dict[str, Any]

_TRUE = {"true", "ja", "yes", "1"}
_FALSE = {"false", "nej", "no", "0"}
_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"}


def parse_answers(data: Mapping[str, Any]) -> Answers:
    """The answers a card submitted, for the questions that apply to them."""
    asked = questions()  # a deep copy each call: once per card, not once per pass
    answers: Answers = {}
    for question in asked:
        value = _parse_value(question, data.get(question.id))
        if value is not None:
            answers[question.id] = value
    return {
        question.id: answers[question.id]
        for question in asked
        if question.id in answers and question.applies(answers)
    }


def _parse_value(question: Question, raw: Any) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if question.kind == "multi_choice":
        parts = raw if isinstance(raw, list) else str(raw).split(",")
        picked = [str(part).strip() for part in parts if str(part).strip()]
        return picked or None
    if question.kind == "bool":
        return _parse_bool(raw)
    return raw.strip() if isinstance(raw, str) else raw


def _parse_bool(raw: Any) -> Any:
    if isinstance(raw, bool):
        return raw
    lowered = str(raw).strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return raw  # the policy names the problem


def card_value(question: Question, value: Any) -> str | None:
    """An answer as the card input's `value`."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def answers_from_intake(intake: Intake) -> Answers:
    return intake.model_dump(mode="json", exclude_none=True)


def draft_answers(text: str) -> Answers:
    """Answers pre-filled from free text (after the command, or a message turned into one),
    cut to the length a draft may have (draft_notice says so)."""
    text = text.strip()
    return {"text": text[:TEXT_MAX]} if text else {}


def draft_notice(text: str) -> str | None:
    """What to tell the user when their text was too long to pre-fill whole."""
    return T.PREFILL_CUT.format(max=TEXT_MAX) if len(text.strip()) > TEXT_MAX else None


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
