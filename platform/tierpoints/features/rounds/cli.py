"""`tierpoints rounds ...`: service rounds for operators. Each change acts as an account
(`--as`): authorised for that account's roles in the round's tenant and audited under its name."""

from __future__ import annotations

import datetime as dt

import click

from tierpoints.cli_support import AS, run_with_runtime
from tierpoints.features.auth import Actor
from tierpoints.features.rounds import service, vectors
from tierpoints.features.rounds.schemas import NewRound, RoundView
from tierpoints.runtime import Runtime


def _summary(view: RoundView) -> str:
    newest = view.versions[-1]
    lines = [f"round {view.id}: {view.tenant} {view.service} ({view.service_name['en']}), quota {view.quota}, "
             f"points valid on {view.snapshot}, {view.status}",
             f"  ranking version {newest.version}: {newest.entries} ranked, {newest.refused} not ranked, "
             f"sha256 {newest.content_hash}"]
    if view.publicity_until:
        lines.append(f"  publicity {view.publicity_from} to {view.publicity_until} ({view.publicity_rule})")
    if view.allocation:
        allocation = view.allocation
        lines.append(f"  allocated: {len(allocation['granted'])} granted, {len(allocation['pending'])} pending "
                     f"for the office, {allocation['over_quota']} over the quota, {allocation['unfilled']} unfilled")
    return "\n".join(lines)


@click.group()
def rounds() -> None:
    """Service rounds: open, publish, show, allocate; prepare after a pack changed its tie-breaks."""


@rounds.command("open")
@click.option("--tenant", required=True, help="The tenant that runs the service.")
@click.option("--service", "service_id", required=True, help="A service of its services.yaml.")
@click.option("--quota", required=True, type=int)
@click.option("--snapshot", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The points valid on this date rank (YYYY-MM-DD).")
@AS
def open_round(tenant: str, service_id: str, quota: int, snapshot: dt.datetime, username: str) -> None:
    """Open a round and rank it at once."""
    data = NewRound(service=service_id, quota=quota, snapshot=snapshot.date())
    click.echo(_summary(run_with_runtime(lambda runtime: service.open_round(runtime, Actor(username), tenant, data))))


@rounds.command("list")
@click.option("--tenant", required=True)
@click.option("--as", "username", help="See unpublished rounds too (with rounds:read there).")
def list_rounds(tenant: str, username: str | None) -> None:
    """The tenant's rounds."""
    views = run_with_runtime(lambda runtime: service.listed(runtime, Actor(username), tenant))
    click.echo("\n".join(_summary(v) for v in views) or f"{tenant} has no round to show")


@rounds.command("show")
@click.argument("round_id", type=int)
@click.option("--top", default=20, show_default=True, help="How many entries to print.")
@click.option("--as", "username", help="Needed for a round not yet published.")
def show(round_id: int, top: int, username: str | None) -> None:
    """A round and the top of its ranking (masked)."""
    async def work(runtime: Runtime):
        actor = Actor(username)
        return await service.read(runtime, actor, round_id), await service.ranking_page(
            runtime, actor, round_id, None, 0, top, None)

    view, page = run_with_runtime(work)
    click.echo(_summary(view))
    for entry in page.entries:
        keys = ", ".join(f"{k} {v:g}" for k, v in entry.tie_breaks.items())
        click.echo(f"  {entry.rank:>6}  {entry.masked_name:<6} {entry.masked_identity}  {entry.total:g}  ({keys})")


@rounds.command("publish")
@click.argument("round_id", type=int)
@AS
def publish(round_id: int, username: str) -> None:
    """Publish the ranking for the service's publicity period (working days)."""
    click.echo(_summary(run_with_runtime(lambda runtime: service.publish(runtime, Actor(username), round_id))))


@rounds.command("allocate")
@click.argument("round_id", type=int)
@AS
def allocate(round_id: int, username: str) -> None:
    """Allocate the quota in rank order once publicity has closed with no objection open."""
    click.echo(_summary(run_with_runtime(lambda runtime: service.allocate(runtime, Actor(username), round_id))))


@rounds.command("prepare")
@click.option("--tenant", required=True, help="The tenant whose determinations' key vectors to write again.")
@AS
def prepare(tenant: str, username: str) -> None:
    """Write the key vectors a round reads under the tenant's tie-break keys in force (after a pack
    changed them, or for determinations stored before vectors were kept)."""
    written = run_with_runtime(lambda runtime: vectors.prepare(runtime, Actor(username), tenant))
    click.echo(f"{tenant}: {written:,} key vector(s) written under the tie-break keys in force")
