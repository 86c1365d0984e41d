"""How the points of a round's ranking are distributed, and where the quota line falls: what
the publicity page's chart draws. Public once the round is published (as the ranking itself);
the histogram is counted over the stored ranking's totals, never over unmasked data."""

from __future__ import annotations

import math

import msgspec
import numpy as np
from piccolo.query.functions.aggregate import Count

from tierpoints.features.auth import Actor
from tierpoints.features.rounds import service
from tierpoints.runtime import Runtime
from tierpoints.store.tables import RankingEntry

NICE_WIDTHS = (0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100)


class Bin(msgspec.Struct, frozen=True):
    low: float  # points from (inclusive)
    high: float  # up to (exclusive; the last bin includes its top)
    count: int


class PointsDistribution(msgspec.Struct, frozen=True):
    round: int
    version: int
    entries: int
    quota: int
    bin_width: float
    bins: list[Bin]
    # the total of the last place inside the quota (joint ranks at it share the place);
    # None when nobody is ranked
    cut_total: float | None
    fits_all: bool  # fewer ranked than places: everyone is inside the quota


def bin_width(low: float, high: float, most: int) -> float:
    """The smallest nice width that covers low..high in at most `most` bins."""
    span = max(high - low, 0.0)
    for width in NICE_WIDTHS:
        if span / width < most:
            return width
    return 10 ** math.ceil(math.log10(span / most))


def histogram(totals: np.ndarray, most: int = 20, counts: np.ndarray | None = None) -> tuple[float, list[Bin]]:
    """Bins over `totals`; with `counts`, totals[i] stands for counts[i] entries (distinct totals)."""
    if len(totals) == 0:
        return 1.0, []
    width = bin_width(float(totals.min()), float(totals.max()), most)
    start = math.floor(float(totals.min()) / width) * width
    count = max(1, math.floor((float(totals.max()) - start) / width) + 1)
    index = np.minimum(((totals - start) // width).astype(np.int64), count - 1)
    binned = np.bincount(index, weights=counts, minlength=count)
    return width, [Bin(low=start + i * width, high=start + (i + 1) * width, count=int(c))
                   for i, c in enumerate(binned)]


async def points_distribution(runtime: Runtime, actor: Actor, round_id: int, version: int | None = None,
                              most_bins: int = 20) -> PointsDistribution:
    """The totals of a ranking version (default: the newest) in at most `most_bins` bins, counted
    by the database over the version's entries (a few hundred distinct totals come back)."""
    view = await service.read(runtime, actor, round_id)  # published rounds are public; else rounds:read
    node = service.node_for(actor)
    stored = await service.version_row(round_id, version, node)
    grouped = await RankingEntry.select(RankingEntry.total, Count(RankingEntry.id, alias="n")).where(
        RankingEntry.version == stored["id"]).group_by(RankingEntry.total).run(node=node)
    totals = np.array([row["total"] for row in grouped], dtype=float)
    width, bins = histogram(totals, most_bins, np.array([row["n"] for row in grouped], dtype=float))
    entries, cut = stored["entries"], None
    if entries:
        at_quota = await RankingEntry.select(RankingEntry.total).where(  # ranked best first
            (RankingEntry.version == stored["id"]) & (RankingEntry.position == min(view.quota, entries) - 1)
        ).first().run(node=node)
        cut = float(at_quota["total"])
    return PointsDistribution(round=round_id, version=stored["version"], entries=entries, quota=view.quota,
                              bin_width=width, bins=bins, cut_total=cut, fits_all=entries <= view.quota)
