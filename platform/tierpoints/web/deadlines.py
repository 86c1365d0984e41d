"""Working days left until a deadline, in the Chinese calendar the deadlines are counted in."""

from __future__ import annotations

import datetime as dt

from tierpoints.calendar.working_days import CalendarDataMissing, working_days_between


def working_days_left(due: dt.date, today: dt.date) -> int | None:
    """Working days after today up to the due day (0 on the day itself, negative when past);
    None when the holiday schedule of a year in between is not published yet."""
    try:
        if due >= today:
            return working_days_between(today, due)
        return -working_days_between(due, today)
    except CalendarDataMissing:
        return None
