"""A readable comparison of an indicator-set draft with the published version: which indicators
were added, removed or changed and in which fields (old → new), and the YAML line diff."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import yaml


def to_yaml(content: Any) -> str:
    """The editor's text of a document (the key order kept, Chinese as itself)."""
    return yaml.safe_dump(content, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)


@dataclass
class Change:
    path: str
    old: Any  # None: added
    new: Any  # None: removed


@dataclass
class IndicatorChange:
    id: str
    name: dict[str, str]
    status: str  # added | removed | changed
    changes: list[Change] = field(default_factory=list)


@dataclass
class Comparison:
    top: list[Change]  # title, cap_enforced, effective_from ...
    indicators: list[IndicatorChange]
    lines: list[tuple[str, str]]  # (kind: add | remove | hunk | same, text)

    @property
    def same(self) -> bool:
        return not self.top and not self.indicators


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        found: dict[str, Any] = {}
        for key, item in value.items():
            found.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return found
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        found = {}
        for index, item in enumerate(value):
            found.update(_flatten(item, f"{prefix}[{index}]"))
        return found
    return {prefix: value}


def _changes(old: Any, new: Any) -> list[Change]:
    before, after = _flatten(old), _flatten(new)
    return [Change(path, before.get(path), after.get(path))
            for path in [*before, *(p for p in after if p not in before)] if before.get(path) != after.get(path)]


def _by_id(content: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(i.get("id")): i for i in content.get("indicators") or [] if isinstance(i, dict)}


def compare(published: dict[str, Any], draft: dict[str, Any]) -> Comparison:
    top = _changes({k: v for k, v in published.items() if k != "indicators"},
                   {k: v for k, v in draft.items() if k != "indicators"})
    old, new = _by_id(published), _by_id(draft)
    indicators = []
    for key in [*old, *(k for k in new if k not in old)]:
        if key not in new:
            indicators.append(IndicatorChange(key, old[key].get("name") or {}, "removed"))
        elif key not in old:
            indicators.append(IndicatorChange(key, new[key].get("name") or {}, "added"))
        elif changes := _changes(old[key], new[key]):
            indicators.append(IndicatorChange(key, new[key].get("name") or {}, "changed", changes))
    lines = []
    for line in difflib.unified_diff(to_yaml(published).splitlines(), to_yaml(draft).splitlines(),
                                     "published", "draft", lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "remove", "@": "hunk"}.get(line[:1], "same")
        lines.append((kind, line))
    return Comparison(top, indicators, lines)
