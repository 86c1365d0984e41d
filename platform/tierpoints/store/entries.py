"""A ranking version's entries as ranking_entry rows (tables.RankingEntry): written with the
version, read a page at a time by the public pages."""

from __future__ import annotations

from typing import Any

import msgspec

from tierpoints.rounds.ranking import Ranking
from tierpoints.store.bulk import insert_rows

ENTRY_COLUMNS = ("version", "position", "rank", "applicant", "points_of", "masked_name", "masked_identity",
                 "total", "tiers", "keys")


def entry_rows(version_id: int, ranking: Ranking, start: int = 0, stop: int | None = None) -> list[tuple[Any, ...]]:
    """One tuple an entry from `start` to `stop`, in ENTRY_COLUMNS order (store/bulk.py insert_rows)."""
    encode = msgspec.json.encode
    tier_names, key_names = ranking.inputs.tiers, [tie.key for tie in ranking.inputs.tie_breaks]
    part = slice(start, stop)
    return [
        (version_id, position, rank, applicant, points_of, name, identity, total,
         encode(dict(zip(tier_names, tiers))).decode(), encode(dict(zip(key_names, keys))).decode())
        for position, (rank, applicant, points_of, name, identity, total, tiers, keys) in enumerate(zip(
            ranking.rank[part].tolist(), ranking.applicant[part].tolist(), ranking.points_of[part].tolist(),
            ranking.masked_name[part], ranking.masked_identity[part], ranking.total[part].tolist(),
            ranking.tiers[part].tolist(), ranking.keys[part].tolist()), start=start)
    ]


async def store_entries(version_id: int, ranking: Ranking, batch: int = 50_000) -> None:
    """Write every entry, a batch at a time (a million entries never sit in memory as rows)."""
    for start in range(0, len(ranking), batch):
        await insert_rows("ranking_entry", ENTRY_COLUMNS, entry_rows(version_id, ranking, start, start + batch))
