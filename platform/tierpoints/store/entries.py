"""A ranking version's entries as ranking_entry rows (tables.RankingEntry): written with the
version, read a page at a time by the public pages."""

from __future__ import annotations

from typing import Any

import msgspec

from tierpoints.rounds.ranking import Ranking

ENTRY_COLUMNS = ("version", "position", "rank", "applicant", "points_of", "masked_name", "masked_identity",
                 "total", "tiers", "keys")


def entry_rows(version_id: int, ranking: Ranking) -> list[tuple[Any, ...]]:
    """One tuple an entry, in ENTRY_COLUMNS order (store/bulk.py insert_rows)."""
    encode = msgspec.json.encode
    tier_names, key_names = ranking.inputs.tiers, [tie.key for tie in ranking.inputs.tie_breaks]
    return [
        (version_id, position, rank, applicant, points_of, name, identity, total,
         encode(dict(zip(tier_names, tiers))).decode(), encode(dict(zip(key_names, keys))).decode())
        for position, (rank, applicant, points_of, name, identity, total, tiers, keys) in enumerate(zip(
            ranking.rank.tolist(), ranking.applicant.tolist(), ranking.points_of.tolist(), ranking.masked_name,
            ranking.masked_identity, ranking.total.tolist(), ranking.tiers.tolist(), ranking.keys.tolist()))
    ]
