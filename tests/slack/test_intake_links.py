"""A link and a title through the Slack modal over real HTTP: what the intake refuses comes
back as a Danish error on its field, and a look-alike host reaches the review channel only in
punycode, with the warning in the advice the proposer reads before sending."""

from __future__ import annotations

import json

from handlers.slack import ids
from policy import intake_errors
from tests.conftest import intake_data
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.helpers import (
    SlackServer,
    advice_of,
    delivered,
    open_modal,
    review_posts,
    texts,
    view_button,
)

LOOK_ALIKE = "https://norddјurs.dk/borger"  # a Cyrillic "ј" (U+0458) in place of "j"
PUNYCODE = "https://xn--norddurs-gih.dk/borger"


async def test_a_look_alike_host_is_shown_to_reviewers_in_punycode_and_warned_of(
    server: SlackServer, slack_api: FakeSlackApi
) -> None:
    view = {**await open_modal(server), "id": "VLOOK"}
    advice = advice_of(await server.submit(view, intake_data(link=LOOK_ALIKE)))
    assert advice is not None
    await server.post_payload(view_button(advice, "VLOOK", ids.ADVICE_DETAILS))
    (details,) = await slack_api.wait_for("views.push")
    # The proposer is warned before sending, in the advice's details.
    assert "andre tegn end a-z, så det vises her i kodet form: xn--norddurs-gih.dk" in (
        json.dumps(details.args["view"], ensure_ascii=False)
    )
    await server.press_send(advice, "VLOOK")
    await delivered(server)

    (post,) = review_posts(slack_api)
    shown = texts(post.args)
    assert f"<{PUNYCODE}>" in shown
    assert "norddјurs" not in shown


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
