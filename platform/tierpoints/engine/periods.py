"""Duration arithmetic, the one place it lives (Hangzhou rules §11.5; facts contract).

Periods may be interrupted and may overlap: overlapping days count once, both ends are
included, 30 days make one month, 12 months one year, and a remainder counts nothing.
Days after the as-of date do not count; an open end (None) means "until the as-of date".
The columnar version gives the same numbers for many applicants at once.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
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
    total, covered_to = 0, -1
    for start, end in sorted(periods):
        if start > as_of:
            break  # so does every later one
        end = min(end, as_of)
        if end > covered_to:
            total += end - (start if start > covered_to else covered_to + 1) + 1
            covered_to = end
    return total


def covered_days_columnar(
    owner: np.ndarray, start: np.ndarray, end: np.ndarray, as_of: int, applicants: int,
    where: np.ndarray | None = None,
) -> np.ndarray:
    """covered_days for every applicant: owner[i] is the applicant of period i.

    `where`, if given, marks the periods that count at all (a rule's conditions).
    """
    owners, days = covered_days_by_owner(owner, start, end, as_of, where)
    result = np.zeros(applicants, dtype=np.int64)
    result[owners] = days
    return result


def covered_days_by_owner(
    owner: np.ndarray, start: np.ndarray, end: np.ndarray, as_of: int,
    where: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(owners, days): the covered days of each applicant that has periods, owners ascending.

    Works on the periods alone, so a fact few applicants have costs little.
    """
    if owner.size == 0:
        return owner[:0], np.zeros(0, dtype=np.int64)
    # Periods that do not count become empty ones (starting after they end) instead of
    # being removed: no copies, and since periods are taken in order of start, an empty
    # one never hides a day of a later one.
    start_key = np.minimum(start, as_of + 1)
    end_key = np.minimum(end, as_of)
    if where is not None:
        np.subtract(start_key, 1, out=end_key, where=~where)
    offset = owner * _BAND
    start_key += offset
    end_key += offset
    # Sort by applicant, then start. Owners usually arrive in order with their few periods
    # in any order: a stable sort (timsort) finds those runs and beats a full quicksort,
    # and keeps ascending owners where they are.
    order = np.argsort(start_key, kind="stable")
    if not np.all(owner[1:] >= owner[:-1]):
        owner = owner[order]
    start_key, end_key = start_key[order], end_key[order]
    # fresh[i] = the days of period i that no earlier period of the same applicant covers
    fresh = np.empty_like(end_key)
    fresh[0] = -1
    np.maximum.accumulate(end_key[:-1], out=fresh[1:])
    fresh += 1
    np.maximum(fresh, start_key, out=fresh)
    np.subtract(end_key, fresh, out=fresh)
    fresh += 1
    np.maximum(fresh, 0, out=fresh)
    # Each applicant's sum: differences of the running total at their last periods.
    lasts = np.flatnonzero(np.concatenate((owner[1:] != owner[:-1], [True])))
    totals = np.cumsum(fresh, out=fresh)[lasts]
    return owner[lasts], np.diff(totals, prepend=0)


def full_months(days):
    """Works on an int or a numpy array."""
    return days // DAYS_PER_MONTH


def full_units(days, unit: str):
    months = full_months(days)
    return months if unit == "month" else months // MONTHS_PER_YEAR


def days_per_unit(unit: str) -> int:
    """full_units(days, unit) == days // days_per_unit(unit): floor(floor(d / 30) / 12) is floor(d / 360)."""
    return DAYS_PER_MONTH if unit == "month" else DAYS_PER_MONTH * MONTHS_PER_YEAR


def age_in_full_years(birth: dt.date, as_of: dt.date) -> int:
    """Age in full years on the as-of date (born 29 Feb: a year older on 1 March)."""
    return as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))


_AGE_RANGE = 200  # ages are clamped to -201 … 200: no band tells those apart


def age_in_full_years_columnar(birth_ordinal: np.ndarray, as_of: dt.date) -> np.ndarray:
    """age_in_full_years for ordinals; an ordinal <= 1 (no birth date) gives -1."""
    first, ages = age_by_birth_day(as_of)
    age = ages[birth_day_index(birth_ordinal, first, len(ages))].astype(np.int64)
    age[birth_ordinal <= 1] = -1
    return age


def birth_day_index(birth_ordinal: np.ndarray, first: int, days: int) -> np.ndarray:
    """Positions in a by-birth-day table that starts at ordinal `first` (clamped at both ends)."""
    index = birth_ordinal - first
    return np.clip(index, 0, days - 1, out=index)


@functools.lru_cache(maxsize=32)
def age_by_birth_day(as_of: dt.date) -> tuple[int, np.ndarray]:
    """(first, ages): ages[i] is the age on as_of of someone born on ordinal first + i.

    Someone is k or older on as_of when born on or before T(k), the last day of year
    as_of.year - k not after as_of's month and day; the age is the largest such k. The
    table spans every birth day with an age in range, one extra day at each end holding
    the clamped ages, so a lookup replaces a search per applicant.
    """
    ks = np.arange(_AGE_RANGE, -_AGE_RANGE - 1, -1)  # ascending thresholds need descending k
    thresholds = np.array([_threshold(as_of, int(k)) for k in ks], dtype=np.int64)
    days = np.arange(thresholds[0] - 1, thresholds[-1] + 2, dtype=np.int64)
    count = len(ks) - np.searchsorted(thresholds, days, side="left")
    ages = (count - _AGE_RANGE - 1).astype(np.int16)
    ages.flags.writeable = False
    return int(days[0]), ages


def _threshold(as_of: dt.date, k: int) -> int:
    year = as_of.year - k
    day = as_of.day
    if (as_of.month, day) == (2, 29) and not calendar.isleap(year):
        day = 28
    return dt.date(year, as_of.month, day).toordinal()
