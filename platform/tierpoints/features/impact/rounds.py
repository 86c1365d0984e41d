"""Who a draft would bring into or push out of the quota of the open rounds it reaches: each
round ranked again from the same stored points, scored under the draft, and allocated."""

from __future__ import annotations

import dataclasses

from tierpoints.engine import Engine
from tierpoints.features.impact.schemas import RoundChange
from tierpoints.features.rounds import population
from tierpoints.features.rounds.service import PUBLICITY, RANKED, stored_ranking
from tierpoints.rounds.candidates import ranking_inputs
from tierpoints.rounds.ranking import Ranking, allocate, rank
from tierpoints.runtime import Runtime
from tierpoints.store.tables import ServiceRound


def _in_quota(ranking: Ranking, quota: int, resolve: str) -> set[int]:
    """Granted, and the joint group at the quota's end when the office decides it."""
    allocation = allocate(ranking, quota, resolve)
    return set(allocation.granted) | set(allocation.pending)


async def changes(runtime: Runtime, draft: Engine, tenants: list[str]) -> list[RoundChange]:
    found = []
    rows = await ServiceRound.select().where(
        ServiceRound.tenant.is_in(tenants) & ServiceRound.status.is_in([RANKED, PUBLICITY])).order_by(
        ServiceRound.id).run()
    as_drafted = dataclasses.replace(runtime, catalog=draft.catalog, engine=draft)
    for row in rows:
        service = runtime.catalog.service(row["tenant"], row["service"])
        _, now = await stored_ranking(row["id"])
        candidates, _ = await population.build(as_drafted, service, row["snapshot"], rescore=True)
        then = rank(candidates, ranking_inputs(draft.catalog, service, row["snapshot"]))
        before = _in_quota(now, row["quota"], service.boundary.resolve)
        after = _in_quota(then, row["quota"], service.boundary.resolve)
        found.append(RoundChange(
            round=row["id"], tenant=row["tenant"], service=row["service"], quota=row["quota"],
            snapshot=row["snapshot"], enter=sorted(then.entry_of(a).masked_identity for a in after - before),
            drop=sorted(now.entry_of(a).masked_identity for a in before - after)))
    return found
