"""Duration arithmetic, the one place it lives (Hangzhou rules §11.5; facts contract).

Periods may be interrupted and may overlap: overlapping days count once, both ends are
included, 30 days make one month, 12 months one year, and a remainder counts nothing.
Days after the as-of date do not count; an open end (None) means "until the as-of date".
The columnar version gives the same numbers for many applicants at once.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable

import numpy as np

DAYS_PER_MONTH = 30
MONTHS_PER_YEAR = 12
OPEN_END = dt.date.max.toordinal()  # a period still running

# Ordinals stay below 2**20 until the year 2870; each applicant gets its own band of days
# so a running maximum never carries one applicant's periods into the next one's.
_BAND = 1 << 21


def covered_days(periods: Iterable[tuple[int, int]], as_of: int) -> int:
    """Days covered by the union of (start, end) ordinal periods, both ends included."""
    spans = sorted((start, min(end, as_of)) for start, end in periods if start <= as_of)
    total, covered_to = 0, -1
    for start, end in spans:
        if end > covered_to:
            total += end - max(start, covered_to + 1) + 1
            covered_to = end
    return total


def covered_days_columnar(
    owner: np.ndarray, start: np.ndarray, end: np.ndarray, as_of: int, applicants: int
) -> np.ndarray:
    """covered_days for every applicant: owner[i] is the applicant of period i."""
    keep = start <= as_of
    owner, start, end = owner[keep], start[keep], np.minimum(end[keep], as_of)
    if owner.size == 0:
        return np.zeros(applicants, dtype=np.int64)
    offset = owner * _BAND
    start_key = offset + start
    end_key = offset + end
    if owner.size > 1 and not (np.all(start_key[1:] >= start_key[:-1])):
        order = np.argsort(start_key)
        owner, start_key, end_key = owner[order], start_key[order], end_key[order]
    covered_to = np.empty_like(end_key)
    covered_to[0] = -1
    np.maximum.accumulate(end_key[:-1], out=covered_to[1:])
    fresh = end_key - np.maximum(start_key, covered_to + 1) + 1
    np.maximum(fresh, 0, out=fresh)
    return np.bincount(owner, weights=fresh, minlength=applicants).astype(np.int64)


def full_months(days):
    """Works on an int or a numpy array."""
    return days // DAYS_PER_MONTH


def full_units(days, unit: str):
    months = full_months(days)
    return months if unit == "month" else months // MONTHS_PER_YEAR


def age_in_full_years(birth: dt.date, as_of: dt.date) -> int:
    """Age in full years on the as-of date (born 29 Feb: a year older on 1 March)."""
    return as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))


_AGE_RANGE = 200


def age_in_full_years_columnar(birth_ordinal: np.ndarray, as_of: dt.date) -> np.ndarray:
    """age_in_full_years for ordinals; an ordinal <= 1 (no birth date) gives -1.

    Someone is k or older on as_of when born on or before T(k), the last day of year
    as_of.year - k not after as_of's month and day; the age is the largest such k.
    """
    ks = np.arange(_AGE_RANGE, -_AGE_RANGE - 1, -1)  # ascending thresholds need descending k
    thresholds = np.array([_threshold(as_of, int(k)) for k in ks], dtype=np.int64)
    count = len(ks) - np.searchsorted(thresholds, birth_ordinal, side="left")
    age = count - _AGE_RANGE - 1
    return np.where(birth_ordinal <= 1, -1, age)


def _threshold(as_of: dt.date, k: int) -> int:
    year = as_of.year - k
    day = as_of.day
    if (as_of.month, day) == (2, 29) and not calendar.isleap(year):
        day = 28
    return dt.date(year, as_of.month, day).toordinal()
