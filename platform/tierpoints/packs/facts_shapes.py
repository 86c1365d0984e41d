"""The shapes of the facts defined in policy_schemas/facts.schema.json.

Rules are checked against these shapes at load time, and the engine builds its facts
model and its batch columns from them: a new fact is a schema change, not code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FieldKind = Literal["date", "enum", "string", "number", "integer", "boolean"]
FactKind = Literal["date", "enum", "enum_list", "number", "integer", "boolean", "records"]


class UnsupportedFactSchema(ValueError):
    pass


@dataclass(frozen=True)
class FieldShape:
    kind: FieldKind
    values: tuple[str, ...] = ()
    nullable: bool = False
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None


@dataclass(frozen=True)
class FactShape:
    name: str
    kind: FactKind
    title: str = ""
    values: tuple[str, ...] = ()
    fields: dict[str, FieldShape] = field(default_factory=dict)
    minimum: float | None = None
    unique_items: bool = False

    @property
    def is_list(self) -> bool:
        return self.kind in ("enum_list", "records")

    @property
    def is_period_list(self) -> bool:
        return (
            self.kind == "records"
            and self.fields.get("start", FieldShape("string")).kind == "date"
            and self.fields.get("end", FieldShape("string")).kind == "date"
        )


def _types(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type", [])
    return {declared} if isinstance(declared, str) else set(declared)


def _field_shape(schema: dict[str, Any], required: bool, where: str) -> FieldShape:
    types = _types(schema)
    nullable = "null" in types
    types.discard("null")
    if "enum" in schema:
        return FieldShape("enum", tuple(schema["enum"]), nullable, required)
    if types == {"string"} and schema.get("format") == "date":
        return FieldShape("date", nullable=nullable, required=required)
    if types == {"string"}:
        return FieldShape("string", nullable=nullable, required=required,
                          min_length=schema.get("minLength"))
    if types in ({"number"}, {"integer"}):
        return FieldShape(
            "integer" if types == {"integer"} else "number", nullable=nullable, required=required,
            minimum=schema.get("minimum"), maximum=schema.get("maximum"),
        )
    if types == {"boolean"}:
        return FieldShape("boolean", nullable=nullable, required=required)
    raise UnsupportedFactSchema(f"{where}: unsupported field schema {schema!r}")


def fact_shapes(facts_schema: dict[str, Any]) -> dict[str, FactShape]:
    shapes: dict[str, FactShape] = {}
    for name, schema in facts_schema.get("properties", {}).items():
        where = f"/properties/{name}"
        title = schema.get("title", "")
        if _types(schema) == {"array"}:
            items = schema.get("items", {})
            if "enum" in items:
                shapes[name] = FactShape(name, "enum_list", title, tuple(items["enum"]),
                                         unique_items=bool(schema.get("uniqueItems")))
            elif _types(items) == {"object"}:
                required = set(items.get("required", []))
                fields = {
                    field_name: _field_shape(field_schema, field_name in required,
                                             f"{where}/items/properties/{field_name}")
                    for field_name, field_schema in items.get("properties", {}).items()
                }
                shapes[name] = FactShape(name, "records", title, fields=fields)
            else:
                raise UnsupportedFactSchema(f"{where}: unsupported list items {items!r}")
            continue
        shape = _field_shape(schema, False, where)
        if shape.kind == "string":
            raise UnsupportedFactSchema(f"{where}: a free string fact cannot be scored")
        shapes[name] = FactShape(name, shape.kind, title, shape.values, minimum=shape.minimum)
    return shapes
