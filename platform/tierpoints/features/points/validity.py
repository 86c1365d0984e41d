"""Whether determined points count on a date (Hangzhou rules §18, §21), from the permit's history.

Pure: the caller loads the rows. The permit's state on a date is the state its last event
on or before that day left (PermitEvent.day: the Chinese calendar day it took effect).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from tierpoints.features.applicants.permits import (
    SUSPENDED,
    TERMINATED,
    TERMINATION_GROUNDS,
    event_day,
    validity,
)

VALID, SUSPENDED_POINTS, VOID, USED, NONE = "valid", "suspended", "void", "used", "none"


def permit_on(events: Sequence[dict[str, Any]], as_of: dt.date) -> tuple[str | None, dt.date | None, str | None]:
    """(status, suspended since, termination ground) of the permit on `as_of`; status None
    when it was not issued yet. `events` in the order they happened."""
    status = since = ground = None
    for event in events:
        day = event_day(event)
        if day > as_of:
            break
        status = event["status"]
        if event["action"] == "suspended":
            since = day
        elif status != SUSPENDED:
            since = None
        if status == TERMINATED:
            ground = event.get("ground")
    return status, since, ground


def permit_state(events: Sequence[dict[str, Any]], as_of: dt.date) -> tuple[str, str]:
    """(valid | suspended | void | none, the reason) of the permit on `as_of`."""
    status, since, ground = permit_on(events, as_of)
    if status is None:
        return NONE, f"no residence permit on {as_of}"
    if status == TERMINATED:
        why = TERMINATION_GROUNDS.get(ground or "", "the permit was terminated")
        return VOID, f"void for good: {why}"
    state = validity(status, since, as_of)
    if state == "void":
        return VOID, f"void for good: suspended since {since}, {TERMINATION_GROUNDS['suspended_three_years']}"
    if state == "suspended":
        return SUSPENDED_POINTS, (f"temporarily invalid: the permit is suspended since {since}; the points "
                                  "revive when it is restored (Hangzhou rules §21)")
    return VALID, f"the permit is valid on {as_of}"


def no_points(as_of: dt.date) -> str:
    """Why a valid permit's holder has nothing to count on `as_of`."""
    return f"no points determined by {as_of}"


def assess(events: Sequence[dict[str, Any]], determination: dict[str, Any] | None,
           as_of: dt.date) -> tuple[str, str]:
    """(valid | suspended | void | used | none, the reason) for the current determination."""
    state, reason = permit_state(events, as_of)
    if state in (NONE, VOID):
        return state, reason
    if determination is None:
        return NONE, no_points(as_of)
    if determination["vetoed"]:
        return VOID, (f"vetoed: a one-vote veto indicator applies (determination {determination['id']} "
                      f"of {determination['as_of']})")
    if determination.get("used_on") is not None and determination["used_on"] <= as_of:
        return USED, (f"used on {determination['used_on']} for {determination['used_for']}: "
                      "apply again for new points (Hangzhou rules §18)")
    if state == SUSPENDED_POINTS:
        return state, reason
    return VALID, f"determined on {determination['as_of']}, {reason}"
