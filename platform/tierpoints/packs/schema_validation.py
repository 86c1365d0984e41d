"""Validate pack documents against the JSON Schemas in policy_schemas/."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from tierpoints.packs.problems import Problem
from tierpoints.packs.yaml_source import SourceDocument, escape_pointer_token

SCHEMA_FILES = {
    "tenant": "tenant.schema.json",
    "indicator-set": "indicator-set.schema.json",
    "facts": "facts.schema.json",
    "roles": "roles.schema.json",
    "workflow": "workflow.schema.json",
    "services": "services.schema.json",
    "holiday-schedule": "holiday-schedule.schema.json",
}


class PolicySchemas:
    """The contract: one compiled validator per schema, built once."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.documents: dict[str, dict[str, Any]] = {
            name: json.loads((directory / file).read_text(encoding="utf-8"))
            for name, file in SCHEMA_FILES.items()
        }

    @cached_property
    def _registry(self) -> Registry:
        return Registry().with_resources(
            (document["$id"], Resource.from_contents(document))
            for document in self.documents.values()
        )

    def validator(self, name: str) -> Draft202012Validator:
        return self._validators[name]

    @cached_property
    def _validators(self) -> dict[str, Draft202012Validator]:
        return {
            name: Draft202012Validator(
                document, registry=self._registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
            for name, document in self.documents.items()
        }

    def problems(self, name: str, source: SourceDocument) -> list[Problem]:
        found = set()
        for error in self.validator(name).iter_errors(source.data):
            pointer = "".join(f"/{escape_pointer_token(part)}" for part in error.absolute_path)
            found.add(Problem(source.path, source.line_of(pointer), pointer, _message(error)))
        return sorted(found)


def _message(error: Any) -> str:
    # `not: {required: [...]}` (e.g. a veto indicator with max_points): jsonschema's own
    # message repeats the whole object; name the property instead.
    value = error.validator_value
    if error.validator == "not" and isinstance(value, dict) and list(value) == ["required"]:
        names = ", ".join(repr(name) for name in value["required"])
        return f"{names} is not allowed here"
    return error.message
