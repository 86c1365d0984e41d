"""A compiled chain of tiers as one jurisdiction sees them, scored singly or in batch.

A tier's points are min(cap, sum of its basic and additional indicators) plus its
deductions; the total is the sum of the tiers (Xiangshan notice: provincial and municipal
commonality + county personality − deductions). The single and batch paths add up in
the same order so they agree to the last bit.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from itertools import compress, repeat
from operator import attrgetter, is_not, truth
from typing import Any, NamedTuple

import msgspec
import numpy as np

from tierpoints.engine.columns import FactColumns
from tierpoints.engine.results import (
    IndicatorResult,
    Names,
    ScoreResult,
    SourceRef,
    TierResult,
    VetoResult,
    number,
)
from tierpoints.engine.rules import CompiledRule, compile_rule, fmt
from tierpoints.packs.facts_shapes import FactShape
from tierpoints.packs.models import Indicator, IndicatorSet, TenantManifest

UNSET = msgspec.UNSET
MEMO_SIZE = 8192  # explanations (or plans) remembered per indicator (or chain)

Outcome = tuple[float, bool, IndicatorResult]  # signed points, veto struck, explained result
TierOutcome = tuple[float, TierResult, list[VetoResult]]


class TierPlan(NamedTuple):
    """How to score a tier for applicants who claim the same facts."""

    outcome: TierOutcome | None  # the whole tier's, when it reads nothing they claim
    known: list[Outcome | None]  # each indicator's, when it reads nothing they claim


def _getter(names: list[str]):
    """A function giving the tuple of these attributes (attrgetter gives a bare value for one)."""
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda value: (get(value),)
    return attrgetter(*names) if names else lambda value: ()


class CompiledIndicator:
    def __init__(self, indicator: Indicator, rule: CompiledRule):
        self.indicator = indicator
        self.rule = rule
        self.id = indicator.id
        self.category = indicator.category
        self.max_points = indicator.max_points
        self.sign = -1.0 if indicator.category == "deduction" else 1.0
        self._name = Names(indicator.name.zh, indicator.name.en)
        self._source = SourceRef(indicator.source.document, indicator.source.clause, indicator.values)
        self._max_points = None if self.max_points is None else number(self.max_points)
        self.facts_read = frozenset(rule.needs)
        self._department = indicator.department
        self._unclaimed: Outcome | None = None
        # Applicants measured alike (the same days, count or entries) get the same
        # explanation: remember the latest ones instead of formatting them again.
        self._explained = functools.lru_cache(maxsize=MEMO_SIZE)(self._explain)

    def evaluate(self, facts: Any, as_of: dt.date) -> Outcome:
        """(signed points, whether a veto struck, the explained result)."""
        return self._explained(self.rule.measure(facts, as_of))

    def unclaimed(self, facts: Any, as_of: dt.date) -> Outcome:
        """Nothing claimed: the same answer for everyone (and every date), worked out once."""
        if self._unclaimed is None:
            self._unclaimed = self.evaluate(facts, as_of)
        return self._unclaimed

    def _explain(self, measured: Any) -> Outcome:
        raw, reason = self.rule.explain(measured)
        if self.category == "veto":
            points, struck, capped = 0.0, raw > 0, False
        else:
            struck, capped = False, raw > self.max_points
            if capped:
                reason += f" = {fmt(raw)}, capped at {fmt(self.max_points)}"
                raw = self.max_points
            points = self.sign * raw if raw else 0.0
        return points, struck, IndicatorResult(
            self.id, self.category, number(points), capped, reason, self._name,
            self._max_points, self._department, self._source,
        )

    def batch(self, columns: FactColumns, as_of: dt.date, points: np.ndarray,
              capped: np.ndarray) -> None:
        """Writes every applicant's signed points and capped flags into the given rows."""
        raw = self.rule.batch(columns, as_of)
        np.greater(raw, self.max_points, out=capped)
        np.minimum(raw, self.max_points, out=points)
        if self.sign < 0:
            np.subtract(0.0, points, out=points)  # = -points, but 0 stays +0

    def batch_veto(self, columns: FactColumns, as_of: dt.date, struck: np.ndarray) -> None:
        np.greater(self.rule.batch(columns, as_of), 0, out=struck)


class CompiledTier:
    def __init__(self, manifest: TenantManifest, indicator_set: IndicatorSet,
                 indicators: list[CompiledIndicator]):
        self.manifest = manifest
        self.indicator_set = indicator_set
        self.indicators = indicators
        self.facts_read = frozenset().union(*(i.facts_read for i in indicators))
        self._cap = number(manifest.cap)
        self._effective_from = indicator_set.effective_from.isoformat()
        self._unclaimed: TierOutcome | None = None

    def single(self, facts: Any, as_of: dt.date, known: list[Outcome | None]) -> TierOutcome:
        """(points, explained tier, vetoes); known[i]: indicator i's outcome if known already."""
        positive, deductions, results, vetoes = 0.0, 0.0, [], []
        for indicator, outcome in zip(self.indicators, known):
            points, struck, result = outcome or indicator.evaluate(facts, as_of)
            results.append(result)
            category = indicator.category
            if category == "deduction":
                deductions += points
            elif category != "veto":
                positive += points
            elif struck:
                vetoes.append(VetoResult(self.manifest.id, indicator.id, result.reason))
        cap = self.manifest.cap
        points = min(cap, positive) + deductions
        return points, TierResult(  # positional: msgspec builds it faster than from keywords
            self.manifest.id, self.manifest.tier, self._cap, number(points), positive > cap,
            self._effective_from, results,
        ), vetoes

    def unclaimed(self, facts: Any, as_of: dt.date) -> TierOutcome:
        """Nothing this tier reads is claimed: one answer for everyone, worked out once."""
        if self._unclaimed is None:
            known = [indicator.unclaimed(facts, as_of) for indicator in self.indicators]
            self._unclaimed = self.single(facts, as_of, known)
        return self._unclaimed


@dataclass
class BatchScores:
    """Columnar results: row per indicator or tier, column per applicant."""

    chain: CompiledChain
    as_of: dt.date
    total: np.ndarray
    vetoed: np.ndarray
    tier_points: np.ndarray
    tier_capped: np.ndarray
    indicator_points: np.ndarray
    indicator_capped: np.ndarray
    veto_hits: np.ndarray  # row per veto indicator

    def __len__(self) -> int:
        return int(self.total.shape[0])

    def rows(self) -> list[dict[str, Any]]:
        """Every applicant's row, in order: the columns turned into Python lists once, not one
        numpy scalar at a time (what a recompute of a whole tenant writes)."""
        columns = (self.total.tolist(), self.vetoed.tolist(), self.tier_points.T.tolist(),
                   self.tier_capped.T.tolist(), self.indicator_points.T.tolist(),
                   self.indicator_capped.T.tolist(), self.veto_hits.T.tolist())
        return [self._assemble(*values) for values in zip(*columns)]

    def row(self, index: int) -> dict[str, Any]:
        """One applicant's numbers in the compact batch form (the result contract without reasons)."""
        return self._assemble(
            self.total[index].item(), self.vetoed[index].item(), self.tier_points[:, index].tolist(),
            self.tier_capped[:, index].tolist(), self.indicator_points[:, index].tolist(),
            self.indicator_capped[:, index].tolist(), self.veto_hits[:, index].tolist())

    def _assemble(self, total: float, vetoed: bool, tier_points: list, tier_capped: list, points: list,
                  capped: list, veto_hits: list) -> dict[str, Any]:
        """One applicant's row from its values (Python lists, in the chain's layout order)."""
        tiers, vetoes = [], []
        for tier_index, (tier_id, tier_kind, cap, indicators, tier_vetoes) in enumerate(self.chain.layout):
            vetoes.extend({"tenant": tier_id, "indicator": veto} for at, veto in tier_vetoes if veto_hits[at])
            tiers.append({
                "tenant": tier_id, "tier": tier_kind, "cap": cap,
                "points": number(tier_points[tier_index]), "capped": bool(tier_capped[tier_index]),
                "indicators": [{"id": indicator, "category": category, "points": number(points[at]),
                                "capped": bool(capped[at])} for at, indicator, category in indicators],
            })
        return {"tenant": self.chain.tenant, "as_of": self.as_of.isoformat(), "total": number(total),
                "vetoed": bool(vetoed), "vetoes": vetoes, "tiers": tiers}


def _batch_layout(tiers: list[CompiledTier]) -> tuple[tuple[Any, ...], ...]:
    """Where each tier's numbers sit in the batch columns (BatchScores.row): per tier its id,
    tier, cap, [(indicator row, id, category)] and [(veto row, id)]."""
    layout, position, veto_position = [], 0, 0
    for tier in tiers:
        indicators, vetoes = [], []
        for indicator in tier.indicators:
            if indicator.category == "veto":
                vetoes.append((veto_position, indicator.id))
                veto_position += 1
            else:
                indicators.append((position, indicator.id, indicator.category))
                position += 1
        layout.append((tier.manifest.id, tier.manifest.tier, number(tier.manifest.cap), tuple(indicators),
                       tuple(vetoes)))
    return tuple(layout)


class CompiledChain:
    def __init__(self, tenant: str, tiers: list[tuple[TenantManifest, IndicatorSet, frozenset[str]]],
                 facts: dict[str, FactShape]):
        self.tenant = tenant
        self.tiers: list[CompiledTier] = []
        self.needs: dict[str, set[str]] = {}
        for manifest, indicator_set, area in tiers:
            compiled = []
            for indicator in indicator_set.indicators:
                rule = compile_rule(indicator.rule, facts, area, manifest.id)
                compiled.append(CompiledIndicator(indicator, rule))
                for fact, fields in rule.needs.items():
                    self.needs.setdefault(fact, set()).update(fields)
            self.tiers.append(CompiledTier(manifest, indicator_set, compiled))
        # A number claims when present (0 counts: bands may score it); any other fact when
        # truthy (UNSET, False and [] do not). Both tests run in C, over all facts at once.
        numeric = sorted(name for name in self.needs if facts[name].kind in ("number", "integer"))
        others = sorted(set(self.needs) - set(numeric))
        self._read_others, self._read_numbers = _getter(others), _getter(numeric)
        self._claim_order = others + numeric
        self._plans: dict[tuple[bool, ...], list[TierPlan]] = {}
        self.layout = _batch_layout(self.tiers)


    def single(self, facts: Any, as_of: dt.date) -> ScoreResult:
        total, tiers, vetoes = 0.0, [], []
        for tier, (outcome, known) in zip(self.tiers, self._plan(facts, as_of)):
            points, tier_result, tier_vetoes = outcome or tier.single(facts, as_of, known)
            total += points
            tiers.append(tier_result)
            vetoes += tier_vetoes
        return ScoreResult(
            tenant=self.tenant, as_of=as_of.isoformat(), total=number(total),
            vetoed=bool(vetoes), vetoes=vetoes, tiers=tiers,
        )

    def _plan(self, facts: Any, as_of: dt.date) -> list[TierPlan]:
        """The plan for applicants who claim what these facts claim, made once for them all."""
        claims = (*map(truth, self._read_others(facts)),
                  *map(is_not, self._read_numbers(facts), repeat(UNSET)))
        plan = self._plans.get(claims)
        if plan is None:
            if len(self._plans) >= MEMO_SIZE:
                self._plans.clear()
            claimed = frozenset(compress(self._claim_order, claims))
            plan = self._plans[claims] = [
                TierPlan(
                    tier.unclaimed(facts, as_of) if tier.facts_read.isdisjoint(claimed) else None,
                    [indicator.unclaimed(facts, as_of)
                     if indicator.facts_read.isdisjoint(claimed) else None
                     for indicator in tier.indicators],
                )
                for tier in self.tiers
            ]
        return plan

    def batch(self, columns: FactColumns, as_of: dt.date) -> BatchScores:
        size = columns.size
        for items in columns.items.values():
            items.derived.clear()  # each pass works out (and pays for) its own
        indicators = [i for tier in self.tiers for i in tier.indicators]
        vetoes = sum(i.category == "veto" for i in indicators)
        # Every result row is written in place: no full-length temporaries per indicator.
        scores = BatchScores(
            chain=self, as_of=as_of, total=np.zeros(size), vetoed=np.zeros(size, dtype=bool),
            tier_points=np.empty((len(self.tiers), size)),
            tier_capped=np.empty((len(self.tiers), size), dtype=bool),
            indicator_points=np.empty((len(indicators) - vetoes, size)),
            indicator_capped=np.empty((len(indicators) - vetoes, size), dtype=bool),
            veto_hits=np.empty((vetoes, size), dtype=bool),
        )
        row, veto_row = 0, 0
        positive, deductions = np.empty(size), np.empty(size)
        for tier_index, tier in enumerate(self.tiers):
            positive.fill(0.0)
            deductions.fill(0.0)
            for indicator in tier.indicators:
                if indicator.category == "veto":
                    struck = scores.veto_hits[veto_row]
                    indicator.batch_veto(columns, as_of, struck)
                    scores.vetoed |= struck
                    veto_row += 1
                    continue
                points = scores.indicator_points[row]
                indicator.batch(columns, as_of, points, scores.indicator_capped[row])
                row += 1
                # The single path's order: positive and deductions, one indicator at a time.
                if indicator.category == "deduction":
                    deductions += points
                else:
                    positive += points
            cap = tier.manifest.cap
            tier_points = scores.tier_points[tier_index]
            np.minimum(positive, cap, out=tier_points)
            tier_points += deductions
            np.greater(positive, cap, out=scores.tier_capped[tier_index])
            scores.total += tier_points
        return scores
