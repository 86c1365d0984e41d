"""The `tierpoints` command: validate packs, show indicators, simulate, serve."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from pathlib import Path

import click
import msgspec

from tierpoints import clock, paths
from tierpoints.accounts import service as account_service
from tierpoints.cli_support import run_with_database, settings_or_exit
from tierpoints.engine import Engine, FactsError
from tierpoints.features.applicants import cli as applicants_cli
from tierpoints.features.holidays import cli as holidays_cli
from tierpoints.features.rounds import cli as rounds_cli
from tierpoints.features.impact import cli as impact_cli
from tierpoints.features.publishing import cli as publishing_cli
from tierpoints.packs import PackError, load_catalog
from tierpoints.packs.catalog import NotInForce, UnknownTenant
from tierpoints.packs.sources import folder_packs
from tierpoints.runtime import NotReady, build_runtime, database
from tierpoints.settings import Settings
from tierpoints.store import db as store_db
from tierpoints.store.policy import load_policy_catalog, sync_packs
from tierpoints.tables import chain_table, score_table


def _engine() -> Engine:
    try:
        return Engine(load_catalog())
    except PackError as error:
        raise click.ClickException(f"the packs do not load:\n{error}") from None


def _as_of(value: str | None) -> dt.date:
    if value is None:
        return clock.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--as-of") from None


@click.group()
@click.version_option(package_name="tierpoints")
def main() -> None:
    """Tierpoints: residence-permit points for Zhejiang's province, cities and counties."""


@main.group()
def packs() -> None:
    """Tenant policy packs."""


@packs.command("validate")
@click.argument("directories", nargs=-1, type=click.Path(path_type=Path))
def validate(directories: tuple[Path, ...]) -> None:
    """Check packs against policy_schemas/ and the load-time rules (default: tenants/)."""
    try:
        catalog = load_catalog(list(directories) or None)
    except PackError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(error.problems)} problem(s)", err=True)
        sys.exit(1)
    sets = sum(len(v) for v in catalog.indicator_sets.values())
    click.echo(f"ok: {len(catalog.tenants)} packs, {sets} indicator sets")
    for chain in sorted(catalog.tree.chain(tenant) for tenant in catalog.tree):
        click.echo(f"  {' > '.join(chain)}")


@main.command()
@click.option("--at", "tenant", required=True, help="The jurisdiction whose view to show.")
@click.option("--as-of", "as_of", help="Date (YYYY-MM-DD); default today.")
def indicators(tenant: str, as_of: str | None) -> None:
    """Show the indicator chain a tenant recognises: province → city → county."""
    engine = _engine()
    try:
        click.echo(chain_table(engine.catalog, tenant, _as_of(as_of)))
    except (UnknownTenant, NotInForce) as error:
        raise click.ClickException(str(error)) from None


def _read_facts(source: str) -> tuple[bool, list[tuple[int, bytes]]]:
    """(is JSON Lines, [(line number, document)])."""
    path = Path(source)
    data = sys.stdin.buffer.read() if source == "-" else path.read_bytes()
    if path.suffix not in (".jsonl", ".ndjson"):
        try:
            msgspec.json.decode(data)
            return False, [(1, data)]
        except msgspec.DecodeError:
            if len(data.strip().splitlines()) < 2:
                return False, [(1, data)]
    return True, [(n, line) for n, line in enumerate(data.splitlines(), 1) if line.strip()]


@main.command()
@click.option("--at", "tenant", required=True, help="Score as this jurisdiction sees the applicant.")
@click.option("--as-of", "as_of", help="Date (YYYY-MM-DD); default today.")
@click.option("--table", is_flag=True, help="A readable table instead of JSON.")
@click.argument("facts")
def simulate(tenant: str, as_of: str | None, table: bool, facts: str) -> None:
    """Score FACTS (a JSON file, a JSON Lines file for many applicants, or - for stdin)."""
    engine = _engine()
    date = _as_of(as_of)
    if facts != "-" and not Path(facts).is_file():
        raise click.BadParameter(f"no such file: {facts}", param_hint="FACTS")
    lines_mode, documents = _read_facts(facts)
    validated, problems = [], []
    for number, document in documents:
        try:
            validated.append(engine.validate(document))
        except FactsError as error:
            where = f"{facts}:{number}" if lines_mode else facts
            problems.append(f"{where}: {error.pointer or '/'}: {error.message}")
    if problems:
        raise click.ClickException("facts rejected:\n" + "\n".join(problems))
    try:
        if not lines_mode:
            result = engine.score(validated[0], at=tenant, as_of=date)
            click.echo(score_table(result) if table else msgspec.json.format(
                msgspec.json.encode(result), indent=2).decode())
            return
        scores = engine.score_columns(engine.load_batch(validated, tenant, date), tenant, date)
    except (UnknownTenant, NotInForce) as error:
        raise click.ClickException(str(error)) from None
    out = sys.stdout
    for index, row in enumerate(scores.rows()):
        if table:
            tiers = "  ".join(f"{t['tenant']} {t['points']:g}" for t in row["tiers"])
            out.write(f"{index + 1:>6}  total {row['total']:>7g}  {'VETOED  ' if row['vetoed'] else ''}{tiers}\n")
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _settings() -> Settings:
    return settings_or_exit()


def _with_database(work, migrated: bool = True):
    """Run `work()` (a coroutine function) with the configured (and migrated) database active."""
    return run_with_database(lambda _settings: work(), migrated)


@main.group("db")
def db_group() -> None:
    """The database (SQLite by default; DATABASE_URL for PostgreSQL)."""


@db_group.command("migrate")
def db_migrate() -> None:
    """Apply the migrations the database has not had yet."""
    applied = _with_database(lambda: store_db.migrate(quiet=True), migrated=False)
    where = _settings().database_url.split("@")[-1]
    click.echo(f"applied {len(applied)} migration(s) to {where}" if applied else f"{where} is up to date")


@packs.command("sync")
@click.argument("directories", nargs=-1, type=click.Path(path_type=Path))
def sync(directories: tuple[Path, ...]) -> None:
    """Seed the database with the packs in tenants/ (published versions never change)."""
    folders = list(directories) or [paths.tenants_dir()]
    try:
        catalog = load_catalog(folders)
    except PackError as error:
        raise click.ClickException(f"the packs do not load:\n{error}") from None
    packs_found = [pack for folder in folders for pack in folder_packs(Path(folder))]

    async def work():
        if await store_db.pending_migrations():
            raise click.ClickException("the database is not migrated: run `tierpoints db migrate` first")
        return await sync_packs(catalog, packs_found, actor="packs sync")

    report = _with_database(work)
    click.echo(f"tenants added: {', '.join(report.tenants_added) or 'none'}; "
               f"updated: {', '.join(report.tenants_updated) or 'none'}")
    click.echo(f"indicator sets added: {', '.join(report.versions_added) or 'none'}; "
               f"unchanged: {report.unchanged}")
    for conflict in report.conflicts:
        click.echo(f"conflict: {conflict}", err=True)
    if report.conflicts:
        sys.exit(1)


@main.group()
def accounts() -> None:
    """Operator accounts."""


@accounts.command("add")
@click.option("--tenant", required=True, help="The tenant where the role is held.")
@click.option("--role", required=True, help="e.g. county_admin, department_reviewer.")
@click.option("--department", help="For a department reviewer: the department it reviews for.")
@click.option("--display-name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.argument("username")
def accounts_add(tenant: str, role: str, department: str | None, display_name: str,
                 password_stdin: bool, username: str) -> None:
    """Create USERNAME holding ROLE in TENANT (asks for the password; there is no default)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)

    async def work():
        catalog = await load_policy_catalog()
        return await account_service.create_account(
            catalog, username, password, role, tenant, department, actor="cli", display_name=display_name)

    try:
        grant = _with_database(work)
    except (account_service.AccountError, UnknownTenant) as error:
        raise click.ClickException(str(error)) from None
    where = f"{grant.tenant}" + (f" ({grant.department})" if grant.department else "")
    click.echo(f"created {grant.username}: {grant.role} in {where}")


@main.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check the hash chain; name the first broken entry."""
    from tierpoints import audit as audit_log

    checked, broken = _with_database(audit_log.verify)
    if broken is not None:
        click.echo(f"broken at entry #{broken.entry_id}: {broken.reason} ({checked} entries before it are intact)", err=True)
        sys.exit(1)
    click.echo(f"ok: {checked} entries, chain intact")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the HTTP API (OpenAPI at /schema) from the database's published policy."""
    import uvicorn

    from tierpoints.app import create_app

    settings = _settings()

    async def run() -> None:
        async with database(settings):
            try:
                runtime = await build_runtime(settings)
            except NotReady as error:
                raise click.ClickException(str(error)) from None
            if not runtime.authorizer.enforcer.get_named_grouping_policy("g"):
                click.echo("No accounts yet. Create an administrator with\n"
                           "  tierpoints accounts add --tenant zhejiang --role province_admin admin\n"
                           "then get a token: POST /api/v1/auth/token {\"username\": ..., \"password\": ...}")
            config = uvicorn.Config(create_app(runtime), host=host, port=port, log_level="info")
            await uvicorn.Server(config).serve()

    asyncio.run(run())


main.add_command(publishing_cli.commands(packs))  # `packs export` and `drafts publish`

main.add_command(applicants_cli.scores)
main.add_command(rounds_cli.rounds)
main.add_command(holidays_cli.calendar)
main.add_command(impact_cli.impact)

if __name__ == "__main__":
    main()
