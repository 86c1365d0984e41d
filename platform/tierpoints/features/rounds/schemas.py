"""Request and response bodies (msgspec). Public views carry masked data only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from tierpoints.rounds.ranking import Move


class NewRound(msgspec.Struct, forbid_unknown_fields=True):
    service: str
    quota: int
    snapshot: dt.date  # the points valid on this date rank (today or earlier)


class NewPublicityObjection(msgspec.Struct, forbid_unknown_fields=True):
    applicant: int  # the ranked (or refused) applicant it is about
    grounds: str


class ObjectionCheck(msgspec.Struct, forbid_unknown_fields=True):
    outcome: str  # upheld | dismissed
    answer: str
    corrections: dict[str, Any] = {}  # verified facts of the applicant, corrected (upheld only)


class VersionView(msgspec.Struct):
    version: int
    content_hash: str
    entries: int
    refused: int
    reason: str
    created_by: str
    created_at: dt.datetime


class RoundView(msgspec.Struct):
    id: int
    tenant: str
    service: str
    service_name: dict[str, str]
    quota: int
    snapshot: dt.date
    status: str  # ranked | publicity | allocated
    publicity_from: dt.date | None
    publicity_until: dt.date | None
    publicity_rule: str | None
    versions: list[VersionView]
    allocation: dict[str, Any] | None


class PublicEntry(msgspec.Struct):
    rank: int
    masked_name: str
    masked_identity: str
    total: float
    tiers: dict[str, float]  # points per recognised tier
    tie_breaks: dict[str, float]
    on_parents_points: bool  # a child ranked on a parent's or guardian's points (§2)


class RankingPage(msgspec.Struct):
    round: int
    version: int
    content_hash: str
    total_entries: int
    offset: int
    entries: list[PublicEntry]


class PublicityObjectionView(msgspec.Struct):
    id: int
    round: int
    version: int
    applicant: int
    grounds: str
    filed_by: str
    filed_on: dt.date
    status: str
    answer: str | None
    checked_by: str | None
    checked_on: dt.date | None
    corrected_version: int | None


class VersionDiff(msgspec.Struct):
    round: int
    old_version: int
    new_version: int
    reason: str
    moves: list[Move]  # who moved, from which rank to which, and what of theirs changed
    unchanged: int
