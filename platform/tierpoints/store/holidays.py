"""The holiday schedules operators loaded (tables.HolidaySchedule): the newest of each year."""

from __future__ import annotations

import msgspec

from tierpoints.calendar.schedules import YearSchedule
from tierpoints.store.tables import HolidaySchedule


async def stored_schedules() -> list[YearSchedule]:
    rows = await HolidaySchedule.select(HolidaySchedule.year, HolidaySchedule.document).order_by(
        HolidaySchedule.id).run()
    newest = {row["year"]: row["document"] for row in rows}  # a later row of a year replaces
    return [msgspec.json.decode(document, type=YearSchedule) for _, document in sorted(newest.items())]


async def schedules_signature() -> tuple[int, int]:
    rows = await HolidaySchedule.raw(
        "SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS newest FROM holiday_schedule").run()
    return int(rows[0]["n"]), int(rows[0]["newest"])
