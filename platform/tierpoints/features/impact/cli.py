"""`tierpoints impact`: preview a draft in the foreground with a progress bar, as an account."""

from __future__ import annotations

import click

from tierpoints.cli_support import AS, run_with_runtime
from tierpoints.features.auth import Actor
from tierpoints.features.impact import service
from tierpoints.features.impact.schemas import ImpactRequest, ImpactView


def _summary(view: ImpactView) -> str:
    result = view.result
    if result is None:
        return f"impact report {view.id}: {view.status}" + (f" ({view.error})" if view.error else "")
    lines = [f"impact report {view.id}: {result.tenant} draft {result.draft} (revision {result.draft_revision}) "
             f"in force from {result.as_of}, over {', '.join(result.tenants)}",
             f"  {result.applicants} applicants: {result.gain} gain, {result.lose} lose, {result.same} unchanged; "
             f"mean {result.mean_before:g} → {result.mean_after:g}"]
    for mover in result.movers[:10]:
        why = ", ".join(f"{c.indicator} {c.before:g}→{c.after:g}" for c in mover.indicators)
        lines.append(f"  {mover.masked_identity} ({mover.tenant}) {mover.before:g} → {mover.after:g}: {why}")
    for change in result.rounds:
        lines.append(f"  round {change.round} ({change.tenant} {change.service}, quota {change.quota}): "
                     f"{len(change.enter)} would enter, {len(change.drop)} would drop out")
    return "\n".join(lines)


@click.command("impact")
@click.option("--tenant", required=True, help="The tenant whose draft it is.")
@click.option("--draft", "draft_id", required=True, type=int, help="The draft's id.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Put the draft in force from this day (YYYY-MM-DD); default today.")
@AS
def impact(tenant: str, draft_id: int, as_of, username: str) -> None:
    """What a draft indicator set would do to the applicants it reaches."""
    async def work(runtime):
        with click.progressbar(length=0, label="scoring under the published policy and the draft",
                               show_pos=True) as bar:
            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            view, _ = await service.start(runtime, Actor(username), tenant, draft_id,
                                          ImpactRequest(as_of=as_of.date() if as_of else None),
                                          background=False, on_progress=progress)
        return await service.read(runtime, Actor(username), tenant, view.id)

    click.echo(_summary(run_with_runtime(work)))
