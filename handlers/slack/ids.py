"""The identifiers Slack sends back to us: commands, callback ids and action ids.

They are a contract with `slack/manifest.yaml` (commands, the shortcut) and with the blocks we
send (actions, views), so they live in one place.
"""

from __future__ import annotations

from typing import Final

COMMANDS: Final = ("/foreslå-opslag", "/foreslaa-opslag")
SHORTCUT: Final = "foreslaa_som_opslag"

INTAKE_VIEW: Final = "intake"
REASON_VIEW: Final = "decision_reason"
REASON_BLOCK: Final = "note"

APPROVE: Final = "approve"
REQUEST_CHANGES: Final = "request_changes"
REJECT: Final = "reject"
OPEN_INTAKE: Final = "open_intake"
RESUBMIT: Final = "resubmit"
WITHDRAW: Final = "withdraw"
