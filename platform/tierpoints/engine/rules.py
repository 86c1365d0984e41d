"""The rule kinds, each written once with its single path and its columnar twin.

The single path is split in two: `measure(facts, as_of)` finds the small value the answer
depends on (days covered, a count, an age, the entries that count) and `explain(measured)`
turns it into (raw points, reason), so an indicator can remember explanations per measured
value; `single(facts, as_of)` does both. `batch(columns, as_of)` returns the raw points of
every applicant with exactly the same arithmetic. Caps are applied by the indicator, not
here. A veto returns 1.0 when it strikes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from typing import Any

import msgspec
import numpy as np

from tierpoints.engine.columns import MISSING_DATE, FactColumns
from tierpoints.engine.periods import (
    OPEN_END,
    PeriodsInOrder,
    age_by_birth_day,
    age_in_full_years,
    birth_day_index,
    covered_days,
    days_per_unit,
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

    def measure(self, facts: Any, as_of: dt.date) -> Hashable:
        raise NotImplementedError

    def explain(self, measured: Any) -> tuple[float, str]:
        raise NotImplementedError

    def single(self, facts: Any, as_of: dt.date) -> tuple[float, str]:
        return self.explain(self.measure(facts, as_of))

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

    def measure(self, facts, as_of):
        """The entries claimed, as a tuple."""
        if self.shape.kind == "enum":
            value = getattr(facts, self.rule.fact)
            return () if value is UNSET else (value,)
        if self.shape.kind == "enum_list":
            return tuple(getattr(facts, self.rule.fact) or ())
        return tuple([getattr(item, self.rule.field) for item in self.selection.items(facts, as_of)])

    def explain(self, entries):
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
    _birth_day_cache: tuple[dt.date, int, np.ndarray] | None = None

    def measure(self, facts, as_of):
        """The total, the age or the value; None when not claimed."""
        rule = self.rule
        if rule.measure == "total":
            total = 0.0
            for item in self.selection.items(facts, as_of):
                total += getattr(item, rule.field)
            return total
        value = getattr(facts, rule.fact)
        if value is UNSET:
            return None
        if rule.measure == "age_years":
            return age_in_full_years(value, as_of)
        return value

    def explain(self, value):
        rule = self.rule
        if value is None:
            return 0.0, NOT_CLAIMED
        if rule.measure == "total":
            described = f"{rule.field} {fmt(value)}{self._where}"
        elif rule.measure == "age_years":
            described = f"age {value}"
        else:
            described = f"{rule.fact} {fmt(value)}"
        for band in rule.bands:
            if band.matches(value):
                return float(band.points_at(value)), f"{described}: {band.label}"
        return 0.0, f"{described}: no band applies"

    def batch(self, columns, as_of):
        rule = self.rule
        if rule.measure == "age_years":
            births = columns.scalars[rule.fact]
            first, points_by_birth_day = self._points_by_birth_day(as_of)
            raw = points_by_birth_day[birth_day_index(births, first, len(points_by_birth_day))]
            raw[births == MISSING_DATE] = 0.0
            return raw
        if rule.measure == "total":
            items = columns.items[rule.fact]
            owners, amounts = self.selection.columns(items, as_of, rule.field)
            values = np.bincount(owners, weights=amounts, minlength=columns.size)
            # Most applicants total 0 (no items): score that once, the others one by one.
            raw = np.full(columns.size, self._band_points(np.zeros(1))[0])
            scored = np.flatnonzero(values)
        else:
            values = columns.scalars[rule.fact]
            raw = np.zeros(columns.size)
            scored = np.flatnonzero(~np.isnan(values))
        raw[scored] = self._band_points(values[scored])
        return raw

    def _band_points(self, values: np.ndarray) -> np.ndarray:
        """The points of the first band each value falls in (0 where none applies)."""
        raw = np.zeros(values.shape)
        open_ = np.ones(values.shape, dtype=bool)
        for band in self.rule.bands:
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

    def _points_by_birth_day(self, as_of: dt.date) -> tuple[int, np.ndarray]:
        """Age bands as one table over birth days: scoring is then a single lookup."""
        cached = self._birth_day_cache
        if cached is None or cached[0] != as_of:
            first, ages = age_by_birth_day(as_of)
            ages_in_range = np.arange(ages.min(), ages.max() + 1)
            points_by_age = self._band_points(ages_in_range.astype(np.float64))
            cached = self._birth_day_cache = (as_of, first, points_by_age[ages - ages_in_range[0]])
        return cached[1], cached[2]


class DurationRule(_OnFact):
    def __init__(self, rule: models.Duration, shape, area, owner):
        super().__init__(rule, shape, area, owner)
        per = f" × {fmt(rule.points_per_unit)}"
        self._unit_names = (f"full {rule.unit}s{per}", f"full {rule.unit}{per}")
        self._days_per_unit = days_per_unit(rule.unit)

    def measure(self, facts, as_of):
        """The days covered."""
        periods = [
            (item.start.toordinal(), OPEN_END if item.end is None else item.end.toordinal())
            for item in self.selection.items(facts, as_of)
        ]
        return covered_days(periods, as_of.toordinal())

    def explain(self, days):
        units = days // self._days_per_unit
        unit = self._unit_names[units == 1]
        return units * self.rule.points_per_unit, f"{days:,} days{self._where} → {units} {unit}"

    def batch(self, columns, as_of):
        items = columns.items[self.rule.fact]
        periods = items.derived.get("periods in order")
        if periods is None:  # shared by every duration rule over this fact
            periods = items.derived["periods in order"] = PeriodsInOrder.of(
                items.owner, items.fields["start"], items.fields["end"]
            )
        where = self.selection.mask(items, as_of)
        owners, days = periods.covered_days(
            as_of.toordinal(), None if where is None else where[periods.order]
        )
        raw = np.zeros(columns.size)
        raw[owners] = days // self._days_per_unit * self.rule.points_per_unit
        return raw


class CountRule(_OnFact):
    @property
    def _per(self) -> float:
        return self.rule.points_per_event

    def measure(self, facts, as_of):
        return self._count_single(facts, as_of)

    def explain(self, count):
        return count * self._per, f"{fmt(count)} × {fmt(self._per)}{self._where}"

    def batch(self, columns, as_of):
        return self._count_batch(columns, as_of) * self._per


class DeductionRule(CountRule):
    @property
    def _per(self) -> float:
        return self.rule.points_per_occurrence

    def explain(self, count):
        return count * self._per, (
            f"{fmt(count)} occurrence{'s' if count != 1 else ''}{self._where} × −{fmt(self._per)}"
        )


class FlagRule(_OnFact):
    def measure(self, facts, as_of):
        return self._any_single(facts, as_of)

    def explain(self, claimed):
        if claimed:
            return float(self.rule.points), f"yes{self._where}"
        return 0.0, f"no{self._where}"

    def batch(self, columns, as_of):
        return self._any_batch(columns, as_of) * float(self.rule.points)


class VetoRule(_OnFact):
    def measure(self, facts, as_of):
        return self._any_single(facts, as_of)

    def explain(self, claimed):
        if claimed:
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

    def measure(self, facts, as_of):
        return tuple([option.measure(facts, as_of) for option in self.options])

    def explain(self, measured):
        outcomes = [option.explain(value) for option, value in zip(self.options, measured)]
        best = 0
        for index in range(1, len(outcomes)):
            if outcomes[index][0] > outcomes[best][0]:
                best = index  # the first of equals wins, as max() would pick it
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
