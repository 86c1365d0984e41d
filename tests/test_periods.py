"""Duration arithmetic (engine/periods.py), single and columnar.

Rules under test — issue #2 §1 and the facts contract ("merge overlaps, count days with
both ends included, months = floor(days / 30), years = floor(months / 12)") and Hangzhou
rules §11.5 ("If there is an interruption, every 12 months will be counted as one year. If
there is less than 12 months, no points will be counted. Every 30 days will be counted as
one month").
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import factories
from tierpoints.engine.periods import (
    OPEN_END,
    age_in_full_years,
    age_in_full_years_columnar,
    covered_days,
    covered_days_columnar,
    full_units,
)

D = dt.date.fromisoformat
AS_OF = D("2026-11-28")


def day(text: str | None) -> int:
    return OPEN_END if text is None else D(text).toordinal()


def spans(*periods: tuple[str, str | None]) -> list[tuple[int, int]]:
    return [(day(start), day(end)) for start, end in periods]


# (id, periods, as_of, days, full months, full years)
CASES = [
    ("no periods", [], "2026-11-28", 0, 0, 0),
    ("start == end is one day", [("2024-05-01", "2024-05-01")], "2026-11-28", 1, 0, 0),
    ("29 days: no month", [("2024-01-01", "2024-01-29")], "2026-11-28", 29, 0, 0),
    ("30 days: one month", [("2024-01-01", "2024-01-30")], "2026-11-28", 30, 1, 0),
    ("59 days: still one month", [("2024-01-01", "2024-02-28")], "2026-11-28", 59, 1, 0),
    ("60 days: two months", [("2024-01-01", "2024-02-29")], "2026-11-28", 60, 2, 0),
    ("February of a leap year has 29 days", [("2024-02-01", "2024-03-01")], "2026-11-28", 30, 1, 0),
    ("February of a common year has 28", [("2023-02-01", "2023-03-02")], "2026-11-28", 30, 1, 0),
    ("359 days: 11 months, no year", [("2023-01-01", "2023-12-25")], "2026-11-28", 359, 11, 0),
    ("360 days: 12 months, one year", [("2023-01-01", "2023-12-26")], "2026-11-28", 360, 12, 1),
    ("a calendar year is 365 days: 12 months", [("2023-01-01", "2023-12-31")], "2026-11-28", 365, 12, 1),
    ("719 days: 23 months, one year", [("2022-01-01", "2023-12-20")], "2026-11-28", 719, 23, 1),
    ("720 days: two years", [("2022-01-01", "2023-12-21")], "2026-11-28", 720, 24, 2),
    ("interrupted: 15 + 15 days add up to a month",
     [("2024-01-01", "2024-01-15"), ("2024-03-01", "2024-03-15")], "2026-11-28", 30, 1, 0),
    ("interrupted: 6 + 6 months add up to a year",
     [("2020-01-01", "2020-06-28"), ("2021-01-01", "2021-06-30")], "2026-11-28", 180 + 181, 12, 1),
    ("touching periods join without a double day",
     [("2024-01-01", "2024-01-15"), ("2024-01-16", "2024-01-30")], "2026-11-28", 30, 1, 0),
    ("overlap counts once",
     [("2024-01-01", "2024-01-20"), ("2024-01-11", "2024-01-30")], "2026-11-28", 30, 1, 0),
    ("overlap by a single day counts once",
     [("2024-01-01", "2024-01-15"), ("2024-01-15", "2024-01-30")], "2026-11-28", 30, 1, 0),
    ("a contained period adds nothing",
     [("2023-01-01", "2023-12-31"), ("2023-03-01", "2023-03-31")], "2026-11-28", 365, 12, 1),
    ("the same period twice counts once",
     [("2023-01-01", "2023-12-26"), ("2023-01-01", "2023-12-26")], "2026-11-28", 360, 12, 1),
    ("order of the periods does not matter",
     [("2024-03-01", "2024-03-15"), ("2024-01-11", "2024-01-30"), ("2024-01-01", "2024-01-20")],
     "2026-11-28", 45, 1, 0),
    ("three overlapping, one containing the others",
     [("2020-01-01", "2020-12-31"), ("2020-02-01", "2020-02-10"), ("2020-12-01", "2021-01-29")],
     "2026-11-28", 366 + 29, 13, 1),
    ("open end runs to the as-of date, both ends included",
     [("2026-10-30", None)], "2026-11-28", 30, 1, 0),
    ("open end one day short of a month", [("2026-10-31", None)], "2026-11-28", 29, 0, 0),
    ("a period starting on the as-of date is one day", [("2026-11-28", None)], "2026-11-28", 1, 0, 0),
    ("a period after the as-of date counts nothing", [("2026-11-29", "2027-12-31")], "2026-11-28", 0, 0, 0),
    ("an open period starting after the as-of date counts nothing", [("2027-01-01", None)], "2026-11-28", 0, 0, 0),
    ("days after the as-of date are cut", [("2026-10-30", "2027-06-30")], "2026-11-28", 30, 1, 0),
    ("open period containing a closed one counts once",
     [("2025-11-29", None), ("2026-01-01", "2026-03-31")], "2026-11-28", 365, 12, 1),
    ("a gap before, a future period after",
     [("2026-01-01", "2026-01-29"), ("2026-03-01", "2026-03-01"), ("2027-01-01", None)], "2026-11-28", 30, 1, 0),
    ("ten years open-ended", [("2016-11-29", None)], "2026-11-28", 3652, 121, 10),
]
IDS = [case[0] for case in CASES]


@pytest.mark.parametrize(("name", "periods", "as_of", "days", "months", "years"), CASES, ids=IDS)
def test_covered_days_and_full_units(name, periods, as_of, days, months, years):
    """Facts contract / Hangzhou rules §11.5: 30 days = 1 month, 12 months = 1 year, overlaps once."""
    covered = covered_days(spans(*periods), day(as_of))
    assert covered == days
    assert full_units(covered, "month") == months
    assert full_units(covered, "year") == years


def _columns(cases):
    owner, start, end = [], [], []
    for applicant, periods in cases:
        for first, last in spans(*periods):
            owner.append(applicant)
            start.append(first)
            end.append(last)
    return (np.array(owner, dtype=np.int64), np.array(start, dtype=np.int64),
            np.array(end, dtype=np.int64))


@pytest.mark.parametrize("as_of", sorted({case[2] for case in CASES}))
def test_columnar_gives_the_same_numbers(as_of):
    """Issue #2 §3: the batch path gives exactly the same numbers as the single path.

    Every case is one applicant of one batch, so applicants sit next to each other in the
    columns and one applicant's periods must never run into the next one's.
    """
    chosen = [case for case in CASES if case[2] == as_of]
    # Applicant 2k holds case k; the odd applicants have no periods at all.
    cases = [(2 * k, case[1]) for k, case in enumerate(chosen)]
    size = 2 * len(chosen) + 1
    owner, start, end = _columns(cases)
    # Items arrive in any order: reverse them.
    days = covered_days_columnar(owner[::-1].copy(), start[::-1].copy(), end[::-1].copy(), day(as_of), size)
    assert days.dtype.kind == "i" and days.shape == (size,)
    for k, case in enumerate(chosen):
        assert days[2 * k] == covered_days(spans(*case[1]), day(as_of)) == case[3], case[0]
    assert (days[1::2] == 0).all()  # applicants without periods
    np.testing.assert_array_equal(full_units(days, "month")[::2][: len(chosen)], [c[4] for c in chosen])
    np.testing.assert_array_equal(full_units(days, "year")[::2][: len(chosen)], [c[5] for c in chosen])


def test_columnar_with_no_periods_at_all():
    """Issue #2 §3 batch path: a batch where nobody has a period scores zero days each."""
    empty = np.array([], dtype=np.int64)
    days = covered_days_columnar(empty, empty, empty, day("2026-11-28"), 3)
    np.testing.assert_array_equal(days, [0, 0, 0])


def _brute_force_days(periods: list[tuple[int, int]], as_of: int) -> int:
    covered: set[int] = set()
    for start, end in periods:
        covered.update(range(start, min(end, as_of) + 1))
    return len(covered)


def test_generated_periods_single_columnar_and_brute_force_agree():
    """Factory-made periods (overlapping, contained, touching, gaps, open, future):
    the union counted day by day, covered_days and its columnar twin all agree."""
    factories.seed(7)
    as_of = day("2026-11-28")
    applicants = [
        [(p.start.toordinal(), OPEN_END if p.end is None else p.end.toordinal())
         for p in factories.period_chain(factories.ResidenceFactory, most=5)]
        for _ in range(400)
    ]
    owner = np.array([i for i, periods in enumerate(applicants) for _ in periods], dtype=np.int64)
    start = np.array([s for periods in applicants for s, _ in periods], dtype=np.int64)
    end = np.array([e for periods in applicants for _, e in periods], dtype=np.int64)
    columnar = covered_days_columnar(owner, start, end, as_of, len(applicants))
    assert sum(1 for periods in applicants if len(periods) > 1) > 100  # chains were made
    for index, periods in enumerate(applicants):
        expected = _brute_force_days(periods, as_of)
        assert covered_days(periods, as_of) == expected
        assert columnar[index] == expected


# --- age in full years -----------------------------------------------------------------

AGES = [
    ("birthday on the as-of date counts", "1986-11-28", "2026-11-28", 40),
    ("birthday the day after the as-of date", "1986-11-29", "2026-11-28", 39),
    ("birthday the day before the as-of date", "1986-11-27", "2026-11-28", 40),
    ("born on the as-of date", "2026-11-28", "2026-11-28", 0),
    ("birthday later in the year", "1990-12-31", "2026-11-28", 35),
    ("birthday earlier in the year", "1990-01-01", "2026-11-28", 36),
    ("29 Feb: not a year older on 28 Feb", "2000-02-29", "2001-02-28", 0),
    ("29 Feb: a year older on 1 March", "2000-02-29", "2001-03-01", 1),
    ("29 Feb: a year older on 29 Feb of a leap year", "2000-02-29", "2004-02-29", 4),
    ("29 Feb: one day short in a leap year", "2000-02-29", "2004-02-28", 3),
    ("born 1 March, as of 29 Feb", "2000-03-01", "2004-02-29", 3),
    ("age band edge 55", "1971-11-28", "2026-11-28", 55),
    ("age band edge 60/61", "1965-11-29", "2026-11-28", 60),
]


@pytest.mark.parametrize(("name", "born", "as_of", "age"), AGES, ids=[a[0] for a in AGES])
def test_age_in_full_years(name, born, as_of, age):
    """Facts contract: age is in full years on the as-of date."""
    assert age_in_full_years(D(born), D(as_of)) == age
    column = age_in_full_years_columnar(np.array([D(born).toordinal(), -1], dtype=np.int64), D(as_of))
    assert column.tolist() == [age, -1]  # -1: no birth date


def test_age_columnar_matches_single_for_every_day_of_four_years():
    """Every birth date from 1996-01-01 to 2000-12-31 (two leap days) on two as-of dates."""
    births = [dt.date(1996, 1, 1) + dt.timedelta(days=n) for n in range(366 * 5)]
    ordinals = np.array([b.toordinal() for b in births], dtype=np.int64)
    for as_of in (D("2026-11-28"), D("2028-02-29"), D("2027-02-28")):
        expected = [age_in_full_years(b, as_of) for b in births]
        assert age_in_full_years_columnar(ordinals, as_of).tolist() == expected


# --- the same arithmetic end to end, through the real packs -----------------------------


@pytest.mark.parametrize(("days", "points"), [(29, 0), (30, 0.25), (59, 0.25), (60, 0.5)])
def test_zhejiang_residence_29_vs_30_days(engine, days, points):
    """Issue #2 zhejiang table: residence 0.25 per *full* month; 30 days = 1 month."""
    start = D("2025-01-01")
    facts = {"residence": [{"start": start.isoformat(),
                            "end": (start + dt.timedelta(days=days - 1)).isoformat(), "tenant": "ningbo"}]}
    result = engine.score(facts, at="zhejiang", as_of=AS_OF)
    assert _points(result, "residence") == points


@pytest.mark.parametrize(("days", "points"), [(359, 0), (360, 3), (719, 3), (720, 6)])
def test_hangzhou_residence_years_11_vs_12_months(engine, days, points):
    """Hangzhou rules §11.5: under 12 months counts nothing; every 12 months one year (3 points)."""
    start = D("2020-01-01")
    facts = {"residence": [{"start": start.isoformat(),
                            "end": (start + dt.timedelta(days=days - 1)).isoformat(), "tenant": "hangzhou"}]}
    assert _points(engine.score(facts, at="hangzhou", as_of=AS_OF), "residence_permit_years") == points


def test_hangzhou_residence_interrupted_periods_add_up(engine):
    """Hangzhou rules §11.5: "If there is an interruption, every 12 months will be counted as one year"."""
    facts = {"residence": [
        {"start": "2019-01-01", "end": "2019-06-29", "tenant": "hangzhou"},  # 180 days
        {"start": "2021-03-01", "end": "2021-08-27", "tenant": "hangzhou"},  # 180 days
    ]}
    assert _points(engine.score(facts, at="hangzhou", as_of=AS_OF), "residence_permit_years") == 3


def _points(result, indicator_id: str):
    for tier in result.tiers:
        for indicator in tier.indicators:
            if indicator.id == indicator_id:
                return indicator.points
    raise KeyError(indicator_id)
