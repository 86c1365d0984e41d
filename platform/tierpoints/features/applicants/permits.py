"""The residence permit's states, in one place (DOMAIN "Validity").

valid ⇄ suspended: suspended points are temporarily invalid and revive with the permit.
→ terminated: final; the points are void for good. A move keeps the state.
"""

from __future__ import annotations

import datetime as dt

from tierpoints import clock
from tierpoints.clock import CHINA
from tierpoints.features.applicants.errors import PermitStateError

VALID, SUSPENDED, TERMINATED = "valid", "suspended", "terminated"

# action → (states it may start from, the state it leaves; None keeps the state)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "move": ((VALID, SUSPENDED), None),
    "suspend": ((VALID,), SUSPENDED),
    "restore": ((SUSPENDED,), VALID),
    "terminate": ((VALID, SUSPENDED), TERMINATED),
}

SUSPENSION_VOIDS_AFTER_YEARS = 3  # "suspended three years in a row" → void

# Why a permit is terminated and its points void for good (Hangzhou rules §21 (1)-(4)).
TERMINATION_GROUNDS: dict[str, str] = {
    "no_longer_qualifies": "no longer meets the conditions for a residence permit (Hangzhou rules §21 (1))",
    "suspended_three_years": "suspended for three consecutive years (Hangzhou rules §21 (2))",
    "permanent_resident": "converted to permanent residence (Hangzhou rules §21 (3))",
    "died": "the holder died (Hangzhou rules §21 (4))",
}


def event_day(event: dict) -> dt.date:
    """The day a permit event took effect (rows from before `day` was kept: its time in China)."""
    return event["day"] or event["at"].astimezone(CHINA).date()


def next_status(action: str, status: str, suspended_since: dt.date | None = None,
                today: dt.date | None = None) -> str:
    """The state after `action`, or PermitStateError (409) naming the state it is in."""
    allowed, to = TRANSITIONS[action]
    if status not in allowed:
        raise PermitStateError(action, status, allowed)
    if action == "restore" and validity(status, suspended_since, today or clock.today()) == "void":
        raise PermitStateError(action, f"{status} (for {SUSPENSION_VOIDS_AFTER_YEARS} years: void)")
    return to or status


def validity(status: str, suspended_since: dt.date | None, as_of: dt.date) -> str:
    """valid | suspended (temporarily invalid) | void (for good)."""
    if status == TERMINATED:
        return "void"
    if status == SUSPENDED:
        if suspended_since is not None and as_of >= _years_later(suspended_since, SUSPENSION_VOIDS_AFTER_YEARS):
            return "void"
        return "suspended"
    return "valid"


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)

RECORDS_FACTS = (VALID, SUSPENDED)  # a terminated permit's holder gets no new points
