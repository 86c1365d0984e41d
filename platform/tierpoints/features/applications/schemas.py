"""Request and response bodies of the application workflow (msgspec)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import msgspec

from tierpoints.engine.results import ScoreResult


class Claim(msgspec.Struct, forbid_unknown_fields=True):
    fact: str  # a top-level fact of policy_schemas/facts.schema.json
    value: Any
    evidence: list[str] = []  # the materials submitted for it (Hangzhou rules §11.1-§11.9)


class Agent(msgspec.Struct, forbid_unknown_fields=True):
    """Someone applying on the applicant's behalf (Hangzhou rules §13)."""

    name: str
    relationship: Literal["employment", "guardianship", "close_relative"]
    proof: str  # the document proving the relationship


class NewApplication(msgspec.Struct, forbid_unknown_fields=True):
    claims: list[Claim]
    # Deduction and veto circumstances, stated by the applicant (Hangzhou rules §11): required,
    # `{}` states there is none.
    declarations: dict[str, Any]
    agent: Agent | None = None


class Approval(msgspec.Struct, forbid_unknown_fields=True):
    corrected: Any = None  # the value the department verified, when it differs from the claim
    note: str = ""


class Rejection(msgspec.Struct, forbid_unknown_fields=True):
    reason: str


class NewObjection(msgspec.Struct, forbid_unknown_fields=True):
    grounds: str
    # objection: re-check by the district office; review: against its answer, by the city office
    stage: Literal["objection", "review"] = "objection"


class ObjectionAnswer(msgspec.Struct, forbid_unknown_fields=True):
    answer: str
    corrections: dict[str, Any] = {}  # corrected facts; the points are recomputed from them


class AgentView(msgspec.Struct):
    name: str
    relationship: str
    proof: str


class ItemView(msgspec.Struct):
    id: int
    application: int
    tenant: str
    fact: str
    claimed: Any
    evidence: list[str]
    declared: bool
    department: str
    status: str
    due: dt.date
    due_rule: str
    overdue: bool
    decided_by: str | None
    decided_at: dt.datetime | None
    corrected: Any
    reason: str


class DeterminationView(msgspec.Struct):
    id: int
    occasion: str
    as_of: dt.date
    total: float
    vetoed: bool
    facts_revision: int
    determined_by: str
    determined_at: dt.datetime
    superseded_by: int | None
    result: ScoreResult


class ObjectionView(msgspec.Struct):
    id: int
    stage: str
    status: str
    grounds: str
    filed_by: str
    filed_on: dt.date
    due: dt.date
    due_rule: str
    answer: str | None
    answered_by: str | None
    answered_on: dt.date | None


class ApplicationView(msgspec.Struct):
    id: int
    applicant: int
    tenant: str
    status: str
    kind: str  # application | adjustment (re-applying with unused determined points, §18)
    acceptance_number: str
    channel: str
    accepted_by: str
    agent: AgentView | None
    declarations: dict[str, Any]
    accepted_on: dt.date
    accepted_at: dt.datetime
    lookup_from: dt.date
    lookup_rule: str
    items: list[ItemView]
    # the determination in force; hidden from the applicant before `lookup_from` (§16)
    determination: DeterminationView | None
    result_available: bool
    history: list[DeterminationView]  # earlier determinations it superseded, newest first
    objections: list[ObjectionView]


class OverdueGroup(msgspec.Struct):
    tenant: str
    department: str
    count: int
    items: list[ItemView]
