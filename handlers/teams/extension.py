"""The message action "Foreslå som opslag": a Teams message becomes the draft of a proposal.

fetchTask opens a dialog with the intake card pre-filled with the message's text; submitAction
stores the proposal, or shows the dialog again with the field errors.
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

from handlers.teams import text as T
from handlers.teams.actions import accept_form, form_id
from handlers.teams.cards import CONTENT_TYPE, Card, intake_card, message_card
from handlers.teams.edge import TeamsEdge
from handlers.teams.form import Answers, draft_answers, html_to_text

COMMAND_ID = "foreslaaSomOpslag"  # the command id in teams/manifest.json


def register(edge: TeamsEdge) -> None:
    extensions = TeamsAgentExtension[TurnState](edge.app).message_extensions

    async def fetch(context: TeamsTurnContext, state: TurnState,
                    action: MessagingExtensionAction) -> MessagingExtensionActionResponse:
        answers, notice = draft_answers(message_text(action))
        return dialog(form(answers, notice=notice))

    async def submit(context: TeamsTurnContext, state: TurnState,
                     action: MessagingExtensionAction) -> MessagingExtensionActionResponse:
        result = await edge.core.run(accept_form, edge, context.activity, action.data)
        if result.proposal is not None:
            return MessagingExtensionActionResponse(task=TaskModuleMessageResponse(
                value=T.EXTENSION_SUBMITTED.format(id=result.proposal.id)))
        if result.duplicate:
            return dialog(message_card(T.ALREADY_SUBMITTED))
        return dialog(form(result.answers, result.errors, form_id=form_id(action.data),
                           notice=result.refused.message if result.refused else None))

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


def form(answers: Answers, errors: dict[str, str] | None = None, *, form_id: str = "",
         notice: str | None = None) -> Card:
    return intake_card(answers, errors, data={"form_id": form_id or uuid.uuid4().hex},
                       title=T.EXTENSION_TITLE, submit_action="Action.Submit", notice=notice)


def dialog(card: Card) -> MessagingExtensionActionResponse:
    return MessagingExtensionActionResponse(task=TaskModuleContinueResponse(
        value=CardTaskModuleTaskInfo(
            title=T.EXTENSION_TITLE, width="large", height="large",
            card=Attachment(content_type=CONTENT_TYPE, content=card),
        )))
