"""Scoring one chunk of applicants under the published policy and under the draft (the batch
engine), keeping only what the report needs: totals, vetoes, and for the largest movers of the
chunk the indicators that moved them. Pure and CPU-bound: the service runs it in a thread."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import msgspec
import numpy as np

from tierpoints.engine import Engine
from tierpoints.engine.chain import BatchScores
from tierpoints.engine.facts import FactsError

BINS = np.arange(0, 310, 10)  # 10-point bins over the 300 possible points; above → the last bin


class IndicatorChange(msgspec.Struct, frozen=True):
    indicator: str
    tenant: str
    before: float
    after: float


class Mover(msgspec.Struct, frozen=True):
    applicant: int
    tenant: str  # where the permit is: the tenant whose view was scored
    before: float
    after: float
    change: float
    indicators: list[IndicatorChange]  # only those whose points differ


class ChunkResult(msgspec.Struct):
    before: np.ndarray
    after: np.ndarray
    vetoed_before: int
    vetoed_after: int
    movers: list[Mover]
    unreadable: int = 0  # stored facts that no longer fit the facts schema: not scored


def histogram(totals: np.ndarray) -> np.ndarray:
    return np.histogram(np.clip(totals, BINS[0], BINS[-1] - 1e-9), bins=BINS)[0]


def _points_by_indicator(scores: BatchScores, column: int) -> dict[tuple[str, str], float]:
    found, row = {}, 0
    for tier in scores.chain.tiers:
        for indicator in tier.indicators:
            if indicator.category == "veto":
                continue
            found[indicator.id, tier.manifest.id] = float(scores.indicator_points[row, column])
            row += 1
    return found


def _mover(applicant: int, tenant: str, published: BatchScores, draft: BatchScores, column: int) -> Mover:
    old, new = _points_by_indicator(published, column), _points_by_indicator(draft, column)
    changes = [IndicatorChange(indicator, where, old.get((indicator, where), 0.0), new.get((indicator, where), 0.0))
               for indicator, where in sorted(set(old) | set(new))
               if old.get((indicator, where), 0.0) != new.get((indicator, where), 0.0)]
    before, after = float(published.total[column]), float(draft.total[column])
    return Mover(applicant, tenant, before, after, after - before, changes)


def decode(engine: Engine, stored: Sequence[tuple[int, bytes]]) -> tuple[list[int], list[Any]]:
    """(applicants, facts structs) of the stored facts that still decode under the facts schema."""
    applicants, facts = [], []
    for applicant, content in stored:
        try:
            facts.append(engine.decode_stored(content))
        except FactsError:  # no longer fits the schema: recompute_scores logs these
            continue
        applicants.append(applicant)
    return applicants, facts


def compare_stored(published: Engine, draft: Engine, tenant: str, as_of: dt.date,
                   stored: Sequence[tuple[int, bytes]], keep: int) -> ChunkResult | None:
    """`stored`: (applicant, facts JSON) of applicants with permits in `tenant`."""
    applicants, facts = decode(published, stored)
    if not facts:
        return None
    result = compare_chunk(published, draft, tenant, as_of, applicants, facts, keep)
    result.unreadable = len(stored) - len(facts)
    return result


def compare_chunk(published: Engine, draft: Engine, tenant: str, as_of: dt.date, applicants: Sequence[int],
                  facts: Sequence[Any], keep: int) -> ChunkResult:
    """`facts` decoded or validated for `applicants`, all with permits in `tenant`."""
    before = published.score_columns(published.load_batch(facts, tenant, as_of), tenant, as_of)
    after = draft.score_columns(draft.load_batch(facts, tenant, as_of), tenant, as_of)
    change = np.abs(after.total - before.total)
    moved = np.flatnonzero(change)
    if len(moved) > keep:
        moved = moved[np.argpartition(-change[moved], keep - 1)[:keep]]
    return ChunkResult(
        before=before.total.astype(np.float64), after=after.total.astype(np.float64),
        vetoed_before=int(before.vetoed.sum()), vetoed_after=int(after.vetoed.sum()),
        movers=[_mover(applicants[i], tenant, before, after, int(i)) for i in moved.tolist()],
    )
