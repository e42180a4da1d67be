"""Messages and installs: the commands people write to the bot, and the references we keep."""

from __future__ import annotations

import re
import uuid

from microsoft_agents.activity import ActivityTypes
from microsoft_agents.hosting.core import RouteRank, TurnContext, TurnState

from bot.workflow import NotAllowed, WorkflowError
from handlers.teams import TEAMS_REVIEW_REF, department_ref, refs
from handlers.teams import text as T
from handlers.teams.cards import intake_card
from handlers.teams.edge import TeamsEdge, card_message, text_message
from handlers.teams.form import draft_answers, normalize_command_text
from handlers.teams.week import week_overview

_COMMAND = re.compile(r"\s*/?(\S+)\s*(.*)", re.DOTALL)


def split_command(text: str) -> tuple[str, str]:
    """`/Foreslå-opslag Min tekst` -> ("foreslå-opslag", "Min tekst")."""
    match = _COMMAND.match(normalize_command_text(text))
    if match is None:
        return "", ""
    return match.group(1).lower(), match.group(2).strip()


def register(edge: TeamsEdge) -> None:
    app = edge.app

    async def remember(context: TurnContext, state: TurnState) -> bool:
        await edge.core.run(refs.remember_user, edge.core, context.activity)
        return True

    async def on_message(context: TurnContext, state: TurnState) -> None:
        command, rest = split_command(context.activity.text or "")
        if command in T.PROPOSE_COMMANDS:
            await propose(edge, context, rest)
        elif command == T.REVIEW_CHANNEL_COMMAND and rest:
            await choose_department_channel(edge, context, rest)
        elif command == T.REVIEW_CHANNEL_COMMAND:
            await choose_review_channel(edge, context)
        elif command in T.HELP_COMMANDS:
            await context.send_activity(text_message(T.HELP))
        elif command == T.WEEK_COMMAND:
            # Read and built on the store thread: a long list of pending proposals must not
            # hold up other requests.
            await context.send_activity(await edge.core.run(week_overview, edge.core))
        else:
            await context.send_activity(text_message(T.UNKNOWN_COMMAND))

    async def on_members_added(context: TurnContext, state: TurnState) -> None:
        activity = context.activity
        me = activity.recipient.id if activity.recipient else None
        if not any(member.id == me for member in activity.members_added or []):
            return  # someone else joined a team the bot is in
        welcome = T.WELCOME_PERSONAL if refs.is_personal(activity) else T.WELCOME_TEAM
        await context.send_activity(text_message(welcome))

    async def on_installation(context: TurnContext, state: TurnState) -> None:
        """The reference is stored by `remember`; the welcome comes with membersAdded."""

    app.before_turn(remember)
    app.conversation_update("membersAdded")(on_members_added)
    app.installation_update()(on_installation)
    app.activity(ActivityTypes.message, rank=RouteRank.LAST)(on_message)


async def propose(edge: TeamsEdge, context: TurnContext, text: str) -> None:
    answers, notice = draft_answers(text)
    card = intake_card(answers, data={"form_id": uuid.uuid4().hex}, notice=notice,
                       departments=edge.core.workflow.department_choices())
    await context.send_activity(card_message(card, T.INTAKE_TITLE))


async def choose_review_channel(edge: TeamsEdge, context: TurnContext) -> None:
    activity = context.activity
    if not refs.is_channel(activity):
        await context.send_activity(text_message(T.REVIEW_CHANNEL_ONLY_IN_CHANNEL))
        return
    try:
        await edge.core.run(
            edge.core.workflow.choose_review_channel,
            refs.person(activity), TEAMS_REVIEW_REF, refs.reference(activity, top_level=True),
        )
    except NotAllowed:
        await context.send_activity(text_message(T.REVIEW_CHANNEL_NOT_CENTRAL))
        return
    except WorkflowError as exc:
        await context.send_activity(text_message(exc.message))
        return
    await context.send_activity(text_message(T.REVIEW_CHANNEL_SET))


async def choose_department_channel(edge: TeamsEdge, context: TurnContext, name: str) -> None:
    """`godkendelseskanal <afdeling>`: a department's reviewer makes this channel the one
    where the department's own proposals are reviewed."""
    activity = context.activity
    if not refs.is_channel(activity):
        await context.send_activity(text_message(T.REVIEW_CHANNEL_ONLY_IN_CHANNEL))
        return
    workflow = edge.core.workflow
    found = workflow.department(name)
    key = department_ref(found) if found else ""
    try:
        department = await edge.core.run(
            workflow.choose_department_channel, refs.person(activity), name, key,
            refs.reference(activity, top_level=True),
        )
    except WorkflowError as exc:
        await context.send_activity(text_message(exc.message))
        return
    await context.send_activity(
        text_message(T.DEPARTMENT_CHANNEL_SET.format(department=department.name)))
