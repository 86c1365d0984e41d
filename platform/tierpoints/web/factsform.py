"""The simulator's form, generated from the facts schema (policy_schemas/facts.schema.json, as
the engine's fact shapes) for the facts a jurisdiction's chain reads — and the way back: a
posted form into a facts dict, with every problem at the JSON pointer of its field.

Input names: `education` for a fact, `qualifications` (repeated) for a list of values,
`residence.0.start` for a field of a row of a list fact. Empty rows are dropped and the rest
numbered from 0 again, so a pointer like /residence/1/end names the second row shown.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from litestar.datastructures import FormMultiDict

from tierpoints.engine import Engine
from tierpoints.engine.facts import FactsError
from tierpoints.packs.facts_shapes import FactShape
from tierpoints.packs.models import Names, simple_rules

ROW = re.compile(r"^(?P<fact>[a-z_]+)\.(?P<index>\d{1,3})\.(?P<field>[a-z_]+)$")
MAX_ROWS = 50
TRUE = ("on", "true", "1", "yes")


@dataclass
class Reader:
    """An indicator that reads a fact, for the label under the field."""

    tenant: str
    name: Names


@dataclass
class FormFact:
    shape: FactShape
    read_by: list[Reader] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.shape.name


def form_facts(engine: Engine, at: str, as_of: dt.date) -> list[FormFact]:
    """The facts `at`'s chain reads (in the schema's order), each with the indicators reading it."""
    needed = engine.chain(at, as_of).needs
    readers: dict[str, list[Reader]] = {}
    for manifest in engine.catalog.chain(at):
        for indicator in engine.catalog.set_in_force(manifest.id, as_of).indicators:
            for leaf in simple_rules(indicator.rule):
                known = readers.setdefault(leaf.fact, [])
                if all(r.name != indicator.name for r in known):
                    known.append(Reader(manifest.id, indicator.name))
    return [FormFact(shape, readers.get(name, [])) for name, shape in engine.catalog.facts.items()
            if name in needed]


@dataclass
class Posted:
    """What a posted form says: the facts, the rows as typed (to show again), the problems."""

    facts: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)  # input name → text as typed
    rows: dict[str, int] = field(default_factory=dict)  # list fact → rows to show
    errors: dict[str, str] = field(default_factory=dict)  # JSON pointer → message

    @property
    def ok(self) -> bool:
        return not self.errors


def _scalar(kind: str, text: str, pointer: str, posted: Posted) -> Any:
    """A typed value for the engine (dates and enums stay text: the engine checks them)."""
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            posted.errors[pointer] = "form.not_whole"
            return None
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            posted.errors[pointer] = "form.not_number"
            return None
    return text


def _rows(form: FormMultiDict, fact: str) -> list[dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for key, value in form.multi_items():
        match = ROW.match(key)
        if match and match["fact"] == fact and isinstance(value, str):
            found.setdefault(int(match["index"]), {})[match["field"]] = value.strip()
    return [found[i] for i in sorted(found)][:MAX_ROWS]


def _record_rows(shape: FactShape, form: FormMultiDict, posted: Posted) -> None:
    items = []
    for raw in _rows(form, shape.name):
        typed = {name: raw.get(name, "") for name, f in shape.fields.items() if f.kind != "boolean"}
        if not any(typed.values()):
            continue  # a blank row: nothing claimed
        index = len(items)
        item: dict[str, Any] = {}
        for name, field_shape in shape.fields.items():
            pointer, text = f"/{shape.name}/{index}/{name}", raw.get(name, "")
            posted.values[f"{shape.name}.{index}.{name}"] = text
            if field_shape.kind == "boolean":
                item[name] = text.lower() in TRUE
            elif not text:
                if field_shape.nullable:
                    item[name] = None
                elif field_shape.required:
                    posted.errors[pointer] = "form.required"
            else:
                item[name] = _scalar(field_shape.kind, text, pointer, posted)
        items.append(item)
    posted.rows[shape.name] = len(items)
    if items:
        posted.facts[shape.name] = items


def parse(form: FormMultiDict, facts: list[FormFact]) -> Posted:
    """The posted form as facts; problems found here are message keys of the catalogue."""
    posted = Posted()
    for form_fact in facts:
        shape, name = form_fact.shape, form_fact.name
        if shape.kind == "records":
            _record_rows(shape, form, posted)
        elif shape.kind == "enum_list":
            chosen = [v for v in form.getall(name, []) if isinstance(v, str) and v in shape.values]
            posted.values[name] = chosen
            if chosen:
                posted.facts[name] = chosen
        elif shape.kind == "boolean":
            text = str(form.get(name) or "").strip().lower()
            posted.values[name] = text
            if text in TRUE:
                posted.facts[name] = True
        else:
            text = str(form.get(name) or "").strip()
            posted.values[name] = text
            if text:
                value = _scalar(shape.kind, text, f"/{name}", posted)
                if f"/{name}" not in posted.errors:
                    posted.facts[name] = value
    return posted


def check(engine: Engine, posted: Posted) -> None:
    """Each fact through the engine's facts model on its own, so every fact's first problem is
    found (not only the first of the whole form); messages are the engine's."""
    for name, value in list(posted.facts.items()):
        if any(p == f"/{name}" or p.startswith(f"/{name}/") for p in posted.errors):
            del posted.facts[name]
            continue
        try:
            engine.validate({name: value})
        except FactsError as error:
            posted.errors[error.pointer or f"/{name}"] = error.message
            del posted.facts[name]
