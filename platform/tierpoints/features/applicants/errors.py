"""What can go wrong with an applicant request; problems.py turns each into a problem detail."""

from __future__ import annotations


class ApplicantNotFound(LookupError):
    """404: no applicant with this id."""

    def __init__(self, applicant_id: int):
        self.applicant_id = applicant_id
        super().__init__(f"no applicant {applicant_id}")


class PermitStateError(Exception):
    """409: the permit's state does not allow the action (the message names the state)."""

    def __init__(self, action: str, status: str, allowed: tuple[str, ...] = ()):
        self.action, self.status = action, status
        hint = f" (only from: {', '.join(allowed)})" if allowed else ""
        super().__init__(f"cannot {action} a {status} permit{hint}")


class ApplicantConflict(Exception):
    """409: the request clashes with what is stored (a duplicate identity, permit number...)."""

    def __init__(self, message: str, field: str):
        self.field = field
        super().__init__(message)


class ApplicantDataError(ValueError):
    """422: bad data; `pointer` is the JSON pointer of the field (e.g. /identity_number)."""

    def __init__(self, pointer: str, message: str):
        self.pointer, self.message = pointer, message
        super().__init__(f"{pointer}: {message}")


class FactNotAllowed(PermissionError):
    """403: the actor may not record this fact (no department that verifies it is theirs)."""

    def __init__(self, username: str, tenant: str, fact: str, departments: list[str]):
        self.username, self.tenant, self.fact = username, tenant, fact
        who = f"a reviewer of {' or '.join(departments)}" if departments else "no department"
        super().__init__(f"{username} may not record {fact!r} in {tenant}: it is verified by {who}")
