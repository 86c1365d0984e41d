"""The batch form: applicants' facts as columns, loaded once, scored by numpy.

Only the facts and fields the compiled chain reads are loaded. Dates become ordinals
(an open end becomes periods.OPEN_END), categories become codes, places become codes of a
per-batch vocabulary, and list facts become flat item columns with an owner index.

Loading is a few C-level map() passes per fact, run over blocks of CHUNK applicants so
that a block's facts and items are still in the CPU cache for the next pass; a fact
nobody in a block claims costs one pass and no conversion.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter, is_
from typing import Any

import msgspec
import numpy as np

from tierpoints.packs.facts_shapes import FactShape, FieldShape

UNSET = msgspec.UNSET

# Applicants per block: a block's facts and items (about a megabyte) stay in the L2 cache
# between passes; much smaller blocks pay more per-block overhead than they save.
CHUNK = 2048


@dataclass
class Items:
    """The items of one list fact for every applicant: item i belongs to applicant owner[i]."""

    owner: np.ndarray
    fields: dict[str, np.ndarray] = field(default_factory=dict)
    vocabularies: dict[str, dict[Any, int]] = field(default_factory=dict)
    # What rules work out from these columns and share within one scoring pass (e.g. the
    # periods in order); each pass starts afresh (CompiledChain.batch).
    derived: dict[str, Any] = field(default_factory=dict)


@dataclass
class FactColumns:
    size: int
    scalars: dict[str, np.ndarray] = field(default_factory=dict)
    items: dict[str, Items] = field(default_factory=dict)


class Vocabulary(dict):
    """Codes of the strings of one field, numbered in the order they are first met."""

    def __missing__(self, value: Any) -> int:
        code = self[value] = len(self)
        return code


# Stand-ins that let C-level map() convert a whole column: an open end (None) becomes the
# last representable date, a missing date (UNSET) the first one; a missing number is NaN.
_DATE_STAND_INS = {None: dt.date.max, UNSET: dt.date.min}
_NUMBER_STAND_INS = {None: np.nan, UNSET: np.nan}
MISSING_DATE = dt.date.min.toordinal()  # no applicant is born in year 1
_TO_ORDINAL = dt.date.toordinal

# Per field kind: the column's dtype and its value where a fact is missing (None for
# strings: they get a code in the vocabulary like any other value).
_DTYPES = {
    "date": (np.int64, MISSING_DATE), "enum": (np.int32, -1), "boolean": (bool, False),
    "number": (np.float64, np.nan), "integer": (np.float64, np.nan), "string": (np.int32, None),
}


class _Column:
    """Converts one field's values, block by block, into one numpy column."""

    def __init__(self, shape: FieldShape | FactShape, kind: str, complete: bool):
        self.kind = kind
        # complete: every value is present (a required, non-nullable field)
        self.complete = complete
        self.blocks: list[np.ndarray] = []
        self.vocabulary = Vocabulary() if kind == "string" else None
        self.stand_ins = _DATE_STAND_INS if kind == "date" else _NUMBER_STAND_INS
        if kind == "enum":
            self.codes = {value: code for code, value in enumerate(shape.values)}
            self.codes.update({UNSET: -1, None: -1})
        self.dtype, self.absent = _DTYPES[kind]

    def add(self, values: Iterable[Any], count: int) -> None:
        kind, dtype = self.kind, self.dtype
        if kind == "enum":
            converted = map(self.codes.__getitem__, values)
        elif kind == "string":
            converted = map(self.vocabulary.__getitem__, values)
        elif kind == "boolean":
            converted = map(is_, values, repeat(True))  # False, UNSET and None are no
        elif self.complete:  # dates and numbers, all present
            converted = map(_TO_ORDINAL, values) if kind == "date" else values
        else:
            # Most values are usually present: convert them directly, and only when a
            # block holds a missing one (or an open end) go through the stand-ins.
            values = list(values)
            try:
                self.blocks.append(np.fromiter(
                    map(_TO_ORDINAL, values) if kind == "date" else values, dtype=dtype, count=count
                ))
                return
            except TypeError:
                stand_ins = map(self.stand_ins.get, values, values)
                converted = map(_TO_ORDINAL, stand_ins) if kind == "date" else stand_ins
        self.blocks.append(np.fromiter(converted, dtype=dtype, count=count))

    def add_absent(self, count: int) -> None:
        """A block where nobody has the fact: every value is the missing one."""
        if self.absent is None:
            self.add([UNSET] * count, count)
        else:
            self.blocks.append(np.full(count, self.absent, dtype=self.dtype))

    def finish(self) -> np.ndarray:
        if len(self.blocks) == 1:
            return self.blocks[0]
        return np.concatenate(self.blocks) if self.blocks else np.zeros(0, dtype=self.dtype)


class _ScalarFact:
    def __init__(self, name: str, shape: FactShape):
        self.name = name
        self.get = attrgetter(name)
        self.column = _Column(shape, shape.kind, complete=False)

    def add(self, block: Sequence[Any], first: int) -> None:
        values = list(map(self.get, block))
        if values[0] is UNSET and values.count(UNSET) == len(values):
            self.column.add_absent(len(values))
        else:
            self.column.add(values, len(values))

    def finish(self, columns: FactColumns) -> None:
        columns.scalars[self.name] = self.column.finish()


class _ListFact:
    """A list fact (records or a list of categories): flat item columns and their owners."""

    def __init__(self, name: str, shape: FactShape, field_names: set[str]):
        self.name = name
        self.get = attrgetter(name)
        self.owners: list[np.ndarray] = []
        if shape.kind == "enum_list":
            self.fields = {"value": (None, _Column(shape, "enum", complete=True))}
        else:
            self.fields = {}
            for field_name in sorted(field_names):
                field_shape = shape.fields[field_name]
                complete = field_shape.required and not field_shape.nullable
                self.fields[field_name] = (
                    attrgetter(field_name), _Column(field_shape, field_shape.kind, complete)
                )

    def add(self, block: Sequence[Any], first: int) -> None:
        lists = list(map(self.get, block))
        if not any(lists):
            return
        items: list[Any] = []
        deque(map(items.extend, lists), maxlen=0)  # flattens faster than chain.from_iterable
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        self.owners.append(np.repeat(np.arange(first, first + len(lists), dtype=np.int64), lengths))
        for get, column in self.fields.values():
            column.add(items if get is None else map(get, items), len(items))

    def finish(self, columns: FactColumns) -> None:
        owner = np.concatenate(self.owners) if self.owners else np.zeros(0, dtype=np.int64)
        items = Items(owner=owner)
        for field_name, (_, column) in self.fields.items():
            items.fields[field_name] = column.finish()
            if column.vocabulary is not None:
                items.vocabularies[field_name] = column.vocabulary
        columns.items[self.name] = items


def load_columns(
    facts: Sequence[Any], needs: dict[str, set[str]], shapes: dict[str, FactShape],
    chunk: int = CHUNK,
) -> FactColumns:
    """Facts structs → columns; needs maps each fact read to the item fields read."""
    loaders = [
        _ListFact(name, shapes[name], needs[name]) if shapes[name].is_list
        else _ScalarFact(name, shapes[name])
        for name in sorted(needs)
    ]
    for first in range(0, len(facts), chunk):
        block = facts[first:first + chunk]
        for loader in loaders:
            loader.add(block, first)
    columns = FactColumns(size=len(facts))
    for loader in loaders:
        loader.finish(columns)
    return columns
