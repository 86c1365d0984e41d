"""What the publishing endpoints accept and return."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec


class VersionSummary(msgspec.Struct, frozen=True):
    """One indicator-set version in a tenant's list (drafts only for those who may read them)."""

    id: int
    tenant: str
    status: str  # draft | published | superseded
    effective_from: str | None  # None for a draft: its date is chosen when it is published
    revision: int
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None
    # Officials' usernames: shown only to those who may read the tenant's drafts.
    author: str | None = None
    published_by: str | None = None


class DraftView(msgspec.Struct, frozen=True):
    id: int
    tenant: str
    status: str
    effective_from: str | None  # for a draft, the date its content proposes (if it is a date)
    revision: int
    author: str
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None
    published_by: str | None
    content: dict[str, Any]


class ProblemView(msgspec.Struct, frozen=True, omit_defaults=True):
    file: str
    pointer: str
    message: str
    line: int | None = None


class ValidationReport(msgspec.Struct, frozen=True):
    valid: bool
    problems: list[ProblemView]


class PublishRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    effective_from: dt.date


class PublishResult(msgspec.Struct, frozen=True):
    version: DraftView
    superseded: list[int]  # versions that were the latest before; in force until the new date
    recomputed: int  # recognised scores recomputed under the new policy
