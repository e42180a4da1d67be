"""Reading what a person types in the terminal: dates as Danes write them, and choices by
number or by name. Pure functions: the chat (handlers/console_chat.py) says what went wrong,
in console's words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from policy.models import Option

MONTHS: Final = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)
# A month may be shortened to its first three letters or more ("dec", "sept", "okt.").
MONTH_PREFIX_MIN: Final = 3
# A day/month without a year: the next such day from today. 29 February may be years away.
LEAP_YEARS_AHEAD: Final = 8

# "3/12", "3-12", "3.12", "03-12-2026", "3/12/26": day first, as Danes write it.
_NUMERIC = re.compile(r"(\d{1,2})\s*[./-]\s*(\d{1,2})(?:\s*[./-]\s*(\d{4}|\d{2}))?\.?")
# "3. december", "3 dec", "3. dec. 2026", "3.dec".
_NAMED = re.compile(r"(\d{1,2})\.?\s*([^\W\d_]+)\.?(?:\s+(\d{4}))?")
# "den 3. december", "d. 3/12": the article people put in front.
_ARTICLE = re.compile(r"^(?:den|d\.)\s*", re.IGNORECASE)

# Between several choices: a comma, a semicolon, "og", "&" or "+".
_CHOICE_SEPARATORS = re.compile(r"\s*[,;&+]\s*|\s+og\s+", re.IGNORECASE)
_NUMBERS = re.compile(r"\d+(?:\s+\d+)*")
# A word inside a label is matched from this many letters on ("børn" in "Ja, børn ...").
WORD_PREFIX_MIN: Final = 3


def parse_date(raw: str, today: dt.date) -> dt.date | None:
    """The day `raw` names, or None. A day and month without a year is the next such day,
    today included."""
    text = _ARTICLE.sub("", raw.strip()).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    if match := _NUMERIC.fullmatch(text):
        day, month, year = match.groups()
        return _day(int(day), int(month), year, today)
    if match := _NAMED.fullmatch(text):
        day, name, year = match.groups()
        month = month_number(name)
        return _day(int(day), month, year, today) if month else None
    return None


def month_number(name: str) -> int | None:
    """1-12 for a Danish month name or its abbreviation (three letters or more)."""
    word = name.casefold().rstrip(".")
    if len(word) < MONTH_PREFIX_MIN:
        return None
    found = [number for number, month in enumerate(MONTHS, start=1) if month.startswith(word)]
    return found[0] if len(found) == 1 else None


def _day(day: int, month: int, year: str | None, today: dt.date) -> dt.date | None:
    if year is not None:
        full = int(year) + (2000 if len(year) == 2 else 0)
        return _date_or_none(full, month, day)
    for ahead in range(LEAP_YEARS_AHEAD + 1):
        found = _date_or_none(today.year + ahead, month, day)
        if found is not None and found >= today:
            return found
    return None


def _date_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def danish_date(day: dt.date) -> str:
    """"3. december 2026"."""
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True, slots=True)
class Unclear:
    """A typed choice that names no option (`matches` empty: an unknown word or a number out
    of range) or several (`matches`: the options it could be)."""

    word: str
    matches: tuple[Option, ...] = ()


def parse_choices(raw: str, options: Sequence[Option]) -> list[str] | Unclear:
    """The option values `raw` picks, in the order typed and each once: numbers ("1 4", "1,4",
    "1 og 4") or names, a label's or value's beginning (case does not matter)."""
    text = raw.strip()
    whole = _named(text, options)  # a label that holds "og" or a comma is one choice
    if len(whole) == 1:
        return [whole[0].value]
    picked: list[str] = []
    for part in (p for p in _CHOICE_SEPARATORS.split(text) if p.strip()):
        found = _part(part.strip(), options)
        if isinstance(found, Unclear):
            return found
        picked.extend(found)
    if not picked:
        return Unclear(text)
    return list(dict.fromkeys(picked))


def _part(part: str, options: Sequence[Option]) -> list[str] | Unclear:
    """One part between separators: numbers, a name, or names separated by spaces."""
    if _NUMBERS.fullmatch(part):
        numbers = [int(number) for number in part.split()]
        for number in numbers:
            if not 1 <= number <= len(options):
                return Unclear(str(number))
        return [options[number - 1].value for number in numbers]
    named = _named(part, options)
    if len(named) == 1:
        return [named[0].value]
    if named:
        return Unclear(part, tuple(named))
    if len(part.split()) == 1:
        return Unclear(part)
    values: list[str] = []
    for word in part.split():  # "borgere turister": each word a name
        found = _part(word, options)
        if isinstance(found, Unclear):
            return found
        values.extend(found)
    return values


def _named(word: str, options: Sequence[Option]) -> list[Option]:
    """The options `word` names: exactly, else by the beginning of the label or value, else
    by the beginning of a word in the label. Several: it is ambiguous."""
    key = word.casefold()
    if not key:
        return []
    tiers = (
        lambda o: key in (o.label.casefold(), o.value.casefold()),
        lambda o: o.label.casefold().startswith(key) or o.value.casefold().startswith(key),
        lambda o: len(key) >= WORD_PREFIX_MIN
        and any(w.startswith(key) for w in re.findall(r"\w+", o.label.casefold())),
    )
    for matches in tiers:
        found = [option for option in options if matches(option)]
        if found:
            return found
    return []


Send = Literal["send", "edit", "drop"]
# What a person answers to "Send til godkendelse? (ja / ret / nej)".
SEND_WORDS: Final[dict[str, Send]] = {
    "ja": "send", "j": "send", "send": "send",
    "ret": "edit", "r": "edit",
    "nej": "drop", "n": "drop", "drop": "drop",
}


def send_choice(raw: str) -> Send | None:
    return SEND_WORDS.get(raw.strip().casefold().rstrip("."))
