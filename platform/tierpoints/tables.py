"""Readable plain-text tables for the command line."""

from __future__ import annotations

import datetime as dt

from tierpoints.engine.results import ScoreResult, number
from tierpoints.packs.catalog import PolicyCatalog
from tierpoints.packs.models import BestOf


def _grid(rows: list[list[str]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip()
            for row in rows]


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in text)


def score_table(result: ScoreResult) -> str:
    lines = [f"{result.tenant} as of {result.as_of}: total {number(result.total)}"
             + ("  VETOED" if result.vetoed else "")]
    for tier in result.tiers:
        cut = "  (cut by the cap)" if tier.capped else ""
        lines.append(f"\n{tier.tenant} ({tier.tier}, set of {tier.indicator_set}): "
                     f"{tier.points} of {tier.cap}{cut}")
        rows = [["indicator", "category", "points", "reason"]]
        rows += [[i.id, i.category, f"{i.points}", i.reason] for i in tier.indicators]
        lines += ["  " + line for line in _grid(rows)]
    for veto in result.vetoes:
        lines.append(f"\nvetoed by {veto.tenant}/{veto.indicator}: {veto.reason}")
    return "\n".join(lines)


def chain_table(catalog: PolicyCatalog, tenant: str, as_of: dt.date) -> str:
    lines = []
    for manifest in catalog.chain(tenant):
        indicator_set = catalog.set_in_force(manifest.id, as_of)
        lines.append(f"{manifest.id} {manifest.name.zh} ({manifest.tier}, cap {number(manifest.cap)}), "
                     f"indicator set of {indicator_set.effective_from}")
        rows = [["indicator", "name", "category", "max", "rule", "department", "values"]]
        for indicator in indicator_set.indicators:
            rule = indicator.rule
            kind = "best_of " + "/".join(o.rule.fact for o in rule.options) if isinstance(rule, BestOf) \
                else f"{type(rule).__name__.lower()} {rule.fact}"
            rows.append([indicator.id, indicator.name.zh, indicator.category,
                         "" if indicator.max_points is None else f"{number(indicator.max_points)}",
                         kind, indicator.department, indicator.values])
        lines += ["  " + line for line in _grid(rows)] + [""]
    return "\n".join(lines).rstrip()
