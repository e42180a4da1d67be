"""Working days (bot/workdays.py): Monday to Friday, not a Danish public holiday, nor 24 or 31
December. The dates are read off the calendar: Easter Sunday was 31 March 2024 and is 28 March
2027; store bededag was abolished from 2024."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.workdays import after_holidays, is_working_day


@pytest.mark.parametrize(
    "day, working",
    [
        (dt.date(2026, 11, 30), True),  # a Monday
        (dt.date(2026, 11, 28), False),  # a Saturday
        (dt.date(2026, 11, 29), False),  # a Sunday
        (dt.date(2026, 12, 24), False),  # juleaftensdag (a Thursday)
        (dt.date(2026, 12, 25), False),  # juledag
        (dt.date(2026, 12, 31), False),  # nytårsaftensdag
        (dt.date(2027, 1, 1), False),  # nytårsdag
        (dt.date(2024, 3, 28), False),  # skærtorsdag
        (dt.date(2024, 3, 29), False),  # langfredag
        (dt.date(2024, 4, 1), False),  # anden påskedag
        (dt.date(2024, 4, 2), True),
        (dt.date(2027, 5, 6), False),  # Kristi himmelfartsdag
        (dt.date(2027, 5, 17), False),  # anden pinsedag
        (dt.date(2023, 5, 5), False),  # store bededag, the last one
        (dt.date(2024, 4, 26), True),  # the Friday that was store bededag
        (dt.date(2026, 6, 5), True),  # grundlovsdag: a half day, not a day off
    ],
)
def test_working_days(day: dt.date, working: bool) -> None:
    assert is_working_day(day) is working


CPH = ZoneInfo("Europe/Copenhagen")


@pytest.mark.parametrize(
    "moment, moved",
    [
        (dt.datetime(2026, 11, 30, 8, 0), dt.datetime(2026, 11, 30, 8, 0)),  # a working day
        (dt.datetime(2026, 11, 29, 18, 0), dt.datetime(2026, 11, 29, 18, 0)),  # a chosen Sunday
        (dt.datetime(2026, 12, 24, 8, 0), dt.datetime(2026, 12, 28, 8, 0)),  # past Christmas
        (dt.datetime(2027, 3, 29, 8, 0), dt.datetime(2027, 3, 30, 8, 0)),  # anden påskedag
        (dt.datetime(2027, 3, 25, 8, 0), dt.datetime(2027, 3, 30, 8, 0)),  # skærtorsdag
    ],
)
def test_a_time_on_a_weekday_holiday_moves_to_the_next_working_day(
    moment: dt.datetime, moved: dt.datetime
) -> None:
    assert after_holidays(moment.replace(tzinfo=CPH)) == moved.replace(tzinfo=CPH)
