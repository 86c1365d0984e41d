"""Which items of a list fact a rule counts: `where` field values and `in_area` places."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import numpy as np

from tierpoints.engine.columns import Items
from tierpoints.packs.facts_shapes import FactShape


class Selection:
    def __init__(self, rule: Any, shape: FactShape, area: frozenset[str], area_owner: str):
        self.fact = rule.fact
        self.shape = shape
        conditions: list[tuple[str, frozenset[Any]]] = []
        for field, expected in (rule.where or {}).items():
            values = expected if isinstance(expected, list) else [expected]
            conditions.append((field, frozenset(values)))
        if rule.in_area is not None:
            conditions.append((rule.in_area, area))
        self.conditions = conditions
        self._getters = [(attrgetter(field), values) for field, values in conditions]
        self._describe_area = f" in {area_owner}" if rule.in_area is not None else ""
        self._where = ", ".join(
            f"{field} {' or '.join(sorted(map(_text, values)))}"
            for field, values in conditions[: len(rule.where or {})]
        )

    @property
    def fields(self) -> set[str]:
        return {field for field, _ in self.conditions}

    def describe(self) -> str:
        """e.g. ' (kind rented) in ningbo'."""
        where = f" ({self._where})" if self._where else ""
        return where + self._describe_area

    def items(self, facts: Any) -> list[Any]:
        items = getattr(facts, self.fact)
        if not items:
            return []
        conditions = self._getters
        if not conditions:
            return list(items)
        if len(conditions) == 1:
            (get, values), = conditions
            return [item for item in items if get(item) in values]
        return [item for item in items if all(get(item) in values for get, values in conditions)]

    def mask(self, items: Items) -> np.ndarray | None:
        """Which items count; None when all do."""
        keep = None
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

    def columns(self, items: Items, *fields: str) -> tuple[np.ndarray, ...]:
        """(owner, *fields) of the items that count."""
        arrays = (items.owner, *(items.fields[f] for f in fields))
        keep = self.mask(items)
        return arrays if keep is None else tuple(a[keep] for a in arrays)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
