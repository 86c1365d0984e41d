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
