"""Departments as data (issue 12 §1): the departments file (OPSLAG_DEPARTMENTS) names each
department, its aliases, its own profiles and pages, its review channel and its reviewers per
platform. It is checked at start: a wrong file stops the server with one Danish line naming
the file, the line and the key. With it, the department question is a choice from the file
and the advice names the department's own channels."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from bot.core import Core, build_core
from bot.departments import load_departments
from bot.proposal import Actor
from bot.workflow import InvalidState
from opslag import cli
from policy import parse_intake
from policy.answers import question_list
from policy.models import QuestionKind
from tests.conftest import FakeClock, intake_data
from tests.fakes.slack_api import FakeSlackApi
from tests.slack import conftest as slack
from tests.slack.conftest import StartServer
from tests.slack.helpers import open_modal, propose, texts

# The Slack surface's fixtures (tests/slack/conftest.py): these tests propose in Slack too.
slack_settings, start_server = slack.slack_settings, slack.start_server

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "departments.example.yaml"
PROPOSER = Actor(platform="console", user_id="anna", name="Anna Jensen")
# A post for the department's own channels (an event at one place, outside the strengths).
LOCAL_EVENT = {"content_type": "begivenhed", "theme": "andet", "audience": ["borgere"],
               "title": "Forfatteraften på biblioteket", "department": "Kultur og Fritid",
               "text": "Kom til forfatteraften på Grenaa Bibliotek torsdag kl. 19."}
LIBRARY = "Facebook: Norddjurs Bibliotekerne"


@pytest.fixture
def with_departments(make_settings: Any, clock: FakeClock) -> Any:
    cores: list[Core] = []

    def build(path: Path | None = EXAMPLE, **values: Any) -> Core:
        built = build_core(make_settings(opslag_departments=path, **values), clock=clock)
        cores.append(built)
        return built

    yield build
    for built in cores:
        built.close()


def test_the_norddjurs_example_is_a_departments_file() -> None:
    departments = load_departments(EXAMPLE)

    assert departments.names() == (
        "Børn og Skole", "Social og Sundhed", "Teknik og Miljø", "Kultur og Fritid",
        "Job og Borgerservice",
    )
    school = departments.find("skole og  DAGTILBUD")  # an alias, however it is typed
    assert school is not None and school.name == "Børn og Skole"
    assert school.is_reviewer("slack", "U05METTEPAED")
    assert not school.is_reviewer("teams", "U05METTEPAED")  # ids are per platform
    assert school.channel("slack") == "C05BOERNSKOLE" and school.channel("intranet") is None
    culture = departments.find("Kultur og Fritid")
    assert culture is not None and not culture.has_reviewers
    assert departments.find("Økonomi") is None
    assert departments.platforms() == {"slack", "teams"}


# -- a wrong file stops the server ----------------------------------------------------------

EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")
PREFIX = "opslag: Ugyldig indstilling OPSLAG_DEPARTMENTS: afdelinger.yaml"
SCHOOL = "departments → nr. 1 (»Børn og Skole«)"
BROKEN = [
    pytest.param("slack: [U05METTEPAED, U05JENSSKOLE]", "slack: U05METTEPAED",
                 f", linje 36, {SCHOOL} → reviewers → slack: skal være en liste",
                 id="reviewers-not-a-list"),
    pytest.param("    reviewers:\n      slack: [U05METTEPAED", "    reviewer:\n      slack: [U05M",
                 f", linje 35, {SCHOOL} → reviewer: ukendt nøgle", id="misspelt-key"),
    pytest.param("      slack: C05TEKMIL", "      Slack: C05TEKMIL",
                 ", linje 56, departments → nr. 3 (»Teknik og Miljø«) → review_channel → "
                 "Slack: skal være en platforms navn, med små bogstaver",
                 id="platform-in-capitals"),
    pytest.param("  - name: Kultur og Fritid\n", "  - title: Kultur og Fritid\n",
                 ", linje 62, departments → nr. 4: mangler nøglen »name«", id="no-name"),
    pytest.param("Bibliotekerne, Kulturhusene]", "Bibliotekerne, Kulturhusene, Vej og Park]",
                 ", linje 62, departments → nr. 4 (»Kultur og Fritid«): navnet »Vej og Park« "
                 "bruges af mere end én afdeling", id="alias-of-two-departments"),
    pytest.param("    profiles:\n      - norddjurs.dk/borger/job",
                 "    aliases: [Jobcenter]\n    profiles:\n      - norddjurs.dk/borger/job",
                 ", linje 72: nøglen »aliases« står to gange", id="key-twice"),
    pytest.param("    aliases: [Skole og Dagtilbud,", "    aliases: [Skole og Dagtilbud,:",
                 ", linje 27: ikke gyldig YAML", id="not-yaml"),
    pytest.param(EXAMPLE_TEXT, "", ": filen er tom", id="empty"),
]


def serve_with(folder: Path, text: str | None, monkeypatch: Any,
               capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`opslag serve` with OPSLAG_DEPARTMENTS naming `afdelinger.yaml` in `folder` (absent
    when `text` is None); the server itself must never start."""
    path = folder / "afdelinger.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("OPSLAG_DEPARTMENTS", str(path))

    def started(settings: Any) -> None:
        raise AssertionError("the server started with a wrong departments file")

    monkeypatch.setattr("opslag.server.main", started)
    monkeypatch.setattr(sys, "argv", ["opslag", "serve"])
    code = cli.main(["serve"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("old, new, says", BROKEN)
def test_a_wrong_departments_file_stops_the_server_with_one_danish_line(
    make_settings: Any, db_path: Path, monkeypatch: Any, capsys: pytest.CaptureFixture[str],
    old: str, new: str, says: str,
) -> None:
    make_settings()  # clears the environment and moves into the temporary folder
    assert EXAMPLE_TEXT.count(old) == 1
    code, out, err = serve_with(db_path.parent, EXAMPLE_TEXT.replace(old, new), monkeypatch,
                                capsys)
    assert (code, out) == (2, "")
    assert err.startswith(PREFIX + says), err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_a_missing_departments_file_is_named(
    make_settings: Any, db_path: Path, monkeypatch: Any, capsys: pytest.CaptureFixture[str],
) -> None:
    make_settings()
    code, _, err = serve_with(db_path.parent, None, monkeypatch, capsys)
    assert code == 2
    assert err == (f"opslag: Ugyldig indstilling OPSLAG_DEPARTMENTS: filen "
                   f"{db_path.parent / 'afdelinger.yaml'} findes ikke\n")


# -- the question and the advice --------------------------------------------------------------


def test_the_department_question_is_a_choice_from_the_file(with_departments: Any) -> None:
    listed = with_departments().workflow.questions()
    free = with_departments(None).workflow.questions()

    (question,) = [q for q in listed if q.id == "department"]
    assert question.label == "Hvilken afdeling kommer opslaget fra?"
    assert question.kind is QuestionKind.CHOICE
    assert [(o.value, o.label) for o in question.options] == [
        (name, name) for name in load_departments(EXAMPLE).names()
    ]
    assert question.help.startswith("Vælg afdelingen på listen.")
    # Without the file it stays free text, and every other question is the same either way.
    assert next(q for q in free if q.id == "department").kind is QuestionKind.SHORT_TEXT
    assert [q for q in listed if q.id != "department"] == [
        q for q in free if q.id != "department"
    ]
    assert free == question_list()


async def test_an_alias_typed_in_slack_is_stored_as_the_departments_name(
    start_server: StartServer, make_settings: Any
) -> None:
    server = await start_server(opslag_departments=EXAMPLE)
    pid = await propose(server, department="børn & skole")
    assert server.core.workflow.get(pid).intake.department == "Børn og Skole"


def test_a_department_not_in_the_file_is_refused_and_nothing_is_stored(
    with_departments: Any,
) -> None:
    core = with_departments()
    with pytest.raises(InvalidState) as refused:
        core.workflow.submit(parse_intake(intake_data(department="Økonomi")), PROPOSER)
    assert refused.value.message == (
        "Afdelingen »Økonomi« står ikke på listen. Vælg en af: Børn og Skole, Social og "
        "Sundhed, Teknik og Miljø, Kultur og Fritid, Job og Borgerservice."
    )
    assert core.store.list_proposals() == []
    # Without a department nothing is refused: the question may be skipped.
    assert core.workflow.submit(parse_intake(intake_data(department=None)), PROPOSER).id


async def test_the_advice_names_the_departments_own_channels(
    start_server: StartServer, slack_api: FakeSlackApi
) -> None:
    server = await start_server(opslag_departments=EXAMPLE)
    view = await open_modal(server)
    advice = await server.submit(view, intake_data(**LOCAL_EVENT))

    shown = texts({"blocks": advice.json()["view"]["blocks"]})
    assert LIBRARY in shown and "Instagram: Kultur i Norddjurs" in shown

    pid = await propose(server, **LOCAL_EVENT)
    stored = server.core.workflow.get(pid).recommendation
    # Kultur og Fritid has no reviewers in the example: the central team approves in its place.
    assert stored.review.route == "central" and "ingen godkendere i Opslag" in stored.review.reason
    assert stored.summary[0].startswith(
        f"Hvor: Afdelingens egne kanaler ({LIBRARY}, Instagram: Kultur i Norddjurs og "
        "norddjurs.dk/borger/kultur-og-fritid)."
    )
    assert stored.review.reason.startswith(
        f"Opslaget hører først og fremmest til på afdelingens egne kanaler ({LIBRARY}, "
    )
    assert stored.tone_tips["department"][0].startswith(f"Jeres egne kanaler: {LIBRARY}, ")


def test_without_the_file_the_advice_stays_generic(with_departments: Any) -> None:
    advice = with_departments(None).workflow.advise(parse_intake(intake_data(**LOCAL_EVENT)))
    assert advice.summary[0].startswith("Hvor: Afdelingens egne kanaler.")
    assert LIBRARY not in str(advice.model_dump())
