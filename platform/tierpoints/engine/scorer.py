"""The engine's front door: compile a jurisdiction's chain once, then score."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from tierpoints import clock
from tierpoints.engine.chain import BatchScores, CompiledChain
from tierpoints.engine.columns import FactColumns, load_columns
from tierpoints.engine.facts import FactsModel
from tierpoints.engine.results import ScoreResult
from tierpoints.packs.catalog import PolicyCatalog


class Engine:
    """Pure: no I/O. Chains are compiled per (tenant, indicator-set versions) and cached."""

    def __init__(self, catalog: PolicyCatalog):
        self.catalog = catalog
        self.facts = FactsModel(catalog.facts)
        self._chains: dict[tuple[Any, ...], CompiledChain] = {}

    def chain(self, at: str, as_of: dt.date) -> CompiledChain:
        tiers = [
            (manifest, self.catalog.set_in_force(manifest.id, as_of))
            for manifest in self.catalog.chain(at)
        ]
        key = (at, *(indicator_set.effective_from for _, indicator_set in tiers))
        compiled = self._chains.get(key)
        if compiled is None:
            compiled = CompiledChain(
                at,
                [(m, s, self.catalog.tree.area(m.id)) for m, s in tiers],
                self.catalog.facts,
            )
            self._chains[key] = compiled
        return compiled

    def validate(self, facts: Any) -> Any:
        """Facts (dict, JSON bytes or struct) → the facts struct; FactsError names the field."""
        return self.facts.validate(facts)

    def decode_stored(self, content: bytes) -> Any:
        """Stored facts JSON (validated when recorded) → the facts struct, without re-checking."""
        return self.facts.decode_stored(content)

    def score(self, facts: Any, at: str, as_of: dt.date | None = None) -> ScoreResult:
        as_of = as_of or clock.today()
        return self.chain(at, as_of).single(self.validate(facts), as_of)

    def load_batch(self, facts: Sequence[Any], at: str, as_of: dt.date) -> FactColumns:
        """Validated facts structs → the columnar batch form for `at`'s chain."""
        return load_columns(facts, self.chain(at, as_of).needs, self.catalog.facts)

    def score_columns(self, columns: FactColumns, at: str, as_of: dt.date) -> BatchScores:
        return self.chain(at, as_of).batch(columns, as_of)

    def score_batch(self, facts: Sequence[Any], at: str, as_of: dt.date | None = None) -> BatchScores:
        as_of = as_of or clock.today()
        validated = [self.validate(f) for f in facts]
        return self.score_columns(self.load_batch(validated, at, as_of), at, as_of)
