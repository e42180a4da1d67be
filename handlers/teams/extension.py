"""The message action "Foreslå som opslag": a Teams message becomes the draft of a proposal.

fetchTask opens a dialog with the intake card pre-filled with the message's text. Each
submitAction is a step of the same path as in a chat (handlers/teams/actions.py): the questions
are answered with the advice in the dialog (or the questions again with the field errors), Ret
brings the questions back, Drop closes it, and only Send stores the proposal and closes it with
the receipt.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from microsoft_agents.hosting.core import TurnState
from microsoft_agents.hosting.msteams import TeamsAgentExtension, TeamsTurnContext
from microsoft_teams.api.models import (
    Attachment,
    CardTaskModuleTaskInfo,
    MessagingExtensionAction,
    MessagingExtensionActionResponse,
    TaskModuleContinueResponse,
    TaskModuleMessageResponse,
)

from handlers.teams import actions
from handlers.teams import text as T
from handlers.teams.cards import CONTENT_TYPE, DROP, EDIT, SEND, Card, sent_text
from handlers.teams.edge import TeamsEdge
from handlers.teams.form import Answers, draft_answers, html_to_text

COMMAND_ID = "foreslaaSomOpslag"  # the command id in teams/manifest.json


def register(edge: TeamsEdge) -> None:
    extensions = TeamsAgentExtension[TurnState](edge.app).message_extensions

    async def fetch(context: TeamsTurnContext, state: TurnState,
                    action: MessagingExtensionAction) -> MessagingExtensionActionResponse:
        answers, notice = draft_answers(message_text(action))
        return dialog(form(answers, notice=notice,
                           departments=edge.core.workflow.department_choices()))

    async def submit(context: TeamsTurnContext, state: TurnState,
                     action: MessagingExtensionAction) -> MessagingExtensionActionResponse:
        data = action.data
        verb = data.get("verb") if isinstance(data, dict) else None
        if verb == DROP:
            return closed(T.DROPPED)
        if verb == SEND:
            sent = await edge.core.run(actions.send_answers, edge, context.activity, data,
                                       dialog=True)
            if sent.proposal is None:  # nothing stored now: why, or the questions again
                return dialog(sent.card)
            return closed(sent_text(sent.proposal, sent.when, again=sent.again))
        step = actions.edit_answers if verb == EDIT else actions.answer_questions
        return dialog(await edge.core.run(step, edge, context.activity, data, dialog=True))

    extensions.fetch_action(COMMAND_ID)(fetch)
    # The SDK types submit handlers as returning MessagingExtensionResponse, but a dialog
    # answer (show the form again, or a message) is a MessagingExtensionActionResponse.
    extensions.submit_action(COMMAND_ID)(cast(Any, submit))


def message_text(action: MessagingExtensionAction) -> str:
    payload = action.message_payload
    body = payload.body if payload else None
    if body is None or not body.content:
        return ""
    return body.content if body.content_type == "text" else html_to_text(body.content)


def form(answers: Answers, *, notice: str | None = None,
         departments: tuple[str, ...] = ()) -> Card:
    """The questions in a new dialog, with answers from the message."""
    draft = actions.Draft(form_id=uuid.uuid4().hex, departments=departments)
    return actions.questions_card(draft, answers, notice=notice, dialog=True)


def closed(message: str) -> MessagingExtensionActionResponse:
    """Close the dialog with a short message."""
    return MessagingExtensionActionResponse(task=TaskModuleMessageResponse(value=message))


def dialog(card: Card) -> MessagingExtensionActionResponse:
    return MessagingExtensionActionResponse(task=TaskModuleContinueResponse(
        value=CardTaskModuleTaskInfo(
            title=T.EXTENSION_TITLE, width="large", height="large",
            card=Attachment(content_type=CONTENT_TYPE, content=card),
        )))
