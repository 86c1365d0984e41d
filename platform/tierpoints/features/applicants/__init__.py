"""Applicants across districts: registration, residence permits, facts and recognised scores.

Kept import-free so other features can use `scores.recompute_scores` without pulling in HTTP;
the controllers are in `controller.py`."""
