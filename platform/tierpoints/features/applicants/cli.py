"""`tierpoints scores ...`: recompute recognised scores in batch, with a progress bar."""

from __future__ import annotations

import asyncio
import datetime as dt

import click

from tierpoints.cli_support import settings_or_exit
from tierpoints.features.applicants.scores import recompute_scores
from tierpoints.packs.catalog import UnknownTenant
from tierpoints.runtime import NotReady, Runtime, build_runtime, database
from tierpoints.store.db import DatabaseError


@click.group()
def scores() -> None:
    """Applicants' recognised scores."""


@scores.command("recompute")
@click.option("--tenant", "tenants", multiple=True,
              help="Only applicants whose permit is in this tenant or below it (they all "
                   "recognise its indicators); repeatable; default everyone.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Date (YYYY-MM-DD); default today.")
def recompute(tenants: tuple[str, ...], as_of: dt.datetime | None) -> None:
    """Score every applicant with a live permit at the permit's tenant and store the result."""
    settings = settings_or_exit()

    async def work() -> int:
        async with database(settings):
            try:
                runtime = await build_runtime(settings)
            except NotReady as error:
                raise click.ClickException(str(error)) from None
            chosen = _tenants(runtime, tenants) if tenants else None
            with click.progressbar(length=0, label="recomputing", show_pos=True) as bar:
                def progress(done: int, total: int) -> None:
                    bar.length = total
                    bar.update(done - bar.pos)

                return await recompute_scores(runtime, tenants=chosen, on_progress=progress,
                                              as_of=as_of.date() if as_of else None)

    try:
        count = asyncio.run(work())
    except DatabaseError as error:
        raise click.ClickException(str(error)) from None
    except (OSError, ConnectionError) as error:
        raise click.ClickException(f"cannot reach the database: {error}") from None
    click.echo(f"recomputed {count} recognised score(s)")


def _tenants(runtime: Runtime, tenants: tuple[str, ...]) -> set[str]:
    chosen: set[str] = set()
    for tenant in tenants:
        try:
            runtime.catalog.tenant(tenant)
        except UnknownTenant as error:
            raise click.BadParameter(str(error), param_hint="--tenant") from None
        chosen.update(t for t in runtime.catalog.tree.area(tenant) if t in runtime.catalog.tenants)
    return chosen
