"""Typed views of validated pack documents (built only after the JSON Schemas passed)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

Scalar = str | bool | int | float


class Names(msgspec.Struct, frozen=True):
    zh: str
    en: str


class Source(msgspec.Struct, frozen=True):
    document: str
    clause: str


class TenantManifest(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: Names
    tier: Literal["province", "city", "county"]
    parent: str | None
    cap: float
    cap_source: Source
    places: list[str] = []


class _ListFilter(msgspec.Struct, frozen=True, kw_only=True):
    fact: str
    where: dict[str, Scalar | list[Scalar]] | None = None
    in_area: str | None = None


class Lookup(_ListFilter, tag="lookup", tag_field="kind", frozen=True, kw_only=True):
    table: dict[str, float]
    field: str | None = None


class Band(msgspec.Struct, frozen=True, kw_only=True):
    points: float
    label: str
    min: float | None = None
    max: float | None = None
    step: float | None = None

    def matches(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def points_at(self, value: float) -> float:
        if self.step is None:
            return self.points
        return self.points + self.step * (value - (self.min or 0))


class Bands(_ListFilter, tag="bands", tag_field="kind", frozen=True, kw_only=True):
    measure: Literal["age_years", "value", "total"]
    bands: list[Band]
    field: str | None = None


class Duration(_ListFilter, tag="duration", tag_field="kind", frozen=True, kw_only=True):
    unit: Literal["month", "year"]
    points_per_unit: float


class Count(_ListFilter, tag="count", tag_field="kind", frozen=True, kw_only=True):
    points_per_event: float


class Flag(_ListFilter, tag="flag", tag_field="kind", frozen=True, kw_only=True):
    points: float


class Deduction(_ListFilter, tag="deduction", tag_field="kind", frozen=True, kw_only=True):
    points_per_occurrence: float


class Veto(_ListFilter, tag="veto", tag_field="kind", frozen=True, kw_only=True):
    pass


SimpleRule = Lookup | Bands | Duration | Count | Flag


class Option(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    rule: SimpleRule
    department: str | None = None


class BestOf(msgspec.Struct, tag="best_of", tag_field="kind", frozen=True, kw_only=True):
    options: list[Option]


Rule = Lookup | Bands | Duration | Count | Flag | BestOf | Deduction | Veto


class Indicator(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: Names
    category: Literal["basic", "additional", "deduction", "veto"]
    department: str
    evidence: list[str]
    source: Source
    values: Literal["published", "illustrative"]
    rule: Rule
    max_points: float | None = None


class IndicatorSet(msgspec.Struct, frozen=True, kw_only=True):
    tenant: str
    effective_from: dt.date
    title: Names
    indicators: list[Indicator]
    cap_enforced: bool = False
    file: str = ""  # where it was read from, for messages


def simple_rules(rule: Rule) -> list[SimpleRule | Deduction | Veto]:
    """The leaf rules of a rule: the options of a best_of, or the rule itself."""
    if isinstance(rule, BestOf):
        return [option.rule for option in rule.options]
    return [rule]


class Permission(msgspec.Struct, frozen=True, kw_only=True):
    resource: str
    actions: list[str]
    scope: Literal["own", "below"]


class Role(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: Names
    assignable_in: list[Literal["province", "city", "county"]]
    permissions: list[Permission]
    needs_department: bool = False
    tenant: str = ""  # the tenant that declares it


class RoleSet(msgspec.Struct, frozen=True, kw_only=True):
    roles: list[Role]


class WorkflowNumber(msgspec.Struct, frozen=True, kw_only=True):
    """One deadline or window of the application workflow, in Chinese working days."""

    working_days: int
    source: Source
    values: Literal["published", "illustrative"]
    note: str = ""
    tenant: str = ""  # the tenant that declares it

    def rule(self, name: str) -> str:
        """How a deadline derived from it is explained, e.g. on an item's due date."""
        marker = " [illustrative]" if self.values == "illustrative" else ""
        note = f"; {self.note}" if self.note else ""
        return (f"{name}: {self.working_days} working days ({self.tenant} workflow; "
                f"{self.source.document}, {self.source.clause}{note}){marker}")


WORKFLOW_NUMBERS = ("department_review", "result_lookup", "objection_window", "objection_answer",
                    "review_request_window", "review_answer")


class Workflow(msgspec.Struct, frozen=True, kw_only=True):
    numbers: dict[str, WorkflowNumber]


# --- services shared out by points (tenants/<id>/services.yaml) --------------------------------

Values = Literal["published", "illustrative"]


class ResidenceKey(msgspec.Struct, tag="residence", tag_field="kind", frozen=True, kw_only=True):
    """Registered residence inside an area up to the snapshot date (facts: residence)."""

    within: Literal["service_tenant", "city"]
    unit: Literal["day", "month"]


class IndicatorPointsKey(msgspec.Struct, tag="indicator_points", tag_field="kind", frozen=True, kw_only=True):
    """The points of the named indicators in the score result, before tier caps."""

    indicators: list[str]


class CategoryPointsKey(msgspec.Struct, tag="category_points", tag_field="kind", frozen=True, kw_only=True):
    """The points of every indicator of a category in the score result, before tier caps."""

    category: Literal["basic", "additional", "deduction"]


Derive = ResidenceKey | IndicatorPointsKey | CategoryPointsKey


class TieBreakKey(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: Names
    derive: Derive
    prefer: Literal["higher", "lower"]
    source: Source
    values: Values
    note: str = ""
    tenant: str = ""  # the tenant that declares it


class ChildAge(msgspec.Struct, frozen=True, kw_only=True):
    min_years: int
    max_years: int
    on: str | None = None  # MM-DD of the snapshot's year; None: the snapshot date

    def counted_on(self, snapshot: dt.date) -> dt.date:
        if self.on is None:
            return snapshot
        month, day = (int(part) for part in self.on.split("-"))
        if (month, day) == (2, 29) and not _leap(snapshot.year):
            return dt.date(snapshot.year, 2, 28)
        return dt.date(snapshot.year, month, day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


class Eligibility(msgspec.Struct, frozen=True, kw_only=True):
    min_points: float
    source: Source
    values: Values
    valid_permit: bool = True  # the schema allows only true (Hangzhou rules §21)
    not_vetoed: bool = True  # ... and here (one-vote veto)
    child_age: ChildAge | None = None
    note: str = ""


class Boundary(msgspec.Struct, frozen=True, kw_only=True):
    resolve: Literal["admit_all", "admit_none", "office_decides"]
    source: Source
    values: Values
    note: str = ""


class Service(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: Names
    kind: Literal["settlement", "school_place", "public_rental_housing", "rent_subsidy"]
    source: Source
    values: Values
    eligibility: Eligibility
    ranks_by: Literal["own_score", "higher_parent_score"]
    tie_breaks: list[str]
    publicity_working_days: int
    boundary: Boundary
    note: str = ""
    tenant: str = ""  # the tenant that declares (and runs) it


class ServiceSet(msgspec.Struct, frozen=True, kw_only=True):
    tie_break_keys: list[TieBreakKey] = []
    services: list[Service] = []
