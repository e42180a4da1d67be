"""Gates before approval (issue 12 §4): Approve is refused while people in the media have not
said yes, an image has no alt text or a video no subtitles. The reviewer may approve anyway
with a written reason, which the proposal's history, the review thread and the record keep.

Driven as the reviewer meets it: through the running server as Slack sends the clicks, and in
the terminal (`opslag decide`); the workflow's own answers are checked directly."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest

from bot import export
from bot.core import Core
from bot.proposal import Actor, Decision, Status
from bot.workflow import GatesOpen, InvalidState
from policy import parse_intake, questions
from tests.conftest import intake_data
from tests.fakes.slack_api import FakeSlackApi
from tests.slack import conftest as slack
from tests.slack.helpers import CHEF, REVIEW_CHANNEL, SlackServer, delivered, propose, texts
from tests.test_cli import run

# The Slack surface's fixtures (tests/slack/conftest.py): these tests click in Slack too.
slack_settings, start_server, server = slack.slack_settings, slack.start_server, slack.server

ANNA = Actor(platform="console", user_id="anna", name="Anna Jensen")
CENTRAL = Actor(platform="console", user_id="chef", name="Chef Hansen")
ZONE = dt.UTC

# The portrait with three nursery children that could be approved although nobody was asked.
NURSERY = {"content_type": "medarbejderportraet", "people_in_media": "boern", "consent": False,
           "media_kind": "foto", "title": "Tre børn i vuggestuen",
           "text": "Mød Mette, der er pædagog i vuggestuen Solsikken."}
WHY = "Forældrene har skrevet under på papir; samtykket ligger i institutionen."

# Each gate: the answers that open it, and what the reviewer is told.
GATES = [
    pytest.param(NURSERY, ["consent_missing"], "genkendelige personer", id="children-no"),
    pytest.param({"people_in_media": "voksne", "media_kind": "foto"}, ["consent_missing"],
                 "har ikke svaret ja", id="adults-unanswered"),
    pytest.param({"alt_text": None, "media_kind": "foto"}, ["alt_text_missing"],
                 "ingen alt-tekst", id="image-without-alt-text"),
    pytest.param({"alt_text": None}, ["alt_text_missing"], "ingen alt-tekst",
                 id="media-of-unknown-kind-without-alt-text"),
    pytest.param({"media_kind": "video", "captions": False, "alt_text": None},
                 ["captions_missing"], "ikke undertekster", id="video-without-subtitles"),
    pytest.param({"media_kind": "begge", "captions": None}, ["captions_missing"],
                 "ikke undertekster", id="video-subtitles-unanswered"),
    pytest.param({"media_kind": "begge", "alt_text": None, "people_in_media": "boern"},
                 ["consent_missing", "alt_text_missing", "captions_missing"], "Videoen",
                 id="all-three"),
]


def submit(core: Core, **answers: Any) -> int:
    return core.workflow.submit(parse_intake(intake_data(**answers)), ANNA).id


def stored(core: Core, pid: int) -> tuple[object, ...]:
    proposal = core.workflow.get(pid)
    return proposal.model_dump(), len(core.store.outbox_rows())


# -- the workflow's answer ----------------------------------------------------------------------


@pytest.mark.parametrize("answers, codes, says", GATES)
def test_approval_is_refused_while_a_gate_is_open_and_nothing_is_stored(
    core: Core, answers: dict[str, Any], codes: list[str], says: str
) -> None:
    pid = submit(core, **answers)
    proposal = core.workflow.get(pid)
    assert [gate.code for gate in core.workflow.gates(proposal)] == codes
    before = stored(core, pid)

    with pytest.raises(GatesOpen, match=says) as refused:
        core.workflow.decide(pid, Decision.APPROVE, CENTRAL, revision=1)

    message = refused.value.message
    assert message.startswith("Forslaget kan ikke godkendes endnu.")
    assert message.endswith("Bed om ændringer, eller godkend alligevel med en skriftlig "
                            "begrundelse.")
    assert [gate.code for gate in refused.value.gates] == codes
    assert stored(core, pid) == before
    # Asking for changes or rejecting is never held up.
    core.workflow.decide(pid, Decision.REQUEST_CHANGES, CENTRAL, "Tilføj det, der mangler")
    assert core.workflow.get(pid).status is Status.CHANGES_REQUESTED


def test_nothing_missing_is_approved_at_once(core: Core) -> None:
    pid = submit(core, people_in_media="boern", consent=True, media_kind="begge", captions=True)
    assert core.workflow.gates(core.workflow.get(pid)) == []
    outcome = core.workflow.decide(pid, Decision.APPROVE, CENTRAL)
    assert outcome.changed and outcome.proposal.overridden == []
    assert outcome.proposal.history[-1].details == {}


def test_each_gate_names_the_law_or_guidance_it_rests_on(core: Core) -> None:
    pid = submit(core, media_kind="begge", alt_text=None, people_in_media="voksne")
    cited = {gate.code: gate.guidance for gate in core.workflow.gates(core.workflow.get(pid))}
    assert "Datatilsynet" in cited["consent_missing"]
    for code in ("alt_text_missing", "captions_missing"):
        assert "lov nr. 692 af 8. juni 2018" in cited[code]  # the web accessibility law
        assert "Facebook" in cited[code] and "https://www.retsinformation.dk/" in cited[code]


def test_approving_anyway_needs_a_written_reason_which_the_record_keeps(core: Core) -> None:
    pid = submit(core, **NURSERY)
    before = stored(core, pid)
    for blank in (None, "", "   "):
        with pytest.raises(InvalidState, match="hvorfor forslaget skal godkendes alligevel"):
            core.workflow.decide(pid, Decision.APPROVE, CENTRAL, blank, override=True)
    assert stored(core, pid) == before

    outcome = core.workflow.decide(pid, Decision.APPROVE, CENTRAL, WHY, revision=1,
                                   override=True)

    proposal = outcome.proposal
    assert (proposal.status, proposal.decision_note, proposal.overridden) == (
        Status.APPROVED, WHY, ["consent_missing"])
    event = proposal.history[-1]
    assert (event.event, event.note, event.details) == (
        "approved", WHY, {"override": {"gates": ["consent_missing"]}})
    # The record: a CSV row naming the gate and the reason, and the JSON with both.
    out = io.StringIO()
    export.write_csv([proposal], out, ZONE, {})
    row = list(csv.DictReader(io.StringIO(out.getvalue())))[-1]
    assert (row["event"], row["override_gates"], row["override_reason"]) == (
        "approved", "der mangler samtykke fra de genkendelige personer", WHY)
    record = export.record(proposal, ZONE)
    assert record["overridden"] == ["consent_missing"]
    assert record["history"][-1]["details"] == {"override": {"gates": ["consent_missing"]}}


def test_a_resubmission_that_fixes_it_is_approved_without_a_reason(core: Core) -> None:
    pid = submit(core, **NURSERY)
    core.workflow.decide(pid, Decision.REQUEST_CHANGES, CENTRAL, "Få samtykke")
    core.workflow.resubmit(pid, parse_intake(intake_data(**{**NURSERY, "consent": True})), ANNA)
    outcome = core.workflow.decide(pid, Decision.APPROVE, CENTRAL, revision=2)
    assert outcome.proposal.status is Status.APPROVED and outcome.proposal.overridden == []


def test_the_subtitles_question_is_asked_about_a_video_only() -> None:
    (captions,) = [q for q in questions() if q.id == "captions"]
    assert captions.label == "Har videoen undertekster?"
    assert "webtilgængelighedsloven" in captions.help
    for kind, asked in (("video", True), ("begge", True), ("foto", False), (None, False)):
        assert captions.applies({"has_media": True, "media_kind": kind}) is asked
    assert not captions.applies({"has_media": False, "media_kind": "video"})


# -- in the review channel ----------------------------------------------------------------------


def reason_modals(api: FakeSlackApi) -> list[dict[str, Any]]:
    return [call.args["view"] for call in api.sent("views.open")
            if call.args["view"]["callback_id"] == "decision_reason"]


async def test_approve_in_slack_asks_for_a_reason_and_the_thread_shows_it(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    pid = await propose(server, **NURSERY)
    before = len(server.core.store.outbox_rows())

    await server.click("approve", str(pid))
    await slack_api.wait_for("views.open", 2)  # the intake modal, then this one

    # Nothing is approved yet: a modal asks why, and names what is missing.
    assert server.core.workflow.get(pid).status is Status.PENDING
    assert len(server.core.store.outbox_rows()) == before
    (modal,) = reason_modals(slack_api)
    assert modal["title"]["text"] == modal["submit"]["text"] == "Godkend alligevel"
    shown = json.dumps(modal["blocks"], ensure_ascii=False)
    assert "Det mangler:" in shown and "genkendelige personer" in shown
    assert json.loads(modal["private_metadata"])["revision"] == 1

    # Without a reason the modal says so on its field; with one the proposal is approved.
    empty = await server.submit(modal, {"note": "  "}, user=CHEF)
    assert empty.json()["response_action"] == "errors"
    assert "godkendes alligevel" in empty.json()["errors"]["note"]
    assert server.core.workflow.get(pid).status is Status.PENDING
    reply = await server.submit(modal, {"note": WHY}, user=CHEF)
    assert reply.status == 200 and not reply.body, reply.body
    await delivered(server)

    proposal = server.core.workflow.get(pid)
    assert (proposal.status, proposal.decision_note, proposal.overridden) == (
        Status.APPROVED, WHY, ["consent_missing"])
    ts = next(call.response["ts"] for call in slack_api.sent("chat.postMessage",
                                                             channel=REVIEW_CHANNEL)
              if "thread_ts" not in call.args)
    (line,) = slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL, thread_ts=ts)
    said = texts(line.args)
    assert (f"<@{CHEF}> har godkendt forslaget, selvom der mangler samtykke fra de "
            "genkendelige personer.") in said
    assert "Forældrene har skrevet under på papir" in said
    (update,) = slack_api.sent("chat.update", channel=REVIEW_CHANNEL)
    assert "selvom der mangler samtykke" in texts(update.args)


# -- in the terminal ----------------------------------------------------------------------------


@pytest.fixture
def cli(make_settings: Any, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> Any:
    make_settings()  # clears the environment and moves into the temporary folder
    monkeypatch.setenv("OPSLAG_CENTRAL_USERS", "chef")

    def call(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        return run(list(argv), stdin, capsys, monkeypatch)

    return call


def test_the_terminal_approves_anyway_with_begrundelse_on_the_revision_read(cli: Any) -> None:
    pid = cli("submit", "--as", "anna", stdin=json.dumps(intake_data(**NURSERY)))[1].strip()

    code, out, err = cli("decide", pid, "godkend", "--by", "chef")
    assert code == 2 and out == ""
    assert err.startswith("opslag: Forslaget kan ikke godkendes endnu.")
    assert err.rstrip().endswith("(--begrundelse TEKST)") and len(err.splitlines()) == 1

    code, out, err = cli("decide", pid, "godkend", "--by", "chef", "--revision", "2",
                         "--begrundelse", WHY)
    assert code == 2 and "nu version 1" in err

    code, out, err = cli("decide", pid, "godkend", "--by", "chef", "--revision", "1",
                         "--begrundelse", WHY)
    assert code == 0, err
    shown = json.loads(cli("show", pid, "--json")[1])
    assert (shown["status"], shown["decision_note"], shown["overridden"]) == (
        "approved", WHY, ["consent_missing"])
    assert shown["history"][-1]["details"] == {"override": {"gates": ["consent_missing"]}}
