"""Checks for free-text fields, so bad text is a 422 naming the field and never a database error."""

from __future__ import annotations

import re

from tierpoints.features.applicants.errors import ApplicantDataError

# control characters: PostgreSQL refuses NUL in text, and none belongs in a name or a reason
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_USERNAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
REASON_LENGTH = 1000


def text(value: str, pointer: str, limit: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise ApplicantDataError(pointer, "must not be empty")
    if len(value) > limit:
        raise ApplicantDataError(pointer, f"at most {limit} characters")
    if _CONTROL.search(value):
        raise ApplicantDataError(pointer, "contains control characters")
    return value


def reason(value: str, pointer: str = "/reason") -> str:
    return text(value, pointer, REASON_LENGTH, required=False)


def username(value: str, pointer: str) -> str:
    if not _USERNAME.fullmatch(value):
        raise ApplicantDataError(pointer, "a username uses letters, digits, '.', '-' and '_'")
    return value
