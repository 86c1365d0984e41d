"""The result contract: what a score looks like on the CLI and over HTTP."""

from __future__ import annotations

from typing import Literal

import msgspec

Number = int | float


def number(value: float) -> Number:
    """Points print as 20, not 20.0; halves and quarters stay."""
    whole = int(value)
    return whole if whole == value else float(value)


class Names(msgspec.Struct, frozen=True, gc=False):
    zh: str
    en: str


class SourceRef(msgspec.Struct, frozen=True, gc=False):
    document: str
    clause: str
    values: Literal["published", "illustrative"]


class IndicatorResult(msgspec.Struct, frozen=True, gc=False):
    id: str
    category: str
    points: Number
    capped: bool
    reason: str
    name: Names
    max_points: Number | None
    department: str
    source: SourceRef


class TierResult(msgspec.Struct, frozen=True, gc=False):
    tenant: str
    tier: str
    cap: Number
    points: Number
    capped: bool
    indicator_set: str
    indicators: list[IndicatorResult]


class VetoResult(msgspec.Struct, frozen=True, gc=False):
    tenant: str
    indicator: str
    reason: str


class ScoreResult(msgspec.Struct, frozen=True, gc=False):
    tenant: str
    as_of: str
    total: Number
    vetoed: bool
    vetoes: list[VetoResult]
    tiers: list[TierResult]
