"""Reminders (issue 12 §6): to review a proposal that waits past the SLA, and to publish an
approved post on its planned day.

- Review: a pending proposal that has waited longer than `OPSLAG_REVIEW_SLA_HOURS` (since it
  was last (re)submitted or moved to the central team) gets a reminder in its review thread
  naming its reviewers, in working hours only (Monday to Friday, 08–16 in `OPSLAG_TIMEZONE`),
  and then at most one a day while it waits.
- Publish: on an approved post's planned day, from 08:00, one message to whoever publishes it
  (who approved it), with "Markér som udgivet".

"At most once" holds across restarts and servers: the workflow claims each reminder in the
store's `runs` table in the transaction that queues it (`Workflow.remind_reviewers`,
`remind_publisher`). This process also remembers what it has claimed, so a round does not
ask the database again for every waiting proposal.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.core import Core

# Working hours, local time: reminders to review are sent from the start up to the end.
WORKDAY_START = dt.time(8)
WORKDAY_END = dt.time(16)
# The publish reminder goes from this time on the planned day (weekends too: a post planned
# for a Saturday is put out on the Saturday).
PUBLISH_AT = dt.time(8)


def working_hours(local: dt.datetime) -> bool:
    """Monday to Friday, WORKDAY_START up to WORKDAY_END."""
    return local.isoweekday() <= 5 and WORKDAY_START <= local.time() < WORKDAY_END


class Reminders:
    """Sends the reminders due now (`run_due`), each once."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._done: set[str] = set()  # claimed here or by another process: not asked again

    def run_due(self) -> int:
        """Send the reminders due now; returns how many this call sent."""
        if not self.core.settings.opslag_reminders:
            return 0
        local = self.core.clock().astimezone(ZoneInfo(self.core.settings.opslag_timezone))
        return self._publish(local) + self._review(local)

    def _publish(self, local: dt.datetime) -> int:
        if local.time() < PUBLISH_AT:
            return 0
        day = local.date()
        sent = 0
        for proposal_id in self.core.store.approved_planned_on(day):
            key = f"publish:{proposal_id}:{day}"
            if key not in self._done:
                sent += self.core.workflow.remind_publisher(proposal_id, day)
                self._done.add(key)
        return sent

    def _review(self, local: dt.datetime) -> int:
        if not working_hours(local):
            return 0
        sla = dt.timedelta(hours=self.core.settings.opslag_review_sla_hours)
        now = self.core.clock()
        day = local.date()
        sent = 0
        for proposal_id, since in self.core.store.pending_waiting_since(now - sla):
            key = f"review:{proposal_id}:{day}"
            if key not in self._done:
                sent += self.core.workflow.remind_reviewers(proposal_id, day, now - since)
                self._done.add(key)
        self._forget_before(day)
        return sent

    def _forget_before(self, day: dt.date) -> None:
        """Keep only today's keys: the memory stays as small as a day's reminders."""
        today = str(day)
        self._done = {key for key in self._done if key.endswith(today)}
