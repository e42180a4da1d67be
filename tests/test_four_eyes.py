"""Four eyes (issue 12 §3): nobody decides their own proposal, and the button says why. A
one-person team may allow it (OPSLAG_ALLOW_SELF_APPROVAL); each such decision is then recorded
as one in the history and the record. tests/test_workflow_table.py has every status and
decision; these show it as the people involved meet it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest

from bot import export
from bot.proposal import Status
from tests.conftest import intake_data
from tests.fakes.slack_api import FakeSlackApi
from tests.slack import conftest as slack
from tests.slack.conftest import StartServer
from tests.slack.helpers import CHEF, REVIEW_CHANNEL, SlackServer, delivered, propose, texts
from tests.test_cli import run

# The Slack surface's fixtures (tests/slack/conftest.py): these tests click in Slack too.
slack_settings, start_server, server = slack.slack_settings, slack.start_server, slack.server

OWN = ("Du kan ikke selv tage stilling til dit eget forslag: en anden skal se det først "
       "(fire øjne).")
COLLEAGUE = "UKOLLEGA"


def state(server: SlackServer, pid: int) -> tuple[object, ...]:
    core = server.core
    proposal = core.workflow.get(pid)
    return proposal.status, len(proposal.history), len(core.store.outbox_rows())


async def test_a_central_member_cannot_decide_their_own_proposal_in_slack(
    start_server: StartServer, slack_api: FakeSlackApi
) -> None:
    server = await start_server(slack_central_users=[CHEF, COLLEAGUE])
    pid = await propose(server, user=CHEF)
    before = state(server, pid)

    for action in ("approve", "request_changes", "reject"):
        await server.click(action, str(pid), user=CHEF)
    refusals = await slack_api.wait_for("chat.postEphemeral", 3, user=CHEF)

    assert {(call.args["channel"], call.args["text"]) for call in refusals} == {
        (REVIEW_CHANNEL, OWN)
    }
    # No reason form opens for a decision that would be refused.
    for action in ("request_changes", "reject"):
        assert slack_api.calls_to("views.open", trigger_id=f"trigger-{action}") == []
    assert state(server, pid) == before
    # A colleague in the central team decides it.
    await server.click("approve", str(pid), user=COLLEAGUE)
    await delivered(server)
    assert server.core.workflow.get(pid).status is Status.APPROVED


async def test_a_one_person_team_may_approve_its_own_and_it_is_recorded(
    start_server: StartServer, slack_api: FakeSlackApi
) -> None:
    server = await start_server(opslag_allow_self_approval=True)
    pid = await propose(server, user=CHEF)

    await server.click("approve", str(pid), user=CHEF)
    await delivered(server)

    proposal = server.core.workflow.get(pid)
    assert (proposal.status, proposal.self_decided) == (Status.APPROVED, True)
    assert proposal.history[-1].details == {"self_decided": True}
    ts = next(call.response["ts"] for call in slack_api.sent("chat.postMessage",
                                                             channel=REVIEW_CHANNEL)
              if "thread_ts" not in call.args)
    (line,) = slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL, thread_ts=ts)
    assert f"<@{CHEF}> har godkendt sit eget forslag." in texts(line.args)
    (update,) = slack_api.sent("chat.update", channel=REVIEW_CHANNEL)
    assert f"Godkendt af <@{CHEF}> (eget forslag)" in texts(update.args)
    out = io.StringIO()
    export.write_csv([proposal], out, dt.UTC, {})
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(row["event"], row["self_decided"]) for row in rows] == [
        ("submitted", ""), ("approved", "ja")
    ]


# -- in the terminal ----------------------------------------------------------------------------


@pytest.fixture
def cli(make_settings: Any, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> Any:
    make_settings()  # clears the environment and moves into the temporary folder
    monkeypatch.setenv("OPSLAG_CENTRAL_USERS", "chef, souschef")

    def call(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        return run(list(argv), stdin, capsys, monkeypatch)

    return call


def test_the_terminal_refuses_deciding_ones_own_proposal(cli: Any) -> None:
    pid = cli("submit", "--as", "chef", stdin=json.dumps(intake_data()))[1].strip()

    for decision in ("godkend", "afvis"):
        code, out, err = cli("decide", pid, decision, "--by", "chef", "--note", "Nej")
        assert (code, out, err) == (2, "", f"opslag: {OWN}\n")

    code, _, err = cli("decide", pid, "godkend", "--by", "souschef")
    assert code == 0, err


def test_the_setting_allows_it_and_show_says_so(cli: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("OPSLAG_ALLOW_SELF_APPROVAL", "true")
    pid = cli("submit", "--as", "chef", stdin=json.dumps(intake_data()))[1].strip()

    code, _, err = cli("decide", pid, "godkend", "--by", "chef")

    assert code == 0, err
    shown = json.loads(cli("show", pid, "--json")[1])
    assert (shown["status"], shown["self_decided"]) == ("approved", True)
    assert shown["history"][-1]["details"] == {"self_decided": True}
