"""The shape of a Slack request, checked before bolt sees it.

bolt and our listeners read the parts Slack always sends without checking them:
`body["trigger_id"]`, `view["state"]["values"]`, `actions[0]["action_id"]`, an option's
`value`. A request that is correctly signed but shaped otherwise (a bug at Slack, or someone
who has the signing secret) is refused here with a 400, before any listener runs: a listener
that fails after its ack() leaves a traceback in the log and may have done half its work, and
one that fails before it makes bolt answer 404 after three seconds.

Only the parts something reads are checked, and only their type; anything else may be there.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Object = dict[str, Any]


class _Part(BaseModel):
    # strict: a number is no text, a list no object; other keys are allowed and left alone
    model_config = ConfigDict(strict=True, extra="ignore")


class _Option(_Part):
    value: str


class _Element(_Part):
    """One answer in a modal's state, as `handlers.slack.form.answers_from_state` reads it."""

    value: str | None = None
    selected_option: _Option | None = None
    selected_options: list[_Option] | None = None
    selected_date: str | None = None


class _State(_Part):
    values: dict[str, dict[str, _Element]] = Field(default_factory=dict)


class _View(_Part):
    id: str
    type: str  # bolt reads it to tell a workflow step's view
    callback_id: str | None = None
    hash: str | None = None
    private_metadata: str | None = None
    blocks: list[Object] | None = None
    state: _State | None = None


class _Action(_Part):
    action_id: str


class _Person(_Part):
    id: str | None = None


class _User(_Person):
    id: str


class _Event(_Part):
    type: str


class _Mention(_Event):
    channel: str
    ts: str
    thread_ts: str | None = None


class _Body(_Part):
    """What any request may hold, in the shape Slack sends it."""

    type: str | None = None
    team: Object | None = None
    enterprise: Object | None = None
    user: _Person | None = None
    channel: Object | None = None
    container: Object | None = None
    message: Object | None = None
    view: _View | None = None
    actions: list[_Action] | None = None
    trigger_id: str | None = None
    response_url: str | None = None
    callback_id: str | None = None
    event: _Event | None = None


class _Interaction(_Body):
    """Someone did something in Slack: who it was is always there."""

    user: _User


class _ViewSubmission(_Interaction):
    view: _View


class _Shortcut(_Interaction):
    """A shortcut opens a modal: its trigger id is always there."""

    callback_id: str
    trigger_id: str


class _BlockActions(_Interaction):
    actions: list[_Action] = Field(min_length=1)
    trigger_id: str


class _EventCallback(_Body):
    event: _Event


class _MentionCallback(_Body):
    event: _Mention


class _Command(_Part):
    """A slash command: bolt takes any body with a `command` for one."""

    command: str
    user_id: str
    trigger_id: str
    text: str = ""


_BY_TYPE: dict[str, type[_Part]] = {
    "block_actions": _BlockActions,
    "view_submission": _ViewSubmission,
    "view_closed": _ViewSubmission,
    "shortcut": _Shortcut,
    "message_action": _Shortcut,
    "event_callback": _EventCallback,
}


def problem(body: Any) -> str | None:
    """None for a body shaped as Slack sends it; else the top-level part that is not (for the
    log: only our own field names, never the request's text)."""
    if not isinstance(body, dict):
        return "body is not an object"
    try:
        _model_for(body).model_validate(body)
    except ValidationError as exc:
        location = exc.errors()[0]["loc"]
        return f"malformed {location[0]}" if location else "malformed body"
    return None


def _model_for(body: Object) -> type[_Part]:
    if "command" in body:  # how bolt tells a slash command
        return _Command
    kind = body.get("type")
    event = body.get("event")
    if kind == "event_callback" and isinstance(event, dict) and event.get("type") == "app_mention":
        return _MentionCallback
    return _BY_TYPE.get(kind, _Body) if isinstance(kind, str) else _Body
