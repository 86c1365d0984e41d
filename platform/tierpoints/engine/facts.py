"""The applicant facts model, built from policy_schemas/facts.schema.json.

msgspec structs are generated from the fact shapes so the hot paths validate in C;
tests check that they accept and reject exactly what the JSON Schema does.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

import msgspec

from tierpoints.packs.facts_shapes import FactShape, FieldShape

UNSET = msgspec.UNSET


class FactsError(ValueError):
    """Facts that do not fit the facts schema; `pointer` names the field (JSON pointer)."""

    def __init__(self, pointer: str, message: str):
        self.pointer, self.message = pointer, message
        super().__init__(f"{pointer or '/'}: {message}")


def _scalar_type(shape: FieldShape | FactShape, kind: str) -> Any:
    if kind == "date":
        return dt.date
    if kind == "enum":
        return Literal.__getitem__(tuple(shape.values))
    if kind == "boolean":
        return bool
    if kind in ("number", "integer"):
        meta = {}
        if shape.minimum is not None:
            meta["ge"] = shape.minimum
        if getattr(shape, "maximum", None) is not None:
            meta["le"] = shape.maximum
        if kind == "number":
            return Annotated[float, msgspec.Meta(**meta)] if meta else float
        # JSON Schema counts 3.0 as an integer; FactsModel checks a float here is whole.
        return (Annotated[int, msgspec.Meta(**meta)] | Annotated[float, msgspec.Meta(**meta)]
                if meta else int | float)
    if kind == "string":
        min_length = getattr(shape, "min_length", None)
        return Annotated[str, msgspec.Meta(min_length=min_length)] if min_length else str
    raise ValueError(kind)


def _class_name(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


def build_facts_model(shapes: dict[str, FactShape]) -> type[msgspec.Struct]:
    # A list fact not sent is an empty tuple (nothing claimed); a scalar not sent is UNSET.
    fields: list[tuple[str, Any, Any]] = []
    for name, shape in shapes.items():
        if shape.kind == "records":
            item_fields = []
            for field_name, field_shape in shape.fields.items():
                field_type = _scalar_type(field_shape, field_shape.kind)
                if field_shape.nullable:
                    field_type = field_type | None
                if field_shape.required:
                    item_fields.append((field_name, field_type))
                else:
                    item_fields.append((field_name, field_type | msgspec.UnsetType, UNSET))
            item = msgspec.defstruct(
                _class_name(name) + "Item", item_fields, kw_only=True,
                forbid_unknown_fields=True, omit_defaults=True, frozen=True, gc=False,
            )
            fields.append((name, list[item], ()))
        elif shape.kind == "enum_list":
            fields.append((name, list[Literal.__getitem__(tuple(shape.values))], ()))
        else:
            fields.append((name, _scalar_type(shape, shape.kind) | msgspec.UnsetType, UNSET))
    return msgspec.defstruct(
        "Facts", fields, kw_only=True, forbid_unknown_fields=True, omit_defaults=True, frozen=True, gc=False,
    )


_LOCATION = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<field>[^`]*)`")
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def _pointer(path: str) -> str:
    return "".join(f"/{name or index}" for name, index in _PATH_PART.findall(path))


def error_from_msgspec(error: msgspec.ValidationError) -> FactsError:
    match = _LOCATION.match(str(error))
    message, pointer = match["message"], _pointer(match["path"] or "")
    message = message.replace("`int | float`", "a whole number")
    unknown = _UNKNOWN.match(message)
    if unknown:
        pointer = f"{pointer}/{unknown['field']}"
        message = "unknown field: policy_schemas/facts.schema.json does not define it"
    return FactsError(pointer, message)


def _check_whole(value: Any, pointer: str) -> None:
    if value.__class__ is float and not value.is_integer():
        raise FactsError(pointer, f"Expected a whole number, got {value}")


class FactsSyntaxError(FactsError):
    """The facts are not JSON at all."""


class FactsModel:
    """Validates facts (a dict, JSON bytes or a facts struct) into the facts struct."""

    def __init__(self, shapes: dict[str, FactShape]):
        self.shapes = shapes
        self.type = build_facts_model(shapes)
        self._decoder = msgspec.json.Decoder(self.type)
        self._periods = [name for name, shape in shapes.items() if shape.is_period_list]
        self._unique = [name for name, shape in shapes.items() if shape.unique_items]
        self._integers = [name for name, shape in shapes.items() if shape.kind == "integer"]
        self._integer_fields = [
            (name, [f for f, field in shape.fields.items() if field.kind == "integer"])
            for name, shape in shapes.items() if shape.kind == "records"
        ]
        self._integer_fields = [(name, fields) for name, fields in self._integer_fields if fields]

    def validate(self, facts: Any) -> Any:
        if isinstance(facts, self.type):
            return facts
        try:
            if isinstance(facts, (bytes, bytearray, memoryview, str)):
                value = self._decoder.decode(facts)
            else:
                value = msgspec.convert(facts, self.type)
        except msgspec.ValidationError as error:
            raise self._with_allowed_values(error_from_msgspec(error)) from None
        except msgspec.DecodeError as error:
            raise FactsSyntaxError("", f"not valid JSON: {error}") from None
        self._check_consistency(value)
        return value

    def decode_stored(self, content: bytes) -> Any:
        """Facts the platform stored (they passed `validate` when recorded): decoded and typed,
        without the consistency checks again — the batch paths read millions of them."""
        try:
            return self._decoder.decode(content)
        except msgspec.ValidationError as error:
            raise self._with_allowed_values(error_from_msgspec(error)) from None
        except msgspec.DecodeError as error:
            raise FactsSyntaxError("", f"not valid JSON: {error}") from None

    def _with_allowed_values(self, error: FactsError) -> FactsError:
        """Name the values that would be right when a category is wrong."""
        if not error.message.startswith("Invalid enum value"):
            return error
        parts = error.pointer.strip("/").split("/")
        shape = self.shapes.get(parts[0])
        values: tuple[str, ...] = ()
        if shape is not None and shape.kind == "records" and len(parts) == 3:
            field = shape.fields.get(parts[2])
            values = field.values if field else ()
        elif shape is not None:
            values = shape.values
        if not values:
            return error
        return FactsError(error.pointer, f"{error.message} (expected one of: {', '.join(values)})")

    def _check_consistency(self, value: Any) -> None:
        for name in self._periods:
            for index, period in enumerate(getattr(value, name) or ()):
                if period.end is not None and period.end < period.start:
                    raise FactsError(
                        f"/{name}/{index}/end",
                        f"ends {period.end} before it starts {period.start}",
                    )
        for name in self._integers:
            _check_whole(getattr(value, name), f"/{name}")
        for name, fields in self._integer_fields:
            for index, item in enumerate(getattr(value, name)):
                for field in fields:
                    _check_whole(getattr(item, field), f"/{name}/{index}/{field}")
        for name in self._unique:
            items = getattr(value, name) or ()
            if len(set(items)) != len(items):
                raise FactsError(f"/{name}", "lists an entry twice")

    def to_builtins(self, value: Any) -> Any:
        return msgspec.to_builtins(value)
