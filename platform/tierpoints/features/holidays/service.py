"""Loading a year's holiday arrangement from the State Council's notice (calendar/schedules.py).

Working-day deadlines (Hangzhou rules §14, §17, §19) cannot be counted into a year whose
arrangement the chinese-calendar package does not carry; until it does, the platform refuses
them (503) rather than guess. A provincial administrator (calendar:publish in a province-tier
tenant) loads the notice as published instead: checked, stored (a corrected notice adds a row,
the earlier kept), audited, and in force at once in every instance.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import msgspec

from tierpoints import audit
from tierpoints.calendar import working_days
from tierpoints.calendar.schedules import YearSchedule, read_schedule
from tierpoints.features.auth import Actor, authorize
from tierpoints.runtime import Runtime
from tierpoints.store import notify
from tierpoints.store.holidays import stored_schedules
from tierpoints.store.tables import HolidaySchedule
from tierpoints.store.transactions import write_transaction


async def load_schedule(runtime: Runtime, actor: Actor, tenant: str, text: str, display_path: str) -> YearSchedule:
    """calendar:publish in `tenant` (the province's roles.yaml grants it to its administrators): the
    schedule in `text`, checked and stored; returns it.
    ScheduleError names every problem (file, line, field); nothing is stored then."""
    username = authorize(runtime, actor, tenant, "calendar", "publish")
    schedule = read_schedule(text, display_path, carried=lambda year: (
        f"chinese-calendar {chinese_calendar.__version__} carries {year}: its schedule is the one used"
        if working_days.carried_by_package(year) else None))
    earlier = await HolidaySchedule.select(HolidaySchedule.notice_number).where(
        HolidaySchedule.year == schedule.year).order_by(HolidaySchedule.id, ascending=False).first().run()
    async with write_transaction():
        await HolidaySchedule(year=schedule.year, document=msgspec.json.encode(schedule).decode(),
                              notice_number=schedule.notice.number, loaded_by=username,
                              loaded_at=dt.datetime.now(dt.UTC)).save().run()
        await audit.record(username, tenant, "calendar.loaded", f"calendar/{schedule.year}", {
            "notice": schedule.notice.number, "title": schedule.notice.title,
            "published_on": schedule.notice.published_on.isoformat(),
            "holidays": [f"{h.name} {h.first}..{h.last}" for h in schedule.holidays],
            "working_days": [f"{d.day} ({d.makes_up_for})" for d in schedule.working_days],
            "replaces": earlier["notice_number"] if earlier else None})
        await notify.announce(notify.POLICY)  # other instances read the schedules again
    working_days.use_schedules(await stored_schedules())  # in force here at once
    return schedule


def years_covered() -> tuple[int, int]:
    """The first and last year the chinese-calendar package carries."""
    years = [year for year in range(1990, 2101) if working_days.carried_by_package(year)]
    return years[0], years[-1]
