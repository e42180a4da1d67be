"""The identifiers Slack sends back to us: commands, callback ids and action ids, and the
values of the review buttons.

They are a contract with `slack/manifest.yaml` (commands, the shortcut) and with the blocks we
send (actions, views), so they live in one place.
"""

from __future__ import annotations

import re
from typing import Any, Final

COMMANDS: Final = ("/foreslå-opslag", "/foreslaa-opslag")
SHORTCUT: Final = "foreslaa_som_opslag"

INTAKE_VIEW: Final = "intake"
REASON_VIEW: Final = "decision_reason"
REASON_BLOCK: Final = "note"
# The advice shown before a proposal is sent: its modal, and its buttons.
ADVICE_VIEW: Final = "advice"
ADVICE_ACTIONS: Final = "advice-actions"
ADVICE_DETAILS: Final = "advice_details"
ADVICE_EDIT: Final = "edit"
ADVICE_NOTICE: Final = "advice-notice"

APPROVE: Final = "approve"
REQUEST_CHANGES: Final = "request_changes"
REJECT: Final = "reject"
OPEN_INTAKE: Final = "open_intake"
RESUBMIT: Final = "resubmit"
WITHDRAW: Final = "withdraw"
ASK_CENTRAL: Final = "ask_central"
# From approved to published: the buttons, their modals and the modals' inputs.
PUBLISH: Final = "publish"
TAKE_DOWN: Final = "take_down"
PUBLISH_VIEW: Final = "publish_links"
TAKEDOWN_VIEW: Final = "takedown_reason"
TAKEDOWN_BLOCK: Final = "reason"
_LINK_BLOCK: Final = "link-"


def link_block(platform: str) -> str:
    """The input block (and action id) of the publish modal's link on `platform`."""
    return _LINK_BLOCK + platform


def link_platform(block_id: str) -> str | None:
    """The platform a publish modal's input block is for; None for another block."""
    return block_id.removeprefix(_LINK_BLOCK) if block_id.startswith(_LINK_BLOCK) else None

# A review button names the proposal and the revision its post showed: "12:2". Numbers are
# ASCII digits only, at most 19 of them (SQLite's integers).
_NUMBER = r"([0-9]{1,19})"
_REVIEW_VALUE = re.compile(f"{_NUMBER}:{_NUMBER}")
_LEGACY_VALUE = re.compile(_NUMBER)
_REVIEW_BLOCK = re.compile(f"review-{_NUMBER}-{_NUMBER}")


def review_block(proposal_id: int, revision: int) -> str:
    return f"review-{proposal_id}-{revision}"


def review_value(proposal_id: int, revision: int) -> str:
    return f"{proposal_id}:{revision}"


def read_review_value(value: Any, block_id: Any) -> tuple[int, int]:
    """(proposal, revision) a clicked review button names; (0, 0), which names no proposal, for
    a value we never send.

    Buttons posted before values carried the revision hold the proposal number alone; their
    actions block was already named after the revision the post showed (`review_block`), so
    that is the revision they were clicked on. Without such a name the post can only be from
    the first revision."""
    if not isinstance(value, str):
        return 0, 0
    match = _REVIEW_VALUE.fullmatch(value)
    if match:
        return int(match[1]), int(match[2])
    if not _LEGACY_VALUE.fullmatch(value):
        return 0, 0
    block = _REVIEW_BLOCK.fullmatch(block_id) if isinstance(block_id, str) else None
    if block and int(block[1]) == int(value):
        return int(value), int(block[2])
    return int(value), 1


def read_revision(raw: Any) -> int:
    """The revision a reason form was opened on (from its metadata). A form opened before forms
    carried it was opened on the first revision; anything but a whole number is no revision
    (0), which the workflow refuses."""
    if raw is None:
        return 1
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    return 0
