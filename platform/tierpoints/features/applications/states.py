"""The application's and its items' states, in one place (Hangzhou rules §13-§17).

    accepted ──determine──▶ determined ──object──▶ objected ──answer──▶ objection_answered
                                                                            │ request_review
                                                                            ▼
                                                 review_answered ◀──answer── under_review

An item is pending until its department decides it: approved (possibly with a corrected value)
or rejected with a reason; a decision is final. `transition` returns the next state or raises
StateConflict (409) naming the state it is in; the callers change nothing before it passes.
"""

from __future__ import annotations

from tierpoints.features.applications.errors import StateConflict

# application states
ACCEPTED, DETERMINED = "accepted", "determined"
OBJECTED, OBJECTION_ANSWERED = "objected", "objection_answered"
UNDER_REVIEW, REVIEW_ANSWERED = "under_review", "review_answered"

# item states
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"

# action → (states it may start from, the state it leaves)
APPLICATION: dict[str, tuple[tuple[str, ...], str]] = {
    "determine": ((ACCEPTED,), DETERMINED),
    "object": ((DETERMINED,), OBJECTED),
    "answer_objection": ((OBJECTED,), OBJECTION_ANSWERED),
    "request_review": ((OBJECTION_ANSWERED,), UNDER_REVIEW),
    "answer_review": ((UNDER_REVIEW,), REVIEW_ANSWERED),
}

ITEM: dict[str, tuple[tuple[str, ...], str]] = {
    "approve": ((PENDING,), APPROVED),
    "reject": ((PENDING,), REJECTED),
}

APPLICATION_STATES = (ACCEPTED, DETERMINED, OBJECTED, OBJECTION_ANSWERED, UNDER_REVIEW, REVIEW_ANSWERED)
ITEM_STATES = (PENDING, APPROVED, REJECTED)
HAS_RESULT = (DETERMINED, OBJECTED, OBJECTION_ANSWERED, UNDER_REVIEW, REVIEW_ANSWERED)

# application kinds: a first application, or an adjustment of unused points (Hangzhou rules §18)
FIRST_APPLICATION, ADJUSTMENT = "application", "adjustment"


def _next(table: dict[str, tuple[tuple[str, ...], str]], what: str, action: str, status: str) -> str:
    allowed, to = table[action]
    if status not in allowed:
        raise StateConflict(
            f"cannot {action.replace('_', ' ')} {what}: it is {status} (only from: {', '.join(allowed)})",
            status)
    return to


def application_transition(action: str, status: str, pending_items: int = 0, label: str = "the application") -> str:
    """The application's state after `action`; determining needs every item decided."""
    to = _next(APPLICATION, label, action, status)
    if action == "determine" and pending_items:
        raise StateConflict(f"cannot determine {label}: it is {status} with {pending_items} item(s) "
                            "still pending department review (Hangzhou rules §15: determined after "
                            "the departments complete their review)", status)
    return to


def item_transition(action: str, status: str, label: str = "the item") -> str:
    return _next(ITEM, label, action, status)
