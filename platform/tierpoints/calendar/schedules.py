"""A year's holiday arrangement as the State Council's notice publishes it, for a year the
chinese-calendar package does not carry yet (policy_schemas/holiday-schedule.schema.json).

Read from an operator's YAML or JSON file, checked against the schema and then against itself
(every date in its year, holidays in order and apart, make-up working days on weekends outside
them); every problem names the file, line and field. Pure: the service stores it, the
working-day arithmetic consults it (working_days.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from itertools import pairwise

import msgspec

from tierpoints import paths
from tierpoints.packs.problems import PackError, Problem
from tierpoints.packs.schema_validation import PolicySchemas
from tierpoints.packs.yaml_source import SourceDocument, YamlSyntaxError, read_yaml_text

ONE_DAY = dt.timedelta(days=1)


class Notice(msgspec.Struct, frozen=True):
    title: str
    number: str
    published_on: dt.date
    url: str = ""


class Holiday(msgspec.Struct, frozen=True):
    name: str
    first: dt.date
    last: dt.date


class MakeUpDay(msgspec.Struct, frozen=True, rename={"makes_up_for": "for"}):
    day: dt.date
    makes_up_for: str


class YearSchedule(msgspec.Struct, frozen=True):
    year: int
    notice: Notice
    holidays: tuple[Holiday, ...]
    working_days: tuple[MakeUpDay, ...] = ()

    def is_working_day(self, day: dt.date) -> bool:
        if day.year != self.year:
            raise ValueError(f"{day} is not in {self.year}")
        return _working(self)(day)


@cache
def _working(schedule: YearSchedule):
    off = {holiday.first + ONE_DAY * n for holiday in schedule.holidays
           for n in range((holiday.last - holiday.first).days + 1)}
    worked = {made.day for made in schedule.working_days}
    return lambda day: day in worked or (day.weekday() < 5 and day not in off)


class ScheduleError(PackError):
    """A schedule file that cannot be loaded: every problem, each with file, line and field."""


@cache
def _schemas() -> PolicySchemas:
    return PolicySchemas(paths.schemas_dir())


def read_schedule(text: str, display_path: str, carried: Callable[[int], str | None] = lambda year: None,
                  ) -> YearSchedule:
    """The schedule in `text` (YAML or JSON), or ScheduleError listing what is wrong and where;
    `carried(year)` says why a year is not to be loaded (the package carries it), else None."""
    try:
        source = read_yaml_text(text, display_path)
    except YamlSyntaxError as error:
        raise ScheduleError([Problem(error.path, error.line, "", error.message)]) from None
    problems = _schemas().problems("holiday-schedule", source)
    if problems:
        raise ScheduleError(problems)
    schedule = msgspec.convert(source.data, YearSchedule)
    if why := carried(schedule.year):
        raise ScheduleError([Problem(source.path, source.line_of("/year"), "/year", why)])
    problems = _inconsistencies(schedule, source)
    if problems:
        raise ScheduleError(problems)
    return schedule


def _inconsistencies(schedule: YearSchedule, source: SourceDocument) -> list[Problem]:
    found: list[Problem] = []

    def problem(pointer: str, message: str) -> None:
        found.append(Problem(source.path, source.line_of(pointer), pointer, message))

    year = schedule.year
    if schedule.notice.published_on.year > year:
        problem("/notice/published_on", f"a notice for {year} is published before or in that year, "
                                        f"not on {schedule.notice.published_on}")
    for index, holiday in enumerate(schedule.holidays):
        for field in ("first", "last"):
            day = getattr(holiday, field)
            if day.year != year:
                problem(f"/holidays/{index}/{field}", f"{day} is not in {year}")
        if holiday.last < holiday.first:
            problem(f"/holidays/{index}/last", f"{holiday.last} is before the first day off {holiday.first}")
    ordered = sorted(enumerate(schedule.holidays), key=lambda item: item[1].first)
    for (_, before), (index, after) in pairwise(ordered):
        if after.first <= before.last:
            problem(f"/holidays/{index}/first", f"{after.name} ({after.first}) overlaps {before.name} "
                                                f"({before.first} to {before.last})")
    seen: set[dt.date] = set()
    for index, made in enumerate(schedule.working_days):
        pointer = f"/working_days/{index}/day"
        if made.day.year != year:
            problem(pointer, f"{made.day} is not in {year}")
        if made.day.weekday() < 5:
            problem(pointer, f"{made.day} is a {made.day:%A}: a make-up working day is a Saturday or Sunday")
        if any(h.first <= made.day <= h.last for h in schedule.holidays):
            problem(pointer, f"{made.day} is a day off of a holiday as well")
        if made.day in seen:
            problem(pointer, f"{made.day} is listed twice")
        seen.add(made.day)
    return found
