"""Check a draft exactly as a pack file would be checked: the schemas and the load-time rules,
over the whole published policy with the draft added to its tenant (so a clash with a
parent's or a child's indicators is found too)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tierpoints.packs.catalog import load_sources
from tierpoints.packs.problems import PackError, Problem
from tierpoints.packs.sources import INDICATORS, DocumentPack, Read
from tierpoints.packs.yaml_source import SourceDocument
from tierpoints.store.policy import database_packs

DRAFT_ORIGIN = "draft"


@dataclass
class DraftPack(DocumentPack):
    """A tenant's published sets plus one draft, named so messages point at the draft."""

    draft: Any = None
    draft_stem: str = DRAFT_ORIGIN

    def indicator_sets(self) -> list[tuple[str, Read]]:
        name = f"{self.tenant}/{INDICATORS}/{self.draft_stem}.yaml ({DRAFT_ORIGIN})"
        return [*super().indicator_sets(), (self.draft_stem, SourceDocument(name, self.draft))]


def _stem(content: dict[str, Any]) -> str:
    # Filed under its own date, as a pack file would be; the schema reports a missing or bad one.
    value = content.get("effective_from")
    return value if isinstance(value, str) and value else DRAFT_ORIGIN


async def draft_problems(tenant: str, content: dict[str, Any]) -> list[Problem]:
    """Every problem the packs' checks find with this draft added to `tenant`; [] when it loads."""
    packs = []
    for pack in await database_packs():
        if pack.tenant == tenant:
            pack = DraftPack(tenant=pack.tenant, manifest_data=pack.manifest_data, sets=pack.sets,
                             roles_data=pack.roles_data,
                             workflow_data=pack.workflow_data, services_data=pack.services_data, draft=content, draft_stem=_stem(content))
        packs.append(pack)
    try:
        load_sources(packs)
    except PackError as error:
        return error.problems
    return []
