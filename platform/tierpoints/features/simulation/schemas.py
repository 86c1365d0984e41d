"""What the simulation endpoints return (besides the engine's ScoreResult)."""

from __future__ import annotations

from typing import Any

import msgspec

from tierpoints.engine.results import Names, Number


class TenantView(msgspec.Struct, frozen=True):
    id: str
    name: Names
    tier: str
    parent: str | None
    cap: Number
    recognises: list[str]
    indicator_sets: list[str]


class TierIndicators(msgspec.Struct, frozen=True):
    tenant: str
    tier: str
    cap: Number
    indicator_set: str
    cap_enforced: bool
    title: Names
    indicators: list[dict[str, Any]]


class TierPoints(msgspec.Struct, frozen=True):
    tenant: str
    tier: str
    points: Number


class ScoreElsewhere(msgspec.Struct, frozen=True):
    """The same facts scored at another jurisdiction: what moving there would keep."""

    at: str
    total: Number
    vetoed: bool
    carried: list[TierPoints]  # tiers of the home chain this jurisdiction recognises too
    left_behind: list[TierPoints]  # tiers of the home chain it does not recognise
    added: list[TierPoints]  # its own tiers, which the home chain does not recognise
