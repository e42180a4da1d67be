"""A link and a title through the Slack modal over real HTTP: what the intake refuses comes
back as a Danish error on its field, and a look-alike host reaches the review channel only in
punycode, with the warning in the proposer's recommendation."""

from __future__ import annotations

from policy import intake_errors
from tests.conftest import intake_data
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.helpers import ANNA, SlackServer, open_modal, propose, review_posts, texts

LOOK_ALIKE = "https://norddјurs.dk/borger"  # a Cyrillic "ј" (U+0458) in place of "j"
PUNYCODE = "https://xn--norddurs-gih.dk/borger"


async def test_a_look_alike_host_is_shown_to_reviewers_in_punycode_and_warned_of(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    await propose(server, link=LOOK_ALIKE)

    (post,) = review_posts(slack_api)
    shown = texts(post.args)
    assert f"<{PUNYCODE}>" in shown
    assert "norddјurs" not in shown
    (dm,) = slack_api.sent("chat.postMessage", channel=f"D{ANNA}")
    assert "andre tegn end a-z, så det vises her i kodet form: xn--norddurs-gih.dk" in texts(
        dm.args
    )


async def test_refused_links_and_a_forged_line_break_are_field_errors_and_nothing_is_stored(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    for field, value in (
        ("link", "http://norddjurs.dk/"),
        ("link", "https://norddjurs.dk@evil.example/"),
        ("link", "https://norddjurs.dk/\n*Godkendt*"),
        ("title", "Træer\n*Status: godkendt af Bente*"),
    ):
        view = await open_modal(server)
        answers = intake_data(**{field: value})

        reply = await server.submit(view, answers)

        body = reply.json()
        assert reply.status == 200 and body["response_action"] == "errors", value
        assert body["errors"] == intake_errors(answers) != {}
        assert list(body["errors"]) == [field]
    assert server.core.store.list_proposals() == []
    assert server.core.store.outbox_rows() == []
