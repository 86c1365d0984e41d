"""Loading the State Council's holiday arrangement for a year chinese-calendar does not carry yet
(issue #4: working-day deadlines never guess), on SQLite and PostgreSQL: checked against
policy_schemas/holiday-schedule.schema.json and against itself, every problem with file, line
and field; authorised (calendar:publish, the province's administrators) and audited; in force at
once for deadlines; a corrected notice replaces it, both kept.

The 2027 arrangement below is INVENTED for the tests (the real notice is not in the seeds): a
New Year's Day off from 1 to 3 January with Saturday 9 January worked, a Spring Festival from
5 to 11 February with Sunday 14 February worked.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from test_applications import EXAMPLE, NO_DECLARATIONS, applicant, claims, pin

from tierpoints.authz import PermissionDenied
from tierpoints.calendar import working_days
from tierpoints.calendar.schedules import ScheduleError, read_schedule
from tierpoints.calendar.working_days import CalendarDataMissing, add_working_days
from tierpoints.features.auth import Actor
from tierpoints.features.holidays import service
from tierpoints.store.tables import AuditEntry, HolidaySchedule

D = dt.date
INVENTED_2027 = """\
# invented for the tests: not the State Council's notice
year: 2027
notice:
  title: 国务院办公厅关于2027年部分节假日安排的通知（测试用，虚构）
  number: TEST-2027-1
  published_on: 2026-11-10
holidays:
  - {name: 元旦, first: 2027-01-01, last: 2027-01-03}
  - {name: 春节, first: 2027-02-05, last: 2027-02-11}
working_days:
  - {day: 2027-01-09, for: 元旦}
  - {day: 2027-02-14, for: 春节}
"""


@pytest.fixture(autouse=True)
def no_schedules_afterwards():
    yield
    working_days.use_schedules([])  # the loaded schedules are the process's: leave none behind


def test_an_arrangement_is_checked_against_the_schema_and_itself_with_lines():
    """Every problem is named with its file, line and field, all of them at once."""
    broken = INVENTED_2027.replace("  number: TEST-2027-1\n", "").replace(
        "last: 2027-01-03}", "last: 2027-01-3}")
    with pytest.raises(ScheduleError) as schema_problems:
        read_schedule(broken, "notice-2027.yaml")
    messages = [str(p) for p in schema_problems.value.problems]
    assert any(m.startswith("notice-2027.yaml:3: /notice:") and "'number' is a required property" in m
               for m in messages), messages
    assert any(m.startswith("notice-2027.yaml:7: /holidays/0/last:") and "is not a 'date'" in m
               for m in messages), messages

    inconsistent = (INVENTED_2027.replace("{day: 2027-01-09, for: 元旦}", "{day: 2027-01-08, for: 元旦}")
                    .replace("{name: 春节, first: 2027-02-05, last: 2027-02-11}",
                             "{name: 春节, first: 2027-01-02, last: 2028-01-01}"))
    with pytest.raises(ScheduleError) as self_problems:
        read_schedule(inconsistent, "notice-2027.yaml")
    messages = [str(p) for p in self_problems.value.problems]
    assert "notice-2027.yaml:9: /holidays/1/last: 2028-01-01 is not in 2027" in messages, messages
    assert any(m.startswith("notice-2027.yaml:9: /holidays/1/first: 春节 (2027-01-02) overlaps 元旦")
               for m in messages), messages
    assert ("notice-2027.yaml:11: /working_days/0/day: 2027-01-08 is a Friday: a make-up working day is a "
            "Saturday or Sunday") in messages, messages
    assert "notice-2027.yaml:12: /working_days/1/day: 2027-02-14 is a day off of a holiday as well" in messages

    schedule = read_schedule(INVENTED_2027, "notice-2027.yaml")
    assert [schedule.is_working_day(D(2027, 1, d)) for d in range(1, 12)] == [
        False, False, False, True, True, True, True, True, True, False, True]  # Sat 9th worked, Sun 10th not


async def test_a_province_loads_a_notice_and_deadlines_count_into_that_year(platform, monkeypatch):
    """Xiangshan's notice (departments review online applications within 10 working days) across
    New Year 2027: refused (503, naming what to do) until the notice is loaded; then counted over
    it — and a corrected notice is in force at once, the first kept. A city administrator may not load it; a year the
    package carries is not loaded over; a broken file stores nothing."""
    pin(monkeypatch, "2026-12-21")
    office = await platform.account("mo_xs", "migrant_office_district", "xiangshan")
    applicant_id, own = await applicant(platform, office, "xiangshan", 31)
    body = {"claims": claims(EXAMPLE), "declarations": NO_DECLARATIONS}
    url = f"/api/v1/applicants/{applicant_id}/applications"
    refused = await platform.client.post(url, json=body, headers=own)
    assert refused.status_code == 503, refused.text
    assert "2027" in refused.text and "tierpoints calendar load" in refused.text
    with pytest.raises(CalendarDataMissing):
        add_working_days(D(2026, 12, 21), 15)

    await platform.account("zj_admin", "province_admin", "zhejiang")
    await platform.account("hz_admin", "city_admin", "hangzhou")
    runtime = platform.runtime
    await runtime.refresh_grants(force=True)
    with pytest.raises(PermissionDenied):
        await service.load_schedule(runtime, Actor("hz_admin"), "hangzhou", INVENTED_2027, "notice-2027.yaml")
    with pytest.raises(ScheduleError, match="notice-2026.yaml:2: /year: chinese-calendar .* carries 2026"):
        await service.load_schedule(runtime, Actor("zj_admin"), "zhejiang", INVENTED_2027.replace("2027", "2026"),
                                    "notice-2026.yaml")
    with pytest.raises(ScheduleError):
        await service.load_schedule(runtime, Actor("zj_admin"), "zhejiang", INVENTED_2027.replace("2027-01-09", "2027-01-08"),
                                    "notice-2027.yaml")
    assert await HolidaySchedule.count().run() == 0

    from tierpoints.runtime import policy_signature

    seen = await policy_signature()
    await service.load_schedule(runtime, Actor("zj_admin"), "zhejiang", INVENTED_2027, "notice-2027.yaml")
    assert await policy_signature() != seen  # every other instance reloads the policy and schedules
    # 15 working days after Mon 21 Dec 2026: 22-25, 28-31 Dec (8), 4-8 Jan (13), Sat 9 Jan (14), 11 Jan (15)
    assert add_working_days(D(2026, 12, 21), 15) == D(2027, 1, 11)
    accepted = await platform.client.post(url, json=body, headers=own)
    assert accepted.status_code == 201, accepted.text
    # 10 working days after Mon 21 Dec 2026: 22-25, 28-31 Dec (8), 1-3 Jan off, 4 and 5 Jan (10)
    assert {item["due"] for item in accepted.json()["items"]} == {"2027-01-05"}

    corrected = INVENTED_2027.replace("TEST-2027-1", "TEST-2027-2").replace("  - {day: 2027-01-09, for: 元旦}\n", "")
    await service.load_schedule(runtime, Actor("zj_admin"), "zhejiang", corrected, "notice-2027-corrected.yaml")
    assert add_working_days(D(2026, 12, 21), 15) == D(2027, 1, 12)  # Saturday 9 January is a rest day now
    kept = await HolidaySchedule.select(HolidaySchedule.year, HolidaySchedule.notice_number,
                                        HolidaySchedule.loaded_by).order_by(HolidaySchedule.id).run()
    assert kept == [{"year": 2027, "notice_number": n, "loaded_by": "zj_admin"} for n in ("TEST-2027-1", "TEST-2027-2")]
    audited = await AuditEntry.select(AuditEntry.actor, AuditEntry.tenant, AuditEntry.detail).where(
        AuditEntry.action == "calendar.loaded").order_by(AuditEntry.id).run()
    assert [(a["actor"], a["tenant"], json.loads(a["detail"])["replaces"]) for a in audited] == [
        ("zj_admin", "zhejiang", None), ("zj_admin", "zhejiang", "TEST-2027-1")]
    assert json.loads(audited[0]["detail"])["working_days"] == ["2027-01-09 (元旦)", "2027-02-14 (春节)"]

    working_days.use_schedules([])  # what another instance starting now reads: the stored schedules
    from tierpoints.runtime import build_runtime

    await build_runtime(runtime.settings)
    assert add_working_days(D(2026, 12, 21), 15) == D(2027, 1, 12)


def test_operators_load_and_show_the_arrangement_from_the_command_line(tmp_path, monkeypatch):
    """`tierpoints calendar load FILE --tenant zhejiang --as ...` and `calendar show`; a broken file
    is refused with its problems, naming file and line."""
    from click.testing import CliRunner

    from tierpoints.cli import main

    monkeypatch.setenv("TIERPOINTS_DATA", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    for command in (["db", "migrate"], ["packs", "sync"]):
        assert run(*command).exit_code == 0
    added = run("accounts", "add", "--tenant", "zhejiang", "--role", "province_admin", "--password-stdin",
                "zj_admin", input="a long enough password\n")
    assert added.exit_code == 0, added.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(INVENTED_2027.replace("2027-01-09", "2027-01-08"), encoding="utf-8")
    refused = run("calendar", "load", str(broken), "--tenant", "zhejiang", "--as", "zj_admin")
    assert refused.exit_code == 1 and f"{broken}:11: /working_days/0/day: 2027-01-08 is a Friday" in refused.output
    notice = tmp_path / "notice-2027.yaml"
    notice.write_text(INVENTED_2027, encoding="utf-8")
    loaded = run("calendar", "load", str(notice), "--tenant", "zhejiang", "--as", "zj_admin")
    assert loaded.exit_code == 0, loaded.output
    assert loaded.output.strip() == ("2027: 2 holidays, 2 make-up working days, from TEST-2027-1 (2026-11-10); "
                                     "in force")
    shown = run("calendar", "show").output.splitlines()
    assert shown[0].startswith("chinese-calendar ") and shown[0].endswith("2004 to 2026")
    assert shown[1] == "2027: loaded from TEST-2027-1 (国务院办公厅关于2027年部分节假日安排的通知（测试用，虚构）, 2026-11-10)"
