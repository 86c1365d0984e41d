"""Read models over the catalog for the simulation feature (shared by HTTP and CLI)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from tierpoints.engine import Engine
from tierpoints.engine.results import Names, ScoreResult, number
from tierpoints.features.simulation.schemas import (
    ScoreElsewhere,
    TenantView,
    TierIndicators,
    TierPoints,
)
from tierpoints.packs.catalog import NotInForce, PolicyCatalog


def tenant_views(catalog: PolicyCatalog) -> list[TenantView]:
    order = {"province": 0, "city": 1, "county": 2}
    return [
        TenantView(
            id=m.id, name=Names(m.name.zh, m.name.en), tier=m.tier, parent=m.parent, cap=number(m.cap),
            recognises=catalog.tree.chain(m.id),
            indicator_sets=[s.effective_from.isoformat() for s in catalog.indicator_sets[m.id]],
        )
        for m in sorted(catalog.tenants.values(), key=lambda m: (order[m.tier], m.id))
    ]


def chain_indicators(catalog: PolicyCatalog, tenant: str, as_of: dt.date) -> list[TierIndicators]:
    tiers = []
    for manifest in catalog.chain(tenant):
        indicator_set = catalog.set_in_force(manifest.id, as_of)
        tiers.append(TierIndicators(
            tenant=manifest.id, tier=manifest.tier, cap=number(manifest.cap),
            indicator_set=indicator_set.effective_from.isoformat(),
            cap_enforced=indicator_set.cap_enforced,
            title=Names(indicator_set.title.zh, indicator_set.title.en),
            indicators=[msgspec.to_builtins(i) for i in indicator_set.indicators],
        ))
    return tiers


def score_elsewhere(engine: Engine, facts: Any, at: str, as_of: dt.date,
                    home: ScoreResult | None = None) -> list[ScoreElsewhere]:
    """The facts scored at every other tenant: which of `at`'s tiers would still count there
    (provincial points travel everywhere, municipal ones within the city, county ones stay),
    and what that jurisdiction adds of its own. Tenants with no set in force are left out."""
    validated = engine.validate(facts)
    home = home or engine.score(validated, at=at, as_of=as_of)
    home_tiers = {tier.tenant for tier in home.tiers}
    found = []
    for view in tenant_views(engine.catalog):
        if view.id == at:
            continue
        try:
            there = engine.score(validated, at=view.id, as_of=as_of)
        except NotInForce:
            continue
        recognised = set(view.recognises)
        points = {tier.tenant: TierPoints(tier.tenant, tier.tier, tier.points) for tier in there.tiers}
        found.append(ScoreElsewhere(
            at=view.id, total=there.total, vetoed=there.vetoed,
            carried=[points[t.tenant] for t in home.tiers if t.tenant in recognised],
            left_behind=[TierPoints(t.tenant, t.tier, t.points) for t in home.tiers if t.tenant not in recognised],
            added=[p for tenant, p in points.items() if tenant not in home_tiers],
        ))
    return found
