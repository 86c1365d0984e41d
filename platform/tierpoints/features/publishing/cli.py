"""Command line: `packs export` writes published policy back as pack files; `drafts publish`
publishes a draft and shows the recomputation of recognised scores."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from tierpoints import paths
from tierpoints.cli_support import run_with_database
from tierpoints.features.publishing import service
from tierpoints.features.publishing.errors import PublishingError
from tierpoints.features.publishing.export import export_packs
from tierpoints.packs.catalog import NotInForce, UnknownTenant
from tierpoints.runtime import NotReady, build_runtime

CLI_ACTOR = "cli"


def _run(work):
    """Run `work(settings)` with the configured database active."""
    return run_with_database(work)


@click.command("export")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def export(directory: Path | None) -> None:
    """Write the database's published indicator sets as pack files into DIRECTORY (default:
    tenants/); files whose data is unchanged are left as they are."""
    target = directory or paths.tenants_dir()

    async def work(settings):
        return await export_packs(target)

    report = _run(work)
    for path in report.written:
        click.echo(f"wrote {path}")
    click.echo(f"{len(report.written)} file(s) written, {len(report.unchanged)} unchanged, into {target}")
    for path in report.not_in_database:
        click.echo(f"warning: {path} is not a published version in the database", err=True)


@click.group()
def drafts() -> None:
    """Draft indicator sets (created and edited over HTTP)."""


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)",
                                 param_hint="--effective-from") from None


@drafts.command("publish")
@click.option("--tenant", required=True, help="The tenant whose draft it is.")
@click.option("--draft", "draft_id", required=True, type=int, help="The draft's id.")
@click.option("--effective-from", "effective_from", required=True, help="YYYY-MM-DD, today or later.")
def publish(tenant: str, draft_id: int, effective_from: str) -> None:
    """Publish a draft and recompute the recognised scores it affects (tenant and below)."""
    date = _date(effective_from)

    async def work(settings):
        try:
            runtime = await build_runtime(settings)
        except NotReady as error:
            raise click.ClickException(str(error)) from None
        runtime.catalog.tenant(tenant)
        row, superseded = await service.publish_draft(CLI_ACTOR, tenant, draft_id, date)
        click.echo(f"published {tenant} version {row['id']} from {date}"
                   + (f"; superseded: {', '.join(map(str, superseded))}" if superseded else ""))
        with click.progressbar(length=0, label="recomputing recognised scores", show_pos=True) as bar:
            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            return await service.apply_published(runtime, tenant, on_progress=progress)

    try:
        count = _run(work)
    except PublishingError as error:
        lines = [f"  {e['file'] + ': ' if e.get('file') else ''}{e['pointer'] or '/'}: {e['message']}"
                 for e in error.errors]
        raise click.ClickException("\n".join([error.detail, *lines])) from None
    except (UnknownTenant, NotInForce) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"recomputed {count} recognised score(s)")


def commands(packs: click.Group) -> click.Group:
    """Add `export` to the `packs` group; returns the `drafts` group for the main command."""
    packs.add_command(export)
    return drafts
