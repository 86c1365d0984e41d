"""Read models over the catalog for the simulation feature (shared by HTTP and CLI)."""

from __future__ import annotations

import datetime as dt

import msgspec

from tierpoints.engine.results import Names, number
from tierpoints.features.simulation.schemas import TenantView, TierIndicators
from tierpoints.packs.catalog import PolicyCatalog


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
