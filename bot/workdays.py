"""Working days at a Danish municipality: Monday to Friday, except the public holidays and the
days off the public sector gives on top of them.

Used where the bot should speak only when people are at work: the review reminders (bot/
reminders.py) and the monthly summary, posted on the month's first working day (bot/
monthly.py). The holidays come from the maintained `holidays` package (Denmark's public
holidays: nytårsdag, skærtorsdag, langfredag, påske, Kristi himmelfart, pinse, jul), which
also knows the moving ones and the abolished store bededag. On top of them the bot keeps
juleaftensdag and nytårsaftensdag free, as the municipal agreements do. Grundlovsdag and 1 May
are half days or local practice, so they count as working days.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays

# Days off besides the public holidays, as (month, day).
DAYS_OFF = frozenset({(12, 24), (12, 31)})


@cache
def _public_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("DK", years=year))


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday, and neither a Danish public holiday nor one of DAYS_OFF."""
    return day.isoweekday() <= 5 and not is_holiday(day)


def is_holiday(day: dt.date) -> bool:
    """A Danish public holiday or one of DAYS_OFF, whatever the weekday."""
    return (day.month, day.day) in DAYS_OFF or day in _public_holidays(day.year)


def after_holidays(moment: dt.datetime) -> dt.datetime:
    """`moment` if it is not on a weekday holiday; else the same time on the next working day
    (a time someone chose for a weekend stays there: only holidays move it)."""
    if moment.isoweekday() > 5 or not is_holiday(moment.date()):
        return moment
    day = moment.date() + dt.timedelta(days=1)
    while not is_working_day(day):  # at most a few days: Christmas and a weekend
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, moment.timetz())
