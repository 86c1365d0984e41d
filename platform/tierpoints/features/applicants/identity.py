"""PRC resident identity numbers (GB 11643-1999): checked, kept as a keyed digest, shown masked.

The full number is never stored, returned or logged: the HMAC-SHA256 digest (keyed with the
platform secret, so the table alone cannot be brute-forced over the small id space) finds
an applicant again; the masked form is what people see.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

from tierpoints import clock
from tierpoints.features.applicants.errors import ApplicantDataError

_SHAPE = re.compile(r"[1-9]\d{16}[\dX]")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"  # indexed by the weighted sum mod 11


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise(number: str, pointer: str = "/identity_number") -> str:
    """The number in canonical form (upper-case X), or ApplicantDataError saying what is wrong."""
    value = number.strip().upper()
    if not _SHAPE.fullmatch(value):
        raise ApplicantDataError(
            pointer, "an identity number has 18 characters: 17 digits (not starting with 0), "
                     "then a digit or X")
    try:
        born = birth_date(value)
    except ValueError:
        raise ApplicantDataError(pointer, "characters 7-14 are not a real birth date (YYYYMMDD)") from None
    if born > clock.today() or born.year < 1900:
        raise ApplicantDataError(pointer, "characters 7-14 are not a plausible birth date")
    if value[17] != check_digit(value[:17]):
        raise ApplicantDataError(pointer, "the check digit (character 18) does not match: mistyped?")
    return value


def birth_date(number: str) -> dt.date:
    """Characters 7-14 of a normalised number: the holder's birth date."""
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def lookup_digest(number: str, secret: str) -> str:
    """Keyed digest of a normalised number: equal numbers give equal digests."""
    return hmac.new(secret.encode(), number.encode(), hashlib.sha256).hexdigest()


def mask_name(name: str) -> str:
    """李明 → 李*, 欧阳娜娜 → 欧***: the family name's first character only (what publicity shows)."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def mask(number: str) -> str:
    """330***********123X: the area's first digits and the last four, nothing of the birth date."""
    return number[:3] + "*" * 11 + number[-4:]
