"""Service rounds (issue #5): who is eligible, the ranking with its tie-breaks, publicity and
allocation under a quota. This package is pure: no database, no clock; storage and HTTP build on it.

- `candidates`: an applicant's facts and score result → a ranking candidate (or why not)
- `ranking`: candidates → the ranking, its content hash, quota allocation, and the diff
  between two versions
"""

from tierpoints.rounds.ranking import (
    Allocation,
    Candidate,
    CandidateColumns,
    Move,
    RankedEntry,
    Ranking,
    RankingDiff,
    RankingInputs,
    TieBreak,
    allocate,
    diff,
    rank,
)

__all__ = ["Allocation", "Candidate", "CandidateColumns", "Move", "RankedEntry", "Ranking", "RankingDiff",
           "RankingInputs", "TieBreak", "allocate", "diff", "rank"]
