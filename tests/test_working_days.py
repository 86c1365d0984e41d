"""Chinese working days (issue #4: deadlines across National Day and Spring Festival)."""

from __future__ import annotations

import datetime as dt

import pytest

from tierpoints.calendar import (
    CalendarDataMissing,
    Deadline,
    add_working_days,
    is_working_day,
    working_days_between,
)

D = dt.date


def test_weekends_off_holidays_off_make_up_weekends_on():
    assert is_working_day(D(2026, 11, 27))  # a Friday
    assert not is_working_day(D(2026, 11, 28))  # a Saturday
    assert not is_working_day(D(2026, 10, 1))  # National Day, a Thursday
    assert is_working_day(D(2026, 10, 10))  # the Saturday worked in exchange
    assert is_working_day(D(2026, 2, 14)) and is_working_day(D(2026, 2, 28))  # Spring Festival make-up Saturdays


def test_fifteen_working_days_across_the_national_day_week():
    """Hangzhou rules §14: departments review within 15 working days — across 1–7 Oct 2026.

    From Mon 28 Sep: 29, 30 Sep (2); 1–7 Oct off; 8, 9 (4); Sat 10 Oct worked (5);
    12–16 (10); 19–23 (15).
    """
    deadline = Deadline.after(D(2026, 9, 28), 15, "Hangzhou rules §14")
    assert deadline.due == D(2026, 10, 23)
    assert "15 working days after 2026-09-28" in deadline.explain()
    assert working_days_between(D(2026, 9, 28), D(2026, 10, 23)) == 15


def test_ten_working_days_across_spring_festival_with_make_up_saturdays():
    """Xiangshan notice: departments review within 10 working days — across Spring Festival 2026.

    From Thu 12 Feb: 13 (1); Sat 14 worked (2); 15–23 off; 24, 25, 26, 27 (6);
    Sat 28 worked (7); 2, 3, 4 Mar (10).
    """
    assert add_working_days(D(2026, 2, 12), 10) == D(2026, 3, 4)


def test_seven_working_days_for_a_review_request():
    """Hangzhou rules §17: a review may be asked within 7 working days."""
    assert add_working_days(D(2026, 11, 27), 7) == D(2026, 12, 8)


def test_zero_days_is_the_start_and_negative_is_refused():
    assert add_working_days(D(2026, 5, 6), 0) == D(2026, 5, 6)
    with pytest.raises(ValueError):
        add_working_days(D(2026, 5, 6), -1)


def test_a_year_without_published_schedule_fails_loudly():
    """Issue #4: fail loudly for a date beyond the calendar's data rather than guessing."""
    with pytest.raises(CalendarDataMissing, match="no holiday schedule for 2027"):
        add_working_days(D(2026, 12, 20), 15)
