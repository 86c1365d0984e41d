"""The batch form: applicants' facts as columns, loaded once, scored by numpy.

Only the facts and fields the compiled chain reads are loaded. Dates become ordinals
(an open end becomes periods.OPEN_END), categories become codes, places become codes of a
per-batch vocabulary, and list facts become flat item columns with an owner index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np

from tierpoints.packs.facts_shapes import FactShape, FieldShape

UNSET = msgspec.UNSET


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


_BOOLEAN = {True: True, False: False, UNSET: False, None: False}


# Stand-ins that let C-level map() convert a whole column: an open end (None) becomes the
# last representable date, a missing date (UNSET) the first one.
_STAND_INS = {None: dt.date.max, UNSET: dt.date.min}
MISSING_DATE = dt.date.min.toordinal()  # no applicant is born in year 1


def _dates(values: list[Any], complete: bool) -> np.ndarray:
    dates = values if complete else map(_STAND_INS.get, values, values)
    return np.fromiter(map(dt.date.toordinal, dates), dtype=np.int64, count=len(values))


def _codes(values: list[Any], index: dict[Any, int]) -> np.ndarray:
    index = {**index, UNSET: -1, None: -1}
    return np.fromiter(map(index.__getitem__, values), dtype=np.int32, count=len(values))


def _factorize(values: list[Any]) -> tuple[np.ndarray, dict[Any, int]]:
    vocabulary = {value: code for code, value in enumerate(dict.fromkeys(values))}
    codes = np.fromiter(map(vocabulary.__getitem__, values), dtype=np.int32, count=len(values))
    return codes, vocabulary


_NOT_A_NUMBER = {UNSET: np.nan, None: np.nan}


def _numbers(values: list[Any]) -> np.ndarray:
    numbers = map(_NOT_A_NUMBER.get, values, values)
    return np.fromiter(numbers, dtype=np.float64, count=len(values))


def _scalar_column(values: list[Any], shape: FieldShape | FactShape, kind: str, required: bool):
    """(column, vocabulary or None)."""
    if kind == "date":
        return _dates(values, required and not getattr(shape, "nullable", True)), None
    if kind == "enum":
        return _codes(values, {v: i for i, v in enumerate(shape.values)}), None
    if kind == "boolean":
        return np.fromiter(map(_BOOLEAN.__getitem__, values), dtype=bool, count=len(values)), None
    if kind in ("number", "integer"):
        return _numbers(values), None
    return _factorize(values)


def load_columns(
    facts: Sequence[Any], needs: dict[str, set[str]], shapes: dict[str, FactShape]
) -> FactColumns:
    """Facts structs → columns; needs maps each fact read to the item fields read."""
    columns = FactColumns(size=len(facts))
    for name in sorted(needs):
        shape = shapes[name]
        values = list(map(attrgetter(name), facts))
        if shape.kind in ("records", "enum_list"):
            flat = list(chain.from_iterable(values))
            if flat:
                lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
                owner = np.repeat(np.arange(len(values), dtype=np.int64), lengths)
            else:
                owner = np.zeros(0, dtype=np.int64)
            items = Items(owner=owner)
            if shape.kind == "enum_list":
                items.fields["value"] = _codes(flat, {v: i for i, v in enumerate(shape.values)})
            for field_name in sorted(needs[name]) if shape.kind == "records" else ():
                field_shape = shape.fields[field_name]
                column, vocabulary = _scalar_column(
                    list(map(attrgetter(field_name), flat)), field_shape, field_shape.kind,
                    field_shape.required,
                )
                items.fields[field_name] = column
                if vocabulary is not None:
                    items.vocabularies[field_name] = vocabulary
            columns.items[name] = items
        else:
            columns.scalars[name], _ = _scalar_column(values, shape, shape.kind, False)
    return columns
