"""The objection window (masa sanggah): pure date arithmetic, no database.

After the verifier finalises, the institution may object to verified levels for a number of
working days the period sets. A working day is Monday to Friday and not an Indonesian public
holiday (the `holidays` package's calendar for ID; collective leave days, cuti bersama, are
decreed yearly and not in it). The window counts from the day after the result was shown and
closes at the end of its last working day (Asia/Jakarta dates).
"""

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("ID", years=year).keys())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (`start` itself when `days` is 0)."""
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def window_last_day(*, shown_on: dt.date, working_days: int) -> dt.date | None:
    """The last day on which an objection is accepted; None when the period sets no window."""
    if working_days <= 0:
        return None
    return add_working_days(shown_on, working_days)


def window_open(*, last_day: dt.date | None, today: dt.date) -> bool:
    return last_day is not None and today <= last_day


def window_closed(*, last_day: dt.date | None, today: dt.date) -> bool:
    """Closed (or never opened): a decision may include the assessment as far as the window goes."""
    return last_day is None or today > last_day
