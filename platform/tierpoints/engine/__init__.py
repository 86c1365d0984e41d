"""Pure scoring: rule kinds, durations, tier caps, recognition, single and batch paths."""

from tierpoints.engine.facts import FactsError
from tierpoints.engine.results import ScoreResult
from tierpoints.engine.scorer import Engine

__all__ = ["Engine", "FactsError", "ScoreResult"]
