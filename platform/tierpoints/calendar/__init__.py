"""Chinese working days: weekends and public holidays off, make-up working weekends on."""

from tierpoints.calendar.working_days import (
    CalendarDataMissing,
    Deadline,
    add_working_days,
    is_working_day,
    working_days_between,
)

__all__ = ["CalendarDataMissing", "Deadline", "add_working_days", "is_working_day", "working_days_between"]
