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
from dataclasses import dataclass

import numpy as np

DAYS_PER_MONTH = 30
MONTHS_PER_YEAR = 12
OPEN_END = dt.date.max.toordinal()  # a period still running

# Every ordinal (up to date.max, 3,652,059) is below 2**22; each applicant gets its own band
# of days so a running maximum never carries one applicant's periods into the next one's.
_BAND = 1 << 22


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
    """(owners, days): the covered days of each applicant that has periods, owners ascending."""
    periods = PeriodsInOrder.of(owner, start, end)
    return periods.covered_days(as_of, None if where is None else where[periods.order])


@dataclass
class PeriodsInOrder:
    """Periods sorted by applicant, then start: what the duration rules over one list fact
    need, worked out once per scoring pass. Works on the periods alone, so a fact few
    applicants have costs little."""

    order: np.ndarray  # position of each sorted period among the periods as loaded
    start: np.ndarray
    end: np.ndarray
    offset: np.ndarray  # owner * _BAND: each applicant's own band of days
    owners: np.ndarray  # the applicants that have periods, ascending
    lasts: np.ndarray  # position of each one's last period

    @classmethod
    def of(cls, owner: np.ndarray, start: np.ndarray, end: np.ndarray) -> PeriodsInOrder:
        # Owners usually arrive in order, each with a few periods in any order: a stable
        # sort (timsort) finds those runs and costs far less than a full quicksort.
        order = np.argsort(owner * _BAND + start, kind="stable")
        owner = owner[order]
        lasts = np.flatnonzero(owner[1:] != owner[:-1])
        if owner.size:
            lasts = np.append(lasts, owner.size - 1)
        return cls(order, start[order], end[order], owner * _BAND, owner[lasts], lasts)

    def covered_days(self, as_of: int, where: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(owners, days) for covered_days_by_owner; `where` marks the periods that count."""
        if self.order.size == 0:
            return self.owners, np.zeros(0, dtype=np.int64)
        # Keys run in each applicant's band; ends are exclusive (the day after). A period
        # that does not count becomes an empty one instead of being removed: it copies
        # nothing, and as periods are taken in order of start it never hides a later day.
        start_key = np.minimum(self.start, as_of + 1)
        start_key += self.offset
        end_key = np.minimum(self.end, as_of)
        end_key += self.offset
        end_key += 1
        if where is not None:
            np.copyto(end_key, start_key, where=~where)
        # fresh[i] = the days of period i that no earlier period of the applicant covers
        fresh = np.empty_like(end_key)
        fresh[0] = 0
        np.maximum.accumulate(end_key[:-1], out=fresh[1:])
        np.maximum(fresh, start_key, out=fresh)
        np.subtract(end_key, fresh, out=fresh)
        np.maximum(fresh, 0, out=fresh)
        # Each applicant's sum: differences of the running total at their last periods.
        totals = np.cumsum(fresh, out=fresh)[self.lasts]
        return self.owners, np.diff(totals, prepend=0)


def full_months(days):
    """Works on an int or a numpy array."""
    return days // DAYS_PER_MONTH


def full_units(days, unit: str):
    months = full_months(days)
    return months if unit == "month" else months // MONTHS_PER_YEAR


def days_per_unit(unit: str) -> int:
    """full_units(days, unit) == days // days_per_unit(unit), as floor(floor(d/30)/12) == floor(d/360)."""
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
