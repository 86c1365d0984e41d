"""Why a round request was refused (the problem details come from ApplicationError's handler)."""

from __future__ import annotations

from tierpoints.features.applications.errors import ApplicationDataError, ApplicationError, StateConflict


class RoundNotFound(ApplicationError):
    status, title = 404, "Unknown round"


class RoundStateConflict(StateConflict):
    """409: the round's state (or its publicity dates) does not allow the action; nothing changed."""

    title = "Not possible in the round's current state"


RoundDataError = ApplicationDataError  # 422 naming the field
