"""The terminal chat (`opslag chat`) as a person types it: the questions numbered out of those
that apply, answers by number or name, dates as Danes write them, Ctrl-D, then the advice and
Send til godkendelse / ret / nej. Only "ja" stores. The day is the core's FakeClock's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.core import Core
from bot.proposal import Actor
from bot.submission import Submission
from handlers.console import TEXT
from handlers.console_chat import chat
from tests.conftest import FakeClock

ANNA = Actor(platform="console", user_id="anna", name="anna")
# Ctrl-D: `input()` raises EOFError.
EOF = object()
SEND = "send"
# The advice's title (bot/advice.py): shown once, before the question whether to send.
ADVICE = "Anbefaling"


class Person:
    """Types the answers given per question id (in order, one line each; EOF for Ctrl-D)
    to whichever question the chat showed last, and Enter where none is left."""

    def __init__(self, core: Core, answers: dict[str, list[Any]]) -> None:
        self.labels = {q.label: q.id for q in core.workflow.questions()}
        self.queue = {key: list(lines) for key, lines in answers.items()}
        self.shown: list[str] = []
        self.asked: list[str] = []  # the question id (or SEND) of each line read
        self.numbered: dict[str, str] = {}  # question id -> "Spørgsmål 3 af 10", as last shown

    def say(self, text: str) -> None:
        self.shown.extend(text.split("\n"))

    def ask(self, prompt: str = "") -> str:
        key = self.current()
        self.asked.append(key)
        if len(self.asked) > 300:
            raise AssertionError("the chat keeps asking:\n" + self.output)
        queue = self.queue.get(key)
        if not queue:
            if key == SEND:
                raise AssertionError("no answer to the question whether to send")
            return ""
        line = queue.pop(0)
        if line is EOF:
            raise EOFError
        return str(line)

    def current(self) -> str:
        for line in reversed(self.shown):
            if line == TEXT["send"]:
                return SEND
            if line.startswith("Spørgsmål "):
                qid = next(qid for label, qid in self.labels.items() if f": {label}" in line)
                self.numbered[qid] = line.split(":")[0]
                return qid
        raise AssertionError("a line was read before any question")

    @property
    def output(self) -> str:
        return "\n".join(self.shown)

    def headers(self) -> list[str]:
        """The numbered question lines, "Spørgsmål 3 af 10", in order."""
        return [line.split(":")[0] for line in self.shown if line.startswith("Spørgsmål ")]


# A valid proposal: no media, not a job ad, the rest skipped with Enter.
BASE: dict[str, list[Any]] = {
    "audience": ["1"],
    "theme": ["klima"],
    "content_type": ["nyhed"],
    "crisis": ["nej"],
    "has_media": ["nej"],
    "text": ["Vi planter træer i Grenaa.", ""],
}


def talk(core: Core, send: list[Any] | None = None, **answers: list[Any]) -> tuple[
    Person, Submission | None
]:
    person = Person(core, {**BASE, **answers, SEND: send or ["ja"]})
    return person, chat(core, person.ask, person.say, ANNA)


def stored_intake(core: Core) -> Any:
    (proposal,) = core.store.list_proposals()
    return proposal.intake


# ---------------------------------------------------------------- advice first, then send


def test_ja_stores_once_and_shows_the_receipt_without_the_advice_again(core: Core) -> None:
    person, result = talk(core)
    assert result is not None and result.proposal is not None
    out = person.output
    assert out.count(ADVICE) == 1
    send_at = out.index(TEXT["send"])
    assert out.index(ADVICE) < send_at  # the advice comes before the choice
    after = out[send_at:]
    assert f"Gemt som forslag nr. {result.proposal.id}" in after
    assert ADVICE not in after and "Begrundelser" not in after
    assert stored_intake(core).text == "Vi planter træer i Grenaa."
    assert person.asked.count(SEND) == 1


def test_nej_stores_nothing(core: Core) -> None:
    person, result = talk(core, send=["nej"])
    assert result is None
    assert person.shown[-1] == "Intet er gemt."
    assert core.store.list_proposals() == []


def test_another_answer_asks_again(core: Core) -> None:
    person, _ = talk(core, send=["måske", "", "ja"])
    assert person.asked.count(SEND) == 3
    assert person.output.count(TEXT["send_hint"]) == 2
    assert len(core.store.list_proposals()) == 1


def test_ret_goes_back_with_every_answer_kept(core: Core) -> None:
    # Second round: only the theme and the text are changed; Enter keeps every other answer.
    person, _ = talk(
        core, send=["ret", "ja"],
        audience=["1 4"], theme=["klima", "natur"], planned_for=["3/12"], title=["Træer"],
        text=["Vi planter træer i Grenaa.", "", "Vi planter træer i Grenaa på lørdag.", ""],
    )
    intake = stored_intake(core)
    assert intake.audience == ["borgere", "tilflyttere"]
    assert intake.theme == "natur_kultur"
    assert intake.content_type == "nyhed"
    assert intake.planned_for == dt.date(2026, 12, 3)
    assert intake.title == "Træer"
    assert intake.text == "Vi planter træer i Grenaa på lørdag."
    second = person.output[person.output.index(TEXT["editing"]):]
    assert "Nu: Borgere i kommunen, Mulige tilflyttere. Tryk Enter" in second
    assert "Nu: 3. december 2026." in second
    assert "Nu: »Vi planter træer i Grenaa.«" in second
    assert person.output.count(ADVICE) == 2  # the advice on the corrected answers
    assert len(core.store.list_proposals()) == 1


def test_ret_can_remove_an_optional_answer(core: Core) -> None:
    talk(core, send=["ret", "ja"], title=["Træer", "-"])
    assert stored_intake(core).title is None


def test_a_link_without_https_is_offered_back_as_it_will_be_stored(core: Core) -> None:
    person, _ = talk(core, send=["ret", "ja"], link=["norddjurs.dk/traeer"])
    out = person.output
    assert out.count("Linket bliver gemt som https://norddjurs.dk/traeer") == 1
    assert out.index("Linket bliver gemt") < out.index(ADVICE)
    assert "Nu: »https://norddjurs.dk/traeer«" in out  # when correcting, too
    assert stored_intake(core).link == "https://norddjurs.dk/traeer"


def test_a_link_typed_with_https_is_not_repeated(core: Core) -> None:
    person, _ = talk(core, link=["https://norddjurs.dk/traeer"])
    assert "Linket bliver gemt" not in person.output


# ---------------------------------------------------------------- the long text and Ctrl-D


def test_the_long_text_says_how_to_end_it(core: Core) -> None:
    person, _ = talk(core)
    text_at = next(i for i, line in enumerate(person.shown) if "Skriv teksten" in line)
    assert "Afslut med en tom linje eller Ctrl-D." in "\n".join(person.shown[text_at:])


def test_ctrl_d_ends_the_long_text_and_keeps_every_answer(core: Core) -> None:
    person, result = talk(core, text=["Første linje.", "Anden linje.", EOF],
                          link=["norddjurs.dk/traeer"])
    assert result is not None and result.proposal is not None
    intake = stored_intake(core)
    assert intake.text == "Første linje.\nAnden linje."
    assert intake.theme == "klima_miljoe"
    assert intake.link == "https://norddjurs.dk/traeer"  # asked after the text, still asked
    assert "link" in person.asked


@pytest.mark.parametrize("where", ["theme", "planned_for", SEND])
def test_ctrl_d_elsewhere_leaves_and_stores_nothing(core: Core, where: str) -> None:
    with pytest.raises(EOFError):
        talk(core, **{where: [EOF]})
    assert core.store.list_proposals() == []


def test_ctrl_d_before_any_text_leaves(core: Core) -> None:
    with pytest.raises(EOFError):
        talk(core, text=[EOF])
    assert core.store.list_proposals() == []


# ---------------------------------------------------------------- choices as people type them


@pytest.mark.parametrize("typed", ["1 4", "1,4", "1, 4", "1 og 4", "borgere og tilflyttere",
                                   "Borgere, Mulige", "BORGERE TILFLYTTERE", "4 1 4"])
def test_audiences_by_numbers_or_names(core: Core, typed: str) -> None:
    talk(core, audience=[typed])
    assert sorted(stored_intake(core).audience) == ["borgere", "tilflyttere"]


@pytest.mark.parametrize(("typed", "theme"), [
    ("8", "klima_miljoe"),
    ("Klima og miljø", "klima_miljoe"),
    ("natur", "natur_kultur"),
    ("Bolig- og erhvervsgrunde", "grunde"),  # a name with "og" in it is one choice
    ("erhverv", "erhverv_job"),
])
def test_a_theme_by_number_or_name(core: Core, typed: str, theme: str) -> None:
    talk(core, theme=[typed])
    assert stored_intake(core).theme == theme


def test_an_ambiguous_or_unknown_name_is_explained_and_asked_again(core: Core) -> None:
    person, _ = talk(core, theme=["bo", "vejr", "12", "1 2", "bos"])
    out = person.output
    assert ("»bo« passer på flere: 1. Bosætning (fx skoler, dagtilbud, sundhed), "
            "3. Bolig- og erhvervsgrunde.") in out
    assert "»vejr« er ikke et af valgene." in out
    assert "»12« er ikke et af valgene." in out
    assert TEXT["only_one"] in out
    assert stored_intake(core).theme == "bosaetning"
    assert person.asked.count("theme") == 5


# ---------------------------------------------------------------- dates as people type them


@pytest.mark.parametrize("typed", ["3. december", "3 dec", "3. dec.", "3/12", "3-12", "3.12",
                                   "03-12-2026", "2026-12-03", "d. 3. December"])
def test_a_date_as_people_write_it(core: Core, typed: str) -> None:
    person, _ = talk(core, planned_for=[typed])
    assert stored_intake(core).planned_for == dt.date(2026, 12, 3)
    assert "overstået" not in person.output


@pytest.mark.parametrize(("typed", "day"), [
    ("1/1", dt.date(2027, 1, 1)),  # the next 1 January from 23 November 2026
    ("23. november", dt.date(2026, 11, 23)),  # today is not past
    ("22. nov", dt.date(2027, 11, 22)),
    ("29/2", dt.date(2028, 2, 29)),
])
def test_a_day_without_a_year_is_the_next_such_day(core: Core, typed: str,
                                                   day: dt.date) -> None:
    talk(core, planned_for=[typed])
    assert stored_intake(core).planned_for == day


def test_the_next_such_day_is_counted_from_the_clocks_today(
    core: Core, clock: FakeClock
) -> None:
    clock.now = dt.datetime(2026, 12, 3, 23, 30, tzinfo=dt.UTC)  # 4 December in Denmark
    talk(core, planned_for=["3/12"])
    assert stored_intake(core).planned_for == dt.date(2027, 12, 3)


def test_a_date_that_is_not_one_is_asked_again(core: Core) -> None:
    person, _ = talk(core, planned_for=["31/11", "i morgen", "3/12"])
    assert person.output.count(TEXT["bad_date"]) == 2
    assert stored_intake(core).planned_for == dt.date(2026, 12, 3)


def test_a_past_date_is_warned_about_and_kept_when_confirmed(core: Core) -> None:
    person, _ = talk(core, planned_for=["2026-11-01", "ja"])
    assert "Datoen er overstået – er det rigtigt?" in person.output
    assert stored_intake(core).planned_for == dt.date(2026, 11, 1)


def test_a_past_date_can_be_retyped_at_the_warning(core: Core) -> None:
    person, _ = talk(core, planned_for=["1/11/2026", "3. december"])
    assert person.output.count("Datoen er overstået") == 1
    assert stored_intake(core).planned_for == dt.date(2026, 12, 3)


def test_nej_at_the_warning_asks_for_another_date(core: Core) -> None:
    person, _ = talk(core, planned_for=["2026-11-01", "nej", "2026-11-02", "nej", "3/12"])
    assert person.output.count(TEXT["other_date"]) == 2
    assert stored_intake(core).planned_for == dt.date(2026, 12, 3)


# ---------------------------------------------------------------- the number of each question


def test_each_question_shows_its_number_out_of_those_that_apply(core: Core) -> None:
    person, _ = talk(core)
    headers = person.headers()
    total = len(headers)
    assert headers == [f"Spørgsmål {n} af {total}" for n in range(1, total + 1)]


def test_the_total_changes_as_answers_make_questions_apply(core: Core) -> None:
    plain, _ = talk(core)
    without_media = len(plain.headers())

    person, _ = talk(core, has_media=["ja"], media_kind=["foto"], people_in_media=["voksne"],
                     consent=["ja"], alt_text=["Folk planter træer"])
    by_id = person.numbered
    media_at = list(by_id).index("has_media") + 1
    # Before the answer, the media questions do not count; after it they do: the photo's
    # kind, the people on it, the alt text, and then their consent once people are on it.
    assert by_id["has_media"] == f"Spørgsmål {media_at} af {without_media}"
    assert by_id["media_kind"] == f"Spørgsmål {media_at + 1} af {without_media + 3}"
    assert by_id["consent"] == f"Spørgsmål {media_at + 3} af {without_media + 4}"
    assert person.headers()[-1].endswith(f"af {without_media + 4}")
