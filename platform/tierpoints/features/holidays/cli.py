"""`tierpoints calendar ...`: the holiday arrangements working days are counted over."""

from __future__ import annotations

from pathlib import Path

import chinese_calendar
import click

from tierpoints.calendar.schedules import ScheduleError
from tierpoints.cli_support import AS, run_with_database, run_with_runtime
from tierpoints.features.auth import Actor
from tierpoints.features.holidays import service
from tierpoints.store.holidays import stored_schedules


@click.group()
def calendar() -> None:
    """Holiday arrangements: what is carried, and loading a year's State Council notice."""


@calendar.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tenant", required=True, help="The province's tenant (the arrangement is national).")
@AS
def load(file: Path, tenant: str, username: str) -> None:
    """Load a year's arrangement (policy_schemas/holiday-schedule.schema.json) for a year the
    chinese-calendar package does not carry yet."""
    text = file.read_text(encoding="utf-8")
    try:
        schedule = run_with_runtime(
            lambda runtime: service.load_schedule(runtime, Actor(username), tenant, text, str(file)))
    except ScheduleError as error:
        raise click.ClickException(f"{file} is not loaded:\n{error}") from None
    click.echo(f"{schedule.year}: {len(schedule.holidays)} holidays, {len(schedule.working_days)} make-up "
               f"working days, from {schedule.notice.number} ({schedule.notice.published_on}); in force")


@calendar.command("show")
def show() -> None:
    """The years working days can be counted in."""
    first, last = service.years_covered()
    click.echo(f"chinese-calendar {chinese_calendar.__version__}: {first} to {last}")
    for schedule in run_with_database(lambda settings: stored_schedules()):
        click.echo(f"{schedule.year}: loaded from {schedule.notice.number} ({schedule.notice.title}, "
                   f"{schedule.notice.published_on})")
