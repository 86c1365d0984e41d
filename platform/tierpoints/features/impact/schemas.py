"""Bodies of the impact preview (msgspec). Rows about people are masked; the service drops the
rows of tenants whose applicants the reader may not see."""

from __future__ import annotations

import datetime as dt

import msgspec

from tierpoints.features.impact.compare import IndicatorChange


class ImpactRequest(msgspec.Struct, forbid_unknown_fields=True):
    as_of: dt.date | None = None  # the draft is put in force from this day; default today


class TenantCounts(msgspec.Struct):
    applicants: int
    gain: int
    lose: int
    same: int


class Distribution(msgspec.Struct):
    bins: list[float]  # lower edges (10-point bins); the last holds everything above
    before: list[int]
    after: list[int]


class MoverRow(msgspec.Struct):
    masked_name: str
    masked_identity: str
    tenant: str
    before: float
    after: float
    change: float
    indicators: list[IndicatorChange]
    applicant: int | None = None  # only for readers who may read the applicant


class RoundChange(msgspec.Struct):
    round: int
    tenant: str
    service: str
    quota: int
    snapshot: dt.date
    enter: list[str]  # masked identities of those the draft would bring into the quota
    drop: list[str]  # ... and of those it would push out


class ImpactResult(msgspec.Struct):
    tenant: str
    draft: int
    draft_revision: int
    as_of: dt.date
    tenants: list[str]  # the tenants whose applicants the draft reaches
    applicants: int
    gain: int
    lose: int
    same: int
    vetoed_before: int
    vetoed_after: int
    unreadable: int  # applicants whose stored facts no longer fit the facts schema (not scored)
    mean_before: float
    mean_after: float
    by_tenant: dict[str, TenantCounts]
    distribution: Distribution
    movers: list[MoverRow]  # the largest changes, biggest first
    rounds: list[RoundChange]


class ImpactView(msgspec.Struct):
    id: int
    tenant: str
    draft: int
    draft_revision: int
    as_of: dt.date
    status: str  # running | done | failed
    done: int
    total: int
    requested_by: str
    requested_at: dt.datetime
    finished_at: dt.datetime | None
    error: str | None
    result: ImpactResult | None
