"""Why an application request was refused; problems.py turns each into a problem detail."""

from __future__ import annotations

import datetime as dt
from typing import Any


class ApplicationError(Exception):
    """A refused request: HTTP status, a short title, the detail and extra problem members."""

    status = 400
    title = "Application request refused"

    def __init__(self, detail: str, **extra: Any):
        self.detail, self.extra = detail, extra
        super().__init__(detail)


class ApplicationNotFound(ApplicationError):
    status, title = 404, "Unknown application"


class StateConflict(ApplicationError):
    """409: the state of the application (or item) does not allow the action; nothing changed."""

    status, title = 409, "Not possible in the current state"

    def __init__(self, detail: str, state: str):
        super().__init__(detail, state=state)
        self.state = state


class WindowClosed(StateConflict):
    """409: a request after its window (Hangzhou rules §17: late requests are not accepted)."""

    title = "Too late"

    def __init__(self, detail: str, state: str, deadline: dt.date, rule: str):
        super().__init__(detail, state)
        self.extra.update(deadline=deadline.isoformat(), rule=rule)


class IdempotencyConflict(ApplicationError):
    status, title = 409, "Idempotency-Key reused"


class ApplicationDataError(ApplicationError):
    """422: bad data; `pointer` names the field."""

    status, title = 422, "Application data refused"

    def __init__(self, pointer: str, message: str):
        super().__init__(f"{pointer}: {message}", errors=[{"pointer": pointer, "message": message}])
        self.pointer, self.message = pointer, message
