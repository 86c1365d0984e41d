"""The `tierpoints` command: validate packs, show indicators, simulate, serve."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click
import msgspec

from tierpoints.engine import Engine, FactsError
from tierpoints.packs import PackError, load_catalog
from tierpoints.packs.catalog import NotInForce, UnknownTenant
from tierpoints.tables import chain_table, score_table


def _engine() -> Engine:
    try:
        return Engine(load_catalog())
    except PackError as error:
        raise click.ClickException(f"the packs do not load:\n{error}") from None


def _as_of(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
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
    for index in range(len(scores)):
        row = scores.row(index)
        if table:
            tiers = "  ".join(f"{t['tenant']} {t['points']:g}" for t in row["tiers"])
            out.write(f"{index + 1:>6}  total {row['total']:>7g}  {'VETOED  ' if row['vetoed'] else ''}{tiers}\n")
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the HTTP API (OpenAPI at /schema) with the packs in tenants/."""
    import uvicorn

    from tierpoints.app import create_app

    uvicorn.run(create_app(_engine()), host=host, port=port)


if __name__ == "__main__":
    main()
