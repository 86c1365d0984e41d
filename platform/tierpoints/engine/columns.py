"""The batch form: applicants' facts as columns, loaded once, scored by numpy.

Only the facts and fields the compiled chain reads are loaded. Dates become ordinals
(an open end becomes OPEN_END), categories become codes, places become codes of a
per-batch vocabulary, and list facts become flat item columns with an owner index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np

from tierpoints.engine.periods import OPEN_END
from tierpoints.packs.facts_shapes import FactShape, FieldShape

UNSET = msgspec.UNSET
MISSING_DATE = -1


@dataclass
class Items:
    """The items of one list fact for every applicant: item i belongs to applicant owner[i]."""

    owner: np.ndarray
    fields: dict[str, np.ndarray] = field(default_factory=dict)
    vocabularies: dict[str, dict[Any, int]] = field(default_factory=dict)


@dataclass
class FactColumns:
    size: int
    scalars: dict[str, np.ndarray] = field(default_factory=dict)
    items: dict[str, Items] = field(default_factory=dict)


def _dates(values: list[Any]) -> np.ndarray:
    return np.fromiter(
        (OPEN_END if v is None else (MISSING_DATE if v is UNSET else v.toordinal()) for v in values),
        dtype=np.int64, count=len(values),
    )


def _codes(values: list[Any], index: dict[Any, int]) -> np.ndarray:
    get = index.get
    return np.fromiter((get(v, -1) for v in values), dtype=np.int32, count=len(values))


def _scalar_column(values: list[Any], shape: FieldShape | FactShape, kind: str):
    """(column, vocabulary or None)."""
    if kind == "date":
        return _dates(values), None
    if kind == "enum":
        return _codes(values, {v: i for i, v in enumerate(shape.values)}), None
    if kind == "boolean":
        return np.fromiter((v is True for v in values), dtype=bool, count=len(values)), None
    if kind in ("number", "integer"):
        return np.fromiter(
            (np.nan if v is UNSET or v is None else v for v in values),
            dtype=np.float64, count=len(values),
        ), None
    vocabulary: dict[Any, int] = {}
    add = vocabulary.setdefault
    codes = np.fromiter((add(v, len(vocabulary)) for v in values), dtype=np.int32, count=len(values))
    return codes, vocabulary


def load_columns(
    facts: Sequence[Any], needs: dict[str, set[str]], shapes: dict[str, FactShape]
) -> FactColumns:
    """Facts structs → columns; needs maps each fact read to the item fields read."""
    columns = FactColumns(size=len(facts))
    for name in sorted(needs):
        shape = shapes[name]
        values = list(map(attrgetter(name), facts))
        if shape.kind in ("records", "enum_list"):
            lists = [v if v else () for v in values]
            lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
            items = Items(owner=np.repeat(np.arange(len(lists), dtype=np.int64), lengths))
            flat = list(chain.from_iterable(lists))
            if shape.kind == "enum_list":
                items.fields["value"] = _codes(flat, {v: i for i, v in enumerate(shape.values)})
            for field_name in sorted(needs[name]) if shape.kind == "records" else ():
                field_shape = shape.fields[field_name]
                column, vocabulary = _scalar_column(
                    list(map(attrgetter(field_name), flat)), field_shape, field_shape.kind
                )
                items.fields[field_name] = column
                if vocabulary is not None:
                    items.vocabularies[field_name] = vocabulary
            columns.items[name] = items
        else:
            columns.scalars[name], _ = _scalar_column(values, shape, shape.kind)
    return columns
