"""Working-day arithmetic over the State Council's holiday schedule.

The schedule (holidays and the weekend days worked in exchange) comes from the maintained
`chinese-calendar` package, and for a year it does not carry yet from the notice an operator
loaded (schedules.py; `tierpoints calendar load`, stored and audited: features/holidays). A date
beyond both is an error, never a guess: a year's schedule is only known once it is published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import chinese_calendar

from tierpoints.calendar.schedules import YearSchedule

ONE_DAY = dt.timedelta(days=1)


class CalendarDataMissing(LookupError):
    def __init__(self, day: dt.date):
        self.day = day
        super().__init__(
            f"no holiday schedule for {day.year} yet (chinese-calendar {chinese_calendar.__version__}): "
            "working days cannot be counted until the package carries that year's schedule or an "
            f"operator loads the State Council's notice for {day.year} (`tierpoints calendar load`)"
        )


_loaded: dict[int, YearSchedule] = {}  # the running service's (runtime.py sets them with the policy)


def use_schedules(schedules: Iterable[YearSchedule]) -> None:
    """The loaded schedules in force, one a year (years the package carries are not consulted)."""
    global _loaded
    _loaded = {schedule.year: schedule for schedule in schedules}


def carried_by_package(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 7, 1))
    except NotImplementedError:
        return False
    return True


def is_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        schedule = _loaded.get(day.year)
        if schedule is None:
            raise CalendarDataMissing(day) from None
        return schedule.is_working_day(day)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The day on which `days` working days after `start` have passed (start not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day, counted = start, 0
    while counted < days:
        day += ONE_DAY
        counted += is_working_day(day)
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        count += is_working_day(day)
    return count


@dataclass(frozen=True)
class Deadline:
    """A due date with the rule that produced it, so every deadline can be explained."""

    due: dt.date
    start: dt.date
    working_days: int
    rule: str  # e.g. "Hangzhou rules §14: departments review within 15 working days"

    @classmethod
    def after(cls, start: dt.date, working_days: int, rule: str) -> Deadline:
        return cls(add_working_days(start, working_days), start, working_days, rule)

    def explain(self) -> str:
        return f"{self.due}: {self.working_days} working days after {self.start} ({self.rule})"
