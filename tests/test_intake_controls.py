"""Control, separator and bidi characters in the intake's free-text answers.

The draft is pasted from anywhere, so what no surface can show is removed from it (line
breaks of every kind become one newline; tabs stay). A one-line answer (title, department,
alt text) is typed into a one-line input on every surface, so a control character there is
refused with a Danish message naming the field. A lone surrogate is no text at all and is
refused everywhere. A stored intake is read as it was accepted: cleaned, never refused.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from bot.core import Core
from bot.proposal import Actor, Decision, Status
from policy import intake_errors, parse_intake
from tests.conftest import intake_data

ONE_LINE = ["title", "department", "alt_text"]

# The classes of character the intake must not pass on as they are, one example each.
CONTROLS = {
    "nul": "\x00",
    "bell": "\x07",
    "escape": "\x1b[31m",
    "delete": "\x7f",
    "c1-csi": "\x9b",
    "tab": "\t",
    "newline": "\n",
    "carriage-return": "\r",
    "crlf": "\r\n",
    "vertical-tab": "\x0b",
    "form-feed": "\x0c",
    "next-line": "\x85",
    "line-separator": "\u2028",
    "paragraph-separator": "\u2029",
    "rtl-override": "\u202e",
    "ltr-embedding": "\u202a",
    "pop-formatting": "\u202c",
    "lri-isolate": "\u2066",
    "rli-isolate": "\u2067",
    "fsi-isolate": "\u2068",
    "pop-isolate": "\u2069",
}

ONE_LINE_MESSAGES = {
    "title": "Titlen må ikke indeholde linjeskift, tabulatorer eller usynlige styretegn. "
             "Skriv den på én linje.",
    "department": "Afdelingens navn må ikke indeholde linjeskift, tabulatorer eller usynlige "
                  "styretegn. Skriv det på én linje.",
    "alt_text": "Alt-teksten må ikke indeholde linjeskift, tabulatorer eller usynlige "
                "styretegn. Skriv den på én linje.",
}

INVALID_MESSAGES = {
    "title": "Skriv titlen som almindelig tekst.",
    "department": "Skriv afdelingens navn som almindelig tekst.",
    "alt_text": "Skriv alt-teksten som almindelig tekst.",
    "text": "Skriv teksten som almindelig tekst.",
}

# In the draft: line breaks of every kind become "\n", tabs stay, the rest goes.
DRAFT_KEEPS = {
    "tab": "\t", "newline": "\n", "carriage-return": "\n", "crlf": "\n", "vertical-tab": "\n",
    "form-feed": "\n", "next-line": "\n", "line-separator": "\n", "paragraph-separator": "\n",
}

ANNA = Actor(platform="console", user_id="anna", name="Anna Jensen")
CHEF = Actor(platform="console", user_id="chef", name="Chef Hansen")


def answers(**overrides: Any) -> dict[str, Any]:
    return intake_data(**overrides)


def stored_value(field: str, value: str) -> Any:
    return getattr(parse_intake(answers(**{field: value})), field)


# -- one-line answers -------------------------------------------------------------------------


@pytest.mark.parametrize("field", ONE_LINE)
@pytest.mark.parametrize("kind", list(CONTROLS))
def test_a_control_character_in_a_one_line_answer_is_refused_naming_the_field(
    field: str, kind: str
) -> None:
    value = f"Før{CONTROLS[kind]}efter"

    assert intake_errors(answers(**{field: value})) == {field: ONE_LINE_MESSAGES[field]}
    with pytest.raises(ValidationError) as caught:
        parse_intake(answers(**{field: value}))
    assert [error["loc"] for error in caught.value.errors()] == [(field,)]


@pytest.mark.parametrize("field", ONE_LINE)
def test_a_lone_surrogate_in_a_one_line_answer_is_refused(field: str) -> None:
    assert intake_errors(answers(**{field: "Halvt \udfff tegn"})) == {
        field: INVALID_MESSAGES[field]
    }


@pytest.mark.parametrize("field", ONE_LINE)
def test_a_line_break_at_either_end_of_a_one_line_answer_is_only_whitespace(field: str) -> None:
    assert stored_value(field, "\r\n Teknik og Miljø\n") == "Teknik og Miljø"


@pytest.mark.parametrize("field", ONE_LINE)
@pytest.mark.parametrize("value", [
    "Skole og Dagtilbud",
    "Fest 🎉👩‍👩‍👧‍👦 i Grenaa",  # zero-width joiners hold an emoji together
    "Nord\u200bdjurs",  # a zero-width space is a format character, not a control
    "مرحبا بكم في نورددجورس\u200f",  # Arabic with a right-to-left mark
    "Ærø og A\u030arhus",  # combining marks
])
def test_ordinary_one_line_answers_are_kept_as_typed(field: str, value: str) -> None:
    assert intake_errors(answers(**{field: value})) == {}
    assert stored_value(field, value) == value


# -- the draft --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(CONTROLS))
def test_a_control_character_in_the_draft_is_removed_or_made_a_newline(kind: str) -> None:
    draft = f"Før{CONTROLS[kind]}efter"
    kept = DRAFT_KEEPS.get(kind, "")
    if kind == "escape":
        kept = "[31m"  # the escape character goes; what followed it is ordinary text

    assert intake_errors(answers(text=draft)) == {}
    assert stored_value("text", draft) == f"Før{kept}efter"


def test_the_draft_keeps_its_paragraphs_and_tabs() -> None:
    draft = "Kære borgere\n\nVi planter træer.\n\tKom og hjælp!"
    assert stored_value("text", draft) == draft


def test_a_draft_of_only_control_characters_is_empty() -> None:
    assert intake_errors(answers(text="\x00\x07\u202e\x1b")) == {
        "text": "Skriv teksten til opslaget."
    }


def test_removed_characters_do_not_count_towards_the_limit() -> None:
    draft = "x" * 3000 + "\x00" * 10 + "\u202e"
    assert intake_errors(answers(text=draft)) == {}
    assert stored_value("text", draft) == "x" * 3000


def test_a_draft_over_the_limit_is_told_its_length_as_the_limit_counts_it() -> None:
    draft = "\x00".join(["x" * 1000, "x" * 1000, "x" * 1001])  # 3,003 sent, 3,001 counted
    assert intake_errors(answers(text=draft)) == {
        "text": "Teksten må højst være 3.000 tegn (din er 3.001)."
    }


def test_a_crlf_counts_as_one_character() -> None:
    draft = ("x" * 98 + "\r\n") * 30  # 3,000 characters with "\n", 3,030 with "\r\n"
    assert intake_errors(answers(text=draft)) == {}
    assert len(stored_value("text", draft)) == 99 * 30 - 1


def test_a_lone_surrogate_in_the_draft_is_refused() -> None:
    assert intake_errors(answers(text="\ud800 halvt tegn")) == {"text": INVALID_MESSAGES["text"]}


def test_the_faked_direction_shows_as_it_is_written() -> None:
    """U+202E shows "Fakturaen exe.fdp" as "Fakturaen pdf.exe"; the review shows the truth."""
    assert stored_value("text", "Fakturaen \u202eexe.fdp\u202c er vedhæftet") == (
        "Fakturaen exe.fdp er vedhæftet"
    )


# -- errors and parsing agree ----------------------------------------------------------------


@pytest.mark.parametrize("field", [*ONE_LINE, "text", "link"])
@pytest.mark.parametrize("kind", ["nul", "newline", "rtl-override", "pop-isolate"])
def test_no_errors_exactly_when_parse_intake_succeeds(field: str, kind: str) -> None:
    value = f"https://norddjurs.dk/a{CONTROLS[kind]}b" if field == "link" else f"a{CONTROLS[kind]}b"
    data = answers(**{field: value})
    errors = intake_errors(data)
    try:
        parse_intake(data)
    except ValidationError:
        assert list(errors) == [field]
    else:
        assert errors == {}


# -- what the store already holds -------------------------------------------------------------


def _store_as_accepted_earlier(core: Core, proposal_id: int, **intake: Any) -> None:
    """Write intake values an earlier version accepted straight into the proposal's row."""
    db = core.store.db
    (row,) = db.execute("SELECT intake FROM proposals WHERE id = ?", [proposal_id]).fetchall()
    stored = {**json.loads(row[0]), **intake}
    with db.conn:
        db.execute("UPDATE proposals SET intake = ? WHERE id = ?",
                   [json.dumps(stored), proposal_id])


def test_a_proposal_stored_before_these_rules_is_read_cleaned_and_can_be_decided(
    core: Core,
) -> None:
    pid = core.workflow.submit(parse_intake(intake_data()), ANNA).id
    _store_as_accepted_earlier(
        core, pid, title="Godkendt\n*Status: godkendt*", department="Teknik\x00 og Miljø",
        alt_text="To børn\u2028i sandkassen", text="Før\x00efter\r\nnæste",
        link="http://norddjurs.dk/",
    )

    proposal = core.workflow.get(pid)
    assert proposal.intake.title == "Godkendt *Status: godkendt*"
    assert proposal.intake.department == "Teknik og Miljø"
    assert proposal.intake.alt_text == "To børn i sandkassen"
    assert proposal.intake.text == "Førefter\nnæste"
    assert proposal.intake.link == "http://norddjurs.dk/"  # kept: it was accepted then

    core.workflow.decide(pid, Decision.APPROVE, CHEF)
    assert core.workflow.get(pid).status is Status.APPROVED
