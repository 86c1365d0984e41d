"""A compiled chain of tiers as one jurisdiction sees them, scored singly or in batch.

A tier's points are min(cap, sum of its basic and additional indicators) plus its
deductions; the total is the sum of the tiers (Xiangshan notice: provincial and municipal
commonality + county personality − deductions). The single and batch paths add up in
the same order so they agree to the last bit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

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

_NUMBERS = (int, float)  # 0 is a claim (bands may score it); UNSET, False and [] are not


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
        self._unclaimed: tuple[float, bool, IndicatorResult] | None = None

    def single(
        self, facts: Any, as_of: dt.date, claimed: frozenset[str]
    ) -> tuple[float, bool, IndicatorResult]:
        """(signed points, whether a veto struck, the explained result)."""
        if self.facts_read.isdisjoint(claimed):
            # Nothing claimed: the same answer for everyone (and every date), worked out once.
            if self._unclaimed is None:
                self._unclaimed = self._evaluate(facts, as_of)
            return self._unclaimed
        return self._evaluate(facts, as_of)

    def _evaluate(self, facts: Any, as_of: dt.date) -> tuple[float, bool, IndicatorResult]:
        raw, reason = self.rule.single(facts, as_of)
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

    def batch(self, columns: FactColumns, as_of: dt.date) -> tuple[np.ndarray, np.ndarray]:
        raw = self.rule.batch(columns, as_of)
        if self.category == "veto":
            return raw, np.zeros(columns.size, dtype=bool)
        capped = raw > self.max_points
        points = np.minimum(raw, self.max_points)
        if self.sign < 0:
            points = -points
            points[points == 0] = 0.0  # no negative zero
        return points, capped


class CompiledTier:
    def __init__(self, manifest: TenantManifest, indicator_set: IndicatorSet,
                 indicators: list[CompiledIndicator]):
        self.manifest = manifest
        self.indicator_set = indicator_set
        self.indicators = indicators
        self.facts_read = frozenset().union(*(i.facts_read for i in indicators))
        self._cap = number(manifest.cap)
        self._effective_from = indicator_set.effective_from.isoformat()
        self._unclaimed: tuple[float, TierResult, list[VetoResult]] | None = None

    def single(self, facts: Any, as_of: dt.date, claimed: frozenset[str]):
        """(points, explained tier, vetoes)."""
        if self.facts_read.isdisjoint(claimed):
            if self._unclaimed is None:
                self._unclaimed = self._evaluate(facts, as_of, claimed)
            return self._unclaimed
        return self._evaluate(facts, as_of, claimed)

    def _evaluate(self, facts: Any, as_of: dt.date, claimed: frozenset[str]):
        positive, deductions, results, vetoes = 0.0, 0.0, [], []
        for indicator in self.indicators:
            points, struck, result = indicator.single(facts, as_of, claimed)
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
        return points, TierResult(
            tenant=self.manifest.id, tier=self.manifest.tier, cap=self._cap,
            points=number(points), capped=positive > cap,
            indicator_set=self._effective_from, indicators=results,
        ), vetoes


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

    def row(self, index: int) -> dict[str, Any]:
        """One applicant's numbers in the compact batch form (the result contract without reasons)."""
        tiers, position, veto_position, vetoes = [], 0, 0, []
        for tier_index, tier in enumerate(self.chain.tiers):
            indicators = []
            for indicator in tier.indicators:
                if indicator.category == "veto":
                    if self.veto_hits[veto_position, index]:
                        vetoes.append({"tenant": tier.manifest.id, "indicator": indicator.id})
                    veto_position += 1
                else:
                    indicators.append({
                        "id": indicator.id, "category": indicator.category,
                        "points": number(self.indicator_points[position, index]),
                        "capped": bool(self.indicator_capped[position, index]),
                    })
                    position += 1
            tiers.append({
                "tenant": tier.manifest.id, "tier": tier.manifest.tier,
                "cap": number(tier.manifest.cap),
                "points": number(self.tier_points[tier_index, index]),
                "capped": bool(self.tier_capped[tier_index, index]),
                "indicators": indicators,
            })
        return {
            "tenant": self.chain.tenant, "as_of": self.as_of.isoformat(),
            "total": number(self.total[index]), "vetoed": bool(self.vetoed[index]),
            "vetoes": vetoes, "tiers": tiers,
        }


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
        self._facts_read = sorted(self.needs)

    def claimed(self, facts: Any) -> frozenset[str]:
        """The facts read by this chain that carry a claim (0 counts; UNSET, False, [] do not)."""
        return frozenset([
            name for name in self._facts_read
            if (value := getattr(facts, name)) or value.__class__ in _NUMBERS
        ])

    def single(self, facts: Any, as_of: dt.date) -> ScoreResult:
        claimed = self.claimed(facts)
        total, tiers, vetoes = 0.0, [], []
        for tier in self.tiers:
            points, tier_result, tier_vetoes = tier.single(facts, as_of, claimed)
            total += points
            tiers.append(tier_result)
            vetoes += tier_vetoes
        return ScoreResult(
            tenant=self.tenant, as_of=as_of.isoformat(), total=number(total),
            vetoed=bool(vetoes), vetoes=vetoes, tiers=tiers,
        )

    def batch(self, columns: FactColumns, as_of: dt.date) -> BatchScores:
        size = columns.size
        total = np.zeros(size)
        vetoed = np.zeros(size, dtype=bool)
        tier_points, tier_capped, points_rows, capped_rows, veto_rows = [], [], [], [], []
        for tier in self.tiers:
            positive, deductions = np.zeros(size), np.zeros(size)
            for indicator in tier.indicators:
                points, capped = indicator.batch(columns, as_of)
                if indicator.category == "veto":
                    hit = points > 0
                    veto_rows.append(hit)
                    vetoed |= hit
                    continue
                points_rows.append(points)
                capped_rows.append(capped)
                if indicator.category == "deduction":
                    deductions = deductions + points
                else:
                    positive = positive + points
            cap = tier.manifest.cap
            points = np.minimum(cap, positive) + deductions
            tier_points.append(points)
            tier_capped.append(positive > cap)
            total = total + points
        return BatchScores(
            chain=self, as_of=as_of, total=total, vetoed=vetoed,
            tier_points=np.array(tier_points), tier_capped=np.array(tier_capped),
            indicator_points=np.array(points_rows).reshape(len(points_rows), size),
            indicator_capped=np.array(capped_rows).reshape(len(capped_rows), size),
            veto_hits=np.array(veto_rows, dtype=bool).reshape(len(veto_rows), size),
        )
