"""Request and response bodies (msgspec)."""

from __future__ import annotations

import datetime as dt

import msgspec


class NewGuardian(msgspec.Struct, forbid_unknown_fields=True):
    guardian: int  # the applicant id of the parent or guardian
    relationship: str  # father | mother | guardian
    proof: str  # the document that proves it (birth certificate, court order...)


class GuardianView(msgspec.Struct):
    child: int
    guardian: int
    relationship: str
    proof: str
    tenant: str
    recorded_by: str
    recorded_at: dt.datetime


class GuardianPoints(msgspec.Struct):
    guardian: int
    relationship: str
    status: str
    total: float | None


class PointsStanding(msgspec.Struct):
    """Whether an applicant's determined points count on `as_of`, as tenant `at` recognises them."""

    applicant: int
    at: str
    as_of: dt.date
    status: str  # valid | suspended (temporarily invalid) | void (for good) | used | none
    reason: str
    total: float | None  # the determined points as `at` recognises them; None when none count
    determination: int | None = None
    determined_on: dt.date | None = None
    determined_by_tenant: str | None = None
    determined_total: float | None = None  # as the determining tenant saw them
    acceptance_number: str | None = None
    minor: bool = False  # under 16 on as_of: uses a parent's or guardian's points (§2)
    via_guardian: int | None = None
    guardians: list[GuardianPoints] = []
