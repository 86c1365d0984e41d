"""Request and response bodies (msgspec)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from tierpoints.engine.results import ScoreResult


class NewApplicant(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    identity_number: str  # 18 characters; stored only as a keyed digest and masked
    permit_number: str
    issued_on: dt.date
    account: str | None = None  # the username of the applicant's own login, if any


class IdentityQuery(msgspec.Struct, forbid_unknown_fields=True):
    identity_number: str


class PermitMove(msgspec.Struct, forbid_unknown_fields=True):
    to_tenant: str
    permit_number: str  # the holder presents their permit at the new office
    reason: str = ""


class PermitNote(msgspec.Struct, forbid_unknown_fields=True):
    reason: str = ""


class PermitTermination(msgspec.Struct, forbid_unknown_fields=True):
    ground: str  # permits.TERMINATION_GROUNDS: why the points are void for good (§21)
    reason: str = ""


class FactsUpdate(msgspec.Struct, forbid_unknown_fields=True):
    facts: dict[str, Any]  # top-level facts to record; null clears one


class PermitView(msgspec.Struct):
    number: str
    tenant: str
    status: str
    issued_on: dt.date
    updated_at: dt.datetime


class ApplicantView(msgspec.Struct):
    id: int
    name: str
    identity_masked: str
    account: str | None
    created_at: dt.datetime
    permit: PermitView | None


class PermitEventView(msgspec.Struct):
    at: dt.datetime
    action: str
    status: str
    from_tenant: str | None
    to_tenant: str | None
    reason: str
    ground: str | None  # set when terminated: permits.TERMINATION_GROUNDS
    actor: str


class PermitDetail(msgspec.Struct):
    applicant: int
    number: str
    tenant: str
    status: str
    validity: str  # valid | suspended (points temporarily invalid) | void
    issued_on: dt.date
    updated_at: dt.datetime
    history: list[PermitEventView]


class FactsView(msgspec.Struct):
    applicant: int
    revision: int  # 0: nothing recorded yet
    recorded_at: dt.datetime | None
    recorded_by: str | None
    facts: dict[str, Any]  # only the facts the caller may read


class ScoreView(msgspec.Struct):
    applicant: int
    at: str
    as_of: dt.date
    permit_tenant: str
    permit_status: str
    validity: str
    valid: bool  # false while suspended (temporarily) or void (for good)
    result: ScoreResult
