"""Read a YAML pack file into plain data plus a map from JSON pointer to line number.

Dates stay strings (the schemas check their format) and only `true`/`false` are booleans,
so a clerk's `no` or `2022-01-01` means what it says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class PackLoader(yaml.SafeLoader):
    pass


PackLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in list(PackLoader.yaml_implicit_resolvers):
    PackLoader.yaml_implicit_resolvers[_first] = [
        (tag, regexp)
        for tag, regexp in PackLoader.yaml_implicit_resolvers[_first]
        if tag != "tag:yaml.org,2002:bool"
    ]
PackLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf")
)


@dataclass
class SourceDocument:
    path: str
    data: Any
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, pointer: str) -> int | None:
        """The line of the pointer, or of its nearest ancestor that has one."""
        while True:
            if pointer in self.lines:
                return self.lines[pointer]
            if not pointer:
                return None
            pointer = pointer.rsplit("/", 1)[0]


class YamlSyntaxError(Exception):
    def __init__(self, path: str, line: int | None, message: str):
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line}: {message}")


def escape_pointer_token(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _map_lines(node: yaml.Node, pointer: str, lines: dict[str, int]) -> None:
    lines[pointer] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = f"{pointer}/{escape_pointer_token(key_node.value)}"
            _map_lines(value_node, child, lines)
            lines[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _map_lines(item, f"{pointer}/{index}", lines)


def read_yaml(path: Path, display_path: str) -> SourceDocument:
    return read_yaml_text(path.read_text(encoding="utf-8"), display_path)


def read_yaml_text(text: str, display_path: str) -> SourceDocument:
    """As read_yaml, from text already in hand (an editor's content)."""
    try:
        loader = PackLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise YamlSyntaxError(display_path, line, f"not valid YAML: {error.problem}") from error
    lines: dict[str, int] = {}
    if node is not None:
        _map_lines(node, "", lines)
    return SourceDocument(display_path, data, lines)
