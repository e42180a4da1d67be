"""Reminders (issue 12 §6): to review a proposal that waits past the SLA, and to publish an
approved post on its planned day.

- Review: a pending proposal that has waited longer than `OPSLAG_REVIEW_SLA_HOURS` (since it
  was last (re)submitted or moved to the central team) gets a reminder in its review thread
  naming its reviewers, in working hours only (08–16 in `OPSLAG_TIMEZONE` on a working day:
  Monday to Friday, not a public holiday, bot/workdays.py), and then at most one a day while
  it waits.
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
from bot.workdays import is_working_day

# Working hours, local time: reminders to review are sent from the start up to the end.
WORKDAY_START = dt.time(8)
WORKDAY_END = dt.time(16)
# The publish reminder goes from this time on the planned day (weekends too: a post planned
# for a Saturday is put out on the Saturday).
PUBLISH_AT = dt.time(8)
# At most this many reminders of each sort per round: a round runs on the store thread, and a
# backlog (a server started after a long stop) must not hold up the answers to the platforms
# queued behind it; the rest go in the next rounds, half a minute apart.
PER_ROUND = 50


def working_hours(local: dt.datetime) -> bool:
    """A working day (bot/workdays.py), WORKDAY_START up to WORKDAY_END."""
    return WORKDAY_START <= local.time() < WORKDAY_END and is_working_day(local.date())


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
        for proposal_id in self._unasked("publish", self.core.store.approved_planned_on(day), day):
            sent += self.core.workflow.remind_publisher(proposal_id, day)
            self._asked("publish", proposal_id, day)
        return sent

    def _review(self, local: dt.datetime) -> int:
        if not working_hours(local):
            return 0
        sla = dt.timedelta(hours=self.core.settings.opslag_review_sla_hours)
        now = self.core.clock()
        day = local.date()
        self._forget_before(day)
        waiting = dict(self.core.store.pending_waiting_since(now - sla))
        sent = 0
        for proposal_id in self._unasked("review", list(waiting), day):
            waited = now - waiting[proposal_id]
            sent += self.core.workflow.remind_reviewers(proposal_id, day, waited)
            self._asked("review", proposal_id, day)
        return sent

    def _unasked(self, sort: str, proposal_ids: list[int], day: dt.date) -> list[int]:
        """The first PER_ROUND of these this process has not yet asked the workflow about
        today (a call that failed is asked again next round)."""
        return [pid for pid in proposal_ids
                if f"{sort}:{pid}:{day}" not in self._done][:PER_ROUND]

    def _asked(self, sort: str, proposal_id: int, day: dt.date) -> None:
        """Asked today: sent now, or not due (sent by another process, decided meanwhile)."""
        self._done.add(f"{sort}:{proposal_id}:{day}")

    def _forget_before(self, day: dt.date) -> None:
        """Keep only today's keys: the memory stays as small as a day's reminders."""
        today = str(day)
        self._done = {key for key in self._done if key.endswith(today)}
