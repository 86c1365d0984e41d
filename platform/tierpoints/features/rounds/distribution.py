"""How the points of a round's ranking are distributed, and where the quota line falls: what
the publicity page's chart draws. Public once the round is published (as the ranking itself);
the histogram is counted over the stored ranking's totals, never over unmasked data."""

from __future__ import annotations

import math

import msgspec
import numpy as np

from tierpoints.features.auth import Actor
from tierpoints.features.rounds import service
from tierpoints.runtime import Runtime

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


def histogram(totals: np.ndarray, most: int = 20) -> tuple[float, list[Bin]]:
    if len(totals) == 0:
        return 1.0, []
    width = bin_width(float(totals.min()), float(totals.max()), most)
    start = math.floor(float(totals.min()) / width) * width
    count = max(1, math.floor((float(totals.max()) - start) / width) + 1)
    index = np.minimum(((totals - start) // width).astype(np.int64), count - 1)
    counts = np.bincount(index, minlength=count)
    return width, [Bin(low=start + i * width, high=start + (i + 1) * width, count=int(c))
                   for i, c in enumerate(counts)]


async def points_distribution(runtime: Runtime, actor: Actor, round_id: int, version: int | None = None,
                              most_bins: int = 20) -> PointsDistribution:
    """The totals of a ranking version (default: the newest) in at most `most_bins` bins."""
    view = await service.read(runtime, actor, round_id)  # published rounds are public; else rounds:read
    number, ranking = await service.stored_ranking(round_id, version)
    totals = np.asarray(ranking.total, dtype=float)
    width, bins = histogram(totals, most_bins)
    cut = None
    if len(totals):
        cut = float(totals[min(view.quota, len(totals)) - 1])  # ranked best first
    return PointsDistribution(round=round_id, version=number, entries=len(totals), quota=view.quota,
                              bin_width=width, bins=bins, cut_total=cut, fits_all=len(totals) <= view.quota)
