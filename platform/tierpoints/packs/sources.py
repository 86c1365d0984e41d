"""Where pack documents come from: a folder on disk, or documents held elsewhere
(the database's published versions, a draft under review). The loader checks both alike."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tierpoints.packs.problems import Problem
from tierpoints.packs.yaml_source import SourceDocument, YamlSyntaxError, read_yaml

MANIFEST = "tenant.yaml"
INDICATORS = "indicators"
ROLES = "roles.yaml"
WORKFLOW = "workflow.yaml"
SERVICES = "services.yaml"

# A document, or the problem that stopped it being read.
Read = SourceDocument | Problem


def display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _read_file(path: Path) -> Read:
    shown = display(path)
    if not path.exists():
        return Problem(shown, None, "", "missing file")
    try:
        return read_yaml(path, shown)
    except YamlSyntaxError as error:
        return Problem(shown, error.line, "", error.message)


class PackSource:
    tenant: str
    location: str

    def manifest(self) -> Read:
        raise NotImplementedError

    def indicator_sets(self) -> list[tuple[str, Read]]:
        """(name the set is filed under: its effective date, document)."""
        raise NotImplementedError

    def roles(self) -> Read | None:
        raise NotImplementedError

    def workflow(self) -> Read | None:
        """The workflow numbers it declares (None: all inherited)."""
        raise NotImplementedError

    def services(self) -> Read | None:
        """The services it runs and the tie-break keys it declares (None: none)."""
        return None

    def sibling(self, tenant: str) -> PackSource | None:
        """Where to find a parent that was not asked for (folders: the sibling folder)."""
        return None


@dataclass
class FolderPack(PackSource):
    path: Path

    @property
    def tenant(self) -> str:  # type: ignore[override]
        return self.path.name

    @property
    def location(self) -> str:  # type: ignore[override]
        return display(self.path)

    def manifest(self) -> Read:
        return _read_file(self.path / MANIFEST)

    def indicator_sets(self) -> list[tuple[str, Read]]:
        folder = self.path / INDICATORS
        files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
        return [(file.stem, _read_file(file)) for file in files]

    def roles(self) -> Read | None:
        path = self.path / ROLES
        return _read_file(path) if path.exists() else None

    def workflow(self) -> Read | None:
        path = self.path / WORKFLOW
        return _read_file(path) if path.exists() else None

    def services(self) -> Read | None:
        path = self.path / SERVICES
        return _read_file(path) if path.exists() else None

    def sibling(self, tenant: str) -> PackSource | None:
        folder = self.path.parent / tenant
        return FolderPack(folder) if (folder / MANIFEST).exists() else None


@dataclass
class DocumentPack(PackSource):
    """A pack held as data; names mimic the pack files so messages read the same."""

    tenant: str
    manifest_data: Any
    sets: dict[str, Any] = field(default_factory=dict)  # effective date → document
    roles_data: Any = None
    workflow_data: Any = None
    origin: str = "database"
    services_data: Any = None

    @property
    def location(self) -> str:  # type: ignore[override]
        return f"{self.tenant} ({self.origin})"

    def _document(self, name: str, data: Any) -> SourceDocument:
        return SourceDocument(f"{self.tenant}/{name} ({self.origin})", data)

    def manifest(self) -> Read:
        return self._document(MANIFEST, self.manifest_data)

    def indicator_sets(self) -> list[tuple[str, Read]]:
        return [(stem, self._document(f"{INDICATORS}/{stem}.yaml", data))
                for stem, data in sorted(self.sets.items())]

    def roles(self) -> Read | None:
        return None if self.roles_data is None else self._document(ROLES, self.roles_data)

    def workflow(self) -> Read | None:
        return None if self.workflow_data is None else self._document(WORKFLOW, self.workflow_data)

    def services(self) -> Read | None:
        return None if self.services_data is None else self._document(SERVICES, self.services_data)


def folder_packs(directory: Path) -> list[FolderPack]:
    """A pack folder itself, or the pack folders inside a tenants folder."""
    if (directory / MANIFEST).exists():
        return [FolderPack(directory)]
    return [FolderPack(child) for child in sorted(directory.iterdir()) if (child / MANIFEST).exists()]
