"""Which items of a list fact a rule counts: `where` field values and `in_area` places."""

from __future__ import annotations

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
        conditions = self.conditions
        if not conditions:
            return list(items)
        return [
            item for item in items
            if all(getattr(item, field) in values for field, values in conditions)
        ]

    def mask(self, items: Items) -> np.ndarray:
        keep = np.ones(items.owner.shape, dtype=bool)
        for field, values in self.conditions:
            column = items.fields[field]
            field_shape = self.shape.fields[field]
            if field_shape.kind == "enum":
                wanted = [field_shape.values.index(v) for v in values if v in field_shape.values]
            elif field in items.vocabularies:
                vocabulary = items.vocabularies[field]
                wanted = [vocabulary[v] for v in values if v in vocabulary]
            else:
                wanted = list(values)
            keep &= np.isin(column, wanted)
        return keep


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
