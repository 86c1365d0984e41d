"""Why a publishing request was refused; problems.py turns these into RFC 9457 problem details."""

from __future__ import annotations

from typing import Any

from tierpoints.packs.problems import Problem


class PublishingError(Exception):
    """A refused request: HTTP status, a short title, and every located problem (may be none)."""

    status = 400
    title = "Publishing request refused"

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None):
        self.detail = detail
        self.errors = errors or []
        super().__init__(detail)


class DraftNotFound(PublishingError):
    status, title = 404, "Unknown draft"


class DraftConflict(PublishingError):
    """A stale revision, a version that is no longer a draft, or a date already published."""

    status, title = 409, "Conflict"


class RevisionRequired(PublishingError):
    status, title = 428, "If-Match required"


class BadRevision(PublishingError):
    status, title = 400, "Malformed If-Match"


class InvalidDraft(PublishingError):
    status, title = 422, "Indicator set refused"


def problem_entries(problems: list[Problem]) -> list[dict[str, Any]]:
    """Pack problems as problem-detail entries: {file, pointer, line (if any), message}."""
    return [
        {"file": p.file, "pointer": p.pointer, **({"line": p.line} if p.line else {}), "message": p.message}
        for p in problems
    ]
