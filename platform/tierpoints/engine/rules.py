"""The rule kinds, each written once with its single path and its columnar twin.

`single(facts, as_of)` returns (raw points, reason); `batch(columns, as_of)` returns the raw
points of every applicant with exactly the same arithmetic. Caps are applied by the
indicator, not here. A veto returns 1.0 when it strikes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import numpy as np

from tierpoints.engine.columns import FactColumns
from tierpoints.engine.periods import (
    OPEN_END,
    age_in_full_years,
    age_in_full_years_columnar,
    covered_days,
    covered_days_columnar,
    full_units,
)
from tierpoints.engine.selection import Selection
from tierpoints.packs import models
from tierpoints.packs.facts_shapes import FactShape

UNSET = msgspec.UNSET
NOT_CLAIMED = "not claimed"


def fmt(value: float) -> str:
    whole = int(value)
    return f"{whole:,}" if whole == value else f"{value:,.2f}".rstrip("0").rstrip(".")


class CompiledRule:
    needs: dict[str, set[str]]

    def single(self, facts: Any, as_of: dt.date) -> tuple[float, str]:
        raise NotImplementedError

    def batch(self, columns: FactColumns, as_of: dt.date) -> np.ndarray:
        raise NotImplementedError


class _OnFact(CompiledRule):
    def __init__(self, rule: Any, shape: FactShape, area: frozenset[str], owner: str):
        self.rule, self.shape = rule, shape
        self.selection = Selection(
            rule, shape, area, owner, current_only=not isinstance(rule, models.Duration)
        )
        self._where = self.selection.describe()
        extra = {getattr(rule, "field", None)} - {None}
        if shape.is_period_list and isinstance(rule, models.Duration):
            extra |= {"start", "end"}
        self.needs = {rule.fact: self.selection.fields | extra}

    def _count_single(self, facts: Any, as_of: dt.date) -> int:
        if self.shape.kind == "records":
            return len(self.selection.items(facts, as_of))
        value = getattr(facts, self.rule.fact)
        return 0 if value is UNSET else value

    def _count_batch(self, columns: FactColumns, as_of: dt.date) -> np.ndarray:
        if self.shape.kind == "records":
            items = columns.items[self.rule.fact]
            (owners,) = self.selection.columns(items, as_of)
            return np.bincount(owners, minlength=columns.size).astype(np.float64)
        return np.nan_to_num(columns.scalars[self.rule.fact], nan=0.0)

    def _any_single(self, facts: Any, as_of: dt.date) -> bool:
        if self.shape.kind == "records":
            return bool(self.selection.items(facts, as_of))
        value = getattr(facts, self.rule.fact)
        return value is True or (value is not UNSET and not isinstance(value, bool) and value > 0)

    def _any_batch(self, columns: FactColumns, as_of: dt.date) -> np.ndarray:
        if self.shape.kind == "records":
            return self._count_batch(columns, as_of) > 0
        column = columns.scalars[self.rule.fact]
        return column if column.dtype == bool else np.nan_to_num(column, nan=0.0) > 0


class LookupRule(_OnFact):
    def __init__(self, rule: models.Lookup, shape, area, owner):
        super().__init__(rule, shape, area, owner)
        values = shape.fields[rule.field].values if shape.kind == "records" else shape.values
        self.table = rule.table
        self.points_by_code = np.array([rule.table.get(v, 0.0) for v in values] + [0.0])

    def single(self, facts, as_of):
        if self.shape.kind == "enum":
            value = getattr(facts, self.rule.fact)
            if value is UNSET:
                return 0.0, NOT_CLAIMED
            entries = [value]
        elif self.shape.kind == "enum_list":
            entries = list(getattr(facts, self.rule.fact) or ())
        else:
            entries = [getattr(item, self.rule.field) for item in self.selection.items(facts, as_of)]
        if not entries:
            return 0.0, NOT_CLAIMED
        best = max(entries, key=lambda e: self.table.get(e, 0.0))
        points = float(self.table.get(best, 0.0))
        if len(entries) == 1:
            return points, f"{best}: {fmt(points)}" if points else f"{best}: no points"
        return points, f"highest of {', '.join(entries)}: {best} {fmt(points)}"

    def batch(self, columns, as_of):
        if self.shape.kind == "enum":
            return self.points_by_code[columns.scalars[self.rule.fact]]
        items = columns.items[self.rule.fact]
        if self.shape.kind == "enum_list":
            codes, owners = items.fields["value"], items.owner
        else:
            owners, codes = self.selection.columns(items, as_of, self.rule.field)
        raw = np.zeros(columns.size)
        np.maximum.at(raw, owners, self.points_by_code[codes])
        return raw


class BandsRule(_OnFact):
    def _measure_single(self, facts, as_of):
        rule = self.rule
        if rule.measure == "total":
            total = 0.0
            for item in self.selection.items(facts, as_of):
                total += getattr(item, rule.field)
            return total, f"{rule.field} {fmt(total)}{self._where}"
        value = getattr(facts, rule.fact)
        if value is UNSET:
            return None, NOT_CLAIMED
        if rule.measure == "age_years":
            age = age_in_full_years(value, as_of)
            return age, f"age {age}"
        return value, f"{rule.fact} {fmt(value)}"

    def single(self, facts, as_of):
        value, described = self._measure_single(facts, as_of)
        if value is None:
            return 0.0, described
        for band in self.rule.bands:
            if band.matches(value):
                return float(band.points_at(value)), f"{described}: {band.label}"
        return 0.0, f"{described}: no band applies"

    def batch(self, columns, as_of):
        rule = self.rule
        if rule.measure == "total":
            items = columns.items[rule.fact]
            owners, amounts = self.selection.columns(items, as_of, rule.field)
            values = np.bincount(owners, weights=amounts, minlength=columns.size)
            present = np.ones(columns.size, dtype=bool)
        elif rule.measure == "age_years":
            births = columns.scalars[rule.fact]
            values = age_in_full_years_columnar(births, as_of).astype(np.float64)
            present = values >= 0
        else:
            values = columns.scalars[rule.fact]
            present = ~np.isnan(values)
        raw = np.zeros(columns.size)
        open_ = present.copy()
        for band in rule.bands:
            hit = open_.copy()
            if band.min is not None:
                hit &= values >= band.min
            if band.max is not None:
                hit &= values <= band.max
            if band.step is None:
                raw[hit] = band.points
            else:
                raw[hit] = band.points + band.step * (values[hit] - (band.min or 0))
            open_ &= ~hit
        return raw


class DurationRule(_OnFact):
    def __init__(self, rule: models.Duration, shape, area, owner):
        super().__init__(rule, shape, area, owner)
        per = f" × {fmt(rule.points_per_unit)}"
        self._unit_names = (f"full {rule.unit}s{per}", f"full {rule.unit}{per}")

    def single(self, facts, as_of):
        periods = [
            (item.start.toordinal(), OPEN_END if item.end is None else item.end.toordinal())
            for item in self.selection.items(facts, as_of)
        ]
        days = covered_days(periods, as_of.toordinal())
        units = full_units(days, self.rule.unit)
        unit = self._unit_names[units == 1]
        return units * self.rule.points_per_unit, f"{days:,} days{self._where} → {units} {unit}"

    def batch(self, columns, as_of):
        items = columns.items[self.rule.fact]
        owners, starts, ends = self.selection.columns(items, as_of, "start", "end")
        days = covered_days_columnar(owners, starts, ends, as_of.toordinal(), columns.size)
        return full_units(days, self.rule.unit) * self.rule.points_per_unit


class CountRule(_OnFact):
    @property
    def _per(self) -> float:
        return self.rule.points_per_event

    def single(self, facts, as_of):
        count = self._count_single(facts, as_of)
        return count * self._per, f"{fmt(count)} × {fmt(self._per)}{self._where}"

    def batch(self, columns, as_of):
        return self._count_batch(columns, as_of) * self._per


class DeductionRule(CountRule):
    @property
    def _per(self) -> float:
        return self.rule.points_per_occurrence

    def single(self, facts, as_of):
        count = self._count_single(facts, as_of)
        return count * self._per, (
            f"{fmt(count)} occurrence{'s' if count != 1 else ''}{self._where} × −{fmt(self._per)}"
        )


class FlagRule(_OnFact):
    def single(self, facts, as_of):
        if self._any_single(facts, as_of):
            return float(self.rule.points), f"yes{self._where}"
        return 0.0, f"no{self._where}"

    def batch(self, columns, as_of):
        return self._any_batch(columns, as_of) * float(self.rule.points)


class VetoRule(_OnFact):
    def single(self, facts, as_of):
        if self._any_single(facts, as_of):
            return 1.0, f"{self.rule.fact}{self._where}: disqualifies (one-vote veto)"
        return 0.0, f"no {self.rule.fact}{self._where}"

    def batch(self, columns, as_of):
        return self._any_batch(columns, as_of).astype(np.float64)


class BestOfRule(CompiledRule):
    def __init__(self, rule: models.BestOf, facts: dict[str, FactShape], area, owner):
        self.labels = [option.label for option in rule.options]
        self.options = [compile_rule(option.rule, facts, area, owner) for option in rule.options]
        self.needs = {}
        for option in self.options:
            for fact, fields in option.needs.items():
                self.needs.setdefault(fact, set()).update(fields)

    def single(self, facts, as_of):
        outcomes = [option.single(facts, as_of) for option in self.options]
        best = max(range(len(outcomes)), key=lambda i: outcomes[i][0])
        points, reason = outcomes[best]
        if not points:
            return 0.0, "none of: " + "; ".join(
                f"{label}: {r}" for label, (_, r) in zip(self.labels, outcomes)
            )
        others = [f"{label} {fmt(p)}" for i, (label, (p, _)) in enumerate(zip(self.labels, outcomes)) if i != best]
        return points, f"{self.labels[best]}: {reason} (only the best counts; {'; '.join(others)})"

    def batch(self, columns, as_of):
        raw = self.options[0].batch(columns, as_of)
        for option in self.options[1:]:
            raw = np.maximum(raw, option.batch(columns, as_of))
        return raw


_KINDS = {
    models.Lookup: LookupRule, models.Bands: BandsRule, models.Duration: DurationRule,
    models.Count: CountRule, models.Flag: FlagRule, models.Deduction: DeductionRule,
    models.Veto: VetoRule,
}


def compile_rule(rule: Any, facts: dict[str, FactShape], area: frozenset[str], owner: str) -> CompiledRule:
    if isinstance(rule, models.BestOf):
        return BestOfRule(rule, facts, area, owner)
    return _KINDS[type(rule)](rule, facts[rule.fact], area, owner)
