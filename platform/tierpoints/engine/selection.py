"""Which items of a list fact a rule counts.

An item counts when its fields match `where`, its place lies in the tenant's area
(`in_area`), and it exists on the as-of date: a period (start/end) must be running then
and any other date (an offence, a patent grant) must not be after it. Duration rules
take every period and clip it to the as-of date themselves (current_only=False).
"""

from __future__ import annotations

import datetime as dt
from itertools import product
from operator import attrgetter
from typing import Any

import numpy as np

from tierpoints.engine.columns import Items
from tierpoints.engine.periods import OPEN_END
from tierpoints.packs.facts_shapes import FactShape


class Selection:
    def __init__(self, rule: Any, shape: FactShape, area: frozenset[str], area_owner: str,
                 current_only: bool = True):
        self.fact = rule.fact
        self.shape = shape
        dates = [f for f, field in shape.fields.items() if field.kind == "date"] if current_only else []
        self._period = shape.is_period_list and current_only
        self._dates = [f for f in dates if not (self._period and f in ("start", "end"))]
        conditions: list[tuple[str, frozenset[Any]]] = []
        for field, expected in (rule.where or {}).items():
            values = expected if isinstance(expected, list) else [expected]
            conditions.append((field, frozenset(values)))
        if rule.in_area is not None:
            conditions.append((rule.in_area, area))
        self.conditions = conditions
        # All conditions as one membership test (cheaper per item than one test each): the
        # fields' values, a tuple when there are several, must be an allowed combination.
        self._read_keys = attrgetter(*(field for field, _ in conditions)) if conditions else None
        self._allowed = (
            conditions[0][1] if len(conditions) == 1
            else frozenset(product(*(values for _, values in conditions)))
        )
        self._describe_area = f" in {area_owner}" if rule.in_area is not None else ""
        self._where = ", ".join(
            f"{field} {' or '.join(sorted(map(_text, values)))}"
            for field, values in conditions[: len(rule.where or {})]
        )

    @property
    def fields(self) -> set[str]:
        dates = set(self._dates) | ({"start", "end"} if self._period else set())
        return {field for field, _ in self.conditions} | dates

    def describe(self) -> str:
        """e.g. ' (kind rented) in ningbo'."""
        where = f" ({self._where})" if self._where else ""
        return where + self._describe_area

    def items(self, facts: Any, as_of: dt.date) -> list[Any]:
        items = getattr(facts, self.fact)
        if not items:
            return []
        read_keys, allowed = self._read_keys, self._allowed
        chosen = list(items) if read_keys is None else [i for i in items if read_keys(i) in allowed]
        if self._period:
            chosen = [i for i in chosen if i.start <= as_of and (i.end is None or i.end >= as_of)]
        for field in self._dates:
            chosen = [i for i in chosen if (d := getattr(i, field)).__class__ is not dt.date or d <= as_of]
        return chosen

    def mask(self, items: Items, as_of: dt.date) -> np.ndarray | None:
        """Which items count; None when all do."""
        keep = None
        day = as_of.toordinal()
        if self._period:
            keep = (items.fields["start"] <= day) & (items.fields["end"] >= day)
        for field in self._dates:
            column = items.fields[field]
            current = (column <= day) | (column == OPEN_END)
            keep = current if keep is None else keep & current
        for field, values in self.conditions:
            column = items.fields[field]
            field_shape = self.shape.fields[field]
            if field_shape.kind == "boolean":
                hit = column if values == {True} else (~column if values == {False} else None)
            elif field_shape.kind in ("enum", "string"):
                codes = (
                    {v: i for i, v in enumerate(field_shape.values)}
                    if field_shape.kind == "enum" else items.vocabularies[field]
                )
                wanted = np.zeros(len(codes) + 1, dtype=bool)  # last slot: code -1 (missing)
                wanted[[codes[v] for v in values if v in codes]] = True
                hit = wanted[column]
            else:
                hit = np.isin(column, list(values))
            if hit is not None:
                keep = hit if keep is None else keep & hit
        return keep

    def columns(self, items: Items, as_of: dt.date, *fields: str) -> tuple[np.ndarray, ...]:
        """(owner, *fields) of the items that count."""
        arrays = (items.owner, *(items.fields[f] for f in fields))
        keep = self.mask(items, as_of)
        return arrays if keep is None else tuple(a[keep] for a in arrays)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
