"""Slack and Teams proposals share one store and one workflow. The Slack side is driven
through the core directly (its edge is tested on its own)."""

from __future__ import annotations

from bot.proposal import Actor, Status
from policy import parse_intake
from tests.conftest import intake_data
from tests.teams import activities as A
from tests.teams.conftest import Teams, shows, verbs


async def test_slack_and_teams_proposals_meet_in_the_teams_review_channel(teams: Teams) -> None:
    await teams.choose_review_channel()
    slack_user = Actor(platform="slack", user_id="U0SLACK01", name="Sofie fra Slack",
                       address={"channel": "D0SLACK01"})
    from_slack = teams.core.workflow.submit(
        parse_intake(intake_data(title="Høstmarked i Ebeltoft")), slack_user, source="slack")
    from_teams = await teams.submit(title="Åbent hus på Kulturhuset")
    teams.connector.clear()

    await teams.deliver()

    posts = teams.review_posts()
    assert len(posts) == 2
    slack_card = next(p.card for p in posts if shows(p.card, "Høstmarked i Ebeltoft"))
    assert shows(slack_card, "Sofie fra Slack") and shows(slack_card, "Slack")
    assert verbs(slack_card) == ["approve", "request_changes", "reject"]
    assert {p.id for p in teams.core.store.list_proposals()} == {from_slack.id, from_teams}

    slack_post = next(p for p in posts if shows(p.card, "Høstmarked i Ebeltoft"))
    await teams.click_card("approve", {"proposal_id": from_slack.id}, A.CENTRAL, on=slack_post)
    await teams.deliver()

    assert teams.core.workflow.get(from_slack.id).status is Status.APPROVED
    assert len(teams.connector.of("update")) == 1
    # The Slack proposer hears about it in Slack: that message waits for the Slack edge.
    slack_rows = [r for r in teams.core.store.outbox_rows() if r.platform == "slack"]
    assert {r.kind for r in slack_rows} == {"recommendation", "decision_notice"}
    assert all(r.proposal_id == from_slack.id for r in slack_rows)
    assert not any(c.conversation_id == "D0SLACK01" for c in teams.connector.calls)
