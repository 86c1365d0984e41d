"""An applicant's points on a date as a tenant recognises them: the current determination,
whether it counts (validity.assess), and for a child under 16 the higher valid points of its
parents or guardians (Hangzhou rules §2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tierpoints import clock
from tierpoints.features.applicants.errors import ApplicantDataError
from tierpoints.features.applicants.facts import latest_revision
from tierpoints.features.applicants.records import ApplicantRecord, load, require
from tierpoints.features.applicants.scores import score_applicant
from tierpoints.features.auth import Actor
from tierpoints.features.points import validity
from tierpoints.features.points.schemas import GuardianPoints, PointsStanding
from tierpoints.runtime import Runtime
from tierpoints.store.tables import Determination, Guardianship, PermitEvent

MINOR_BELOW_AGE = 16  # Hangzhou rules §2: "under the age of 16"


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


async def permit_events(record: ApplicantRecord) -> list[dict[str, Any]]:
    if record.permit is None:
        return []
    return await PermitEvent.select().where(PermitEvent.permit == record.permit["id"]).order_by(PermitEvent.id).run()


async def current_determination(applicant_id: int, as_of: dt.date) -> dict[str, Any] | None:
    """The newest determination made by `as_of` (later ones supersede it, so it was current then)."""
    return await Determination.select(
        *Determination.all_columns(), Determination.application.acceptance_number.as_alias("acceptance_number"),
    ).where(
        (Determination.application.applicant == applicant_id) & (Determination.as_of <= as_of)
    ).order_by(Determination.id, ascending=False).first().run()


async def own_standing(runtime: Runtime, record: ApplicantRecord, at: str, as_of: dt.date) -> PointsStanding:
    """The applicant's own determined points, recognised at `at`: the determined facts revision
    scored through `at`'s chain as of the determination's date."""
    determination = await current_determination(record.id, as_of)
    status, reason = validity.assess(await permit_events(record), determination, as_of)
    standing = PointsStanding(applicant=record.id, at=at, as_of=as_of, status=status, reason=reason, total=None)
    if determination is None:
        return standing
    standing.determination = determination["id"]
    standing.determined_on = determination["as_of"]
    standing.determined_by_tenant = determination["tenant"]
    standing.determined_total = determination["total"]
    standing.acceptance_number = determination["acceptance_number"]
    if status == validity.VALID:
        facts = await latest_revision(record.id, determination["facts_revision"])
        content = facts["content"].encode() if facts else b"{}"
        standing.total = float(score_applicant(runtime, content, at, determination["as_of"]).total)
    return standing


async def standing_of(runtime: Runtime, record: ApplicantRecord, at: str, as_of: dt.date) -> PointsStanding:
    if record.born_on is None or age_on(record.born_on, as_of) >= MINOR_BELOW_AGE:
        return await own_standing(runtime, record, at, as_of)
    return await _minor_standing(runtime, record, at, as_of)


async def _minor_standing(runtime: Runtime, child: ApplicantRecord, at: str, as_of: dt.date) -> PointsStanding:
    standing = PointsStanding(applicant=child.id, at=at, as_of=as_of, status=validity.NONE, reason="",
                              total=None, minor=True)
    status, reason = validity.permit_state(await permit_events(child), as_of)
    if status != validity.VALID:  # the child must hold a valid certificate itself
        standing.status, standing.reason = status, f"the child's own {reason}"
        return standing
    links = await Guardianship.select().where(Guardianship.child == child.id).order_by(Guardianship.id).run()
    best: tuple[PointsStanding, dict[str, Any]] | None = None
    for link in links:
        theirs = await own_standing(runtime, await load(link["guardian"]), at, as_of)
        standing.guardians.append(GuardianPoints(guardian=link["guardian"], relationship=link["relationship"],
                                                 status=theirs.status, total=theirs.total))
        if theirs.status == validity.VALID and (best is None or theirs.total > best[0].total):
            best = (theirs, link)
    born = f"under {MINOR_BELOW_AGE} (born {child.born_on})"
    if best is None:
        held = "; ".join(f"{g.relationship} #{g.guardian}: {g.status}" for g in standing.guardians) or "none recorded"
        standing.reason = f"{born}: no parent or guardian holds valid points (Hangzhou rules §2; {held})"
        return standing
    theirs, link = best
    standing.status, standing.total, standing.via_guardian = validity.VALID, theirs.total, link["guardian"]
    for name in ("determination", "determined_on", "determined_by_tenant", "determined_total", "acceptance_number"):
        setattr(standing, name, getattr(theirs, name))
    standing.reason = (f"{born}: uses the higher valid points of its parents or guardians (Hangzhou rules §2): "
                       f"the {link['relationship']}'s (#{link['guardian']})")
    return standing


async def points(runtime: Runtime, actor: Actor, applicant_id: int, at: str | None,
                 as_of: dt.date | None) -> PointsStanding:
    """For the applicant, or scores:read at the permit's tenant."""
    record = await load(applicant_id)
    require(runtime, actor, record, "scores", "read")
    at = at or record.tenant
    if at is None or at not in runtime.catalog.tenants:
        raise ApplicantDataError("/at", f"unknown tenant {at!r} (tenants: {', '.join(sorted(runtime.catalog.tenants))})")
    return await standing_of(runtime, record, at, as_of or clock.today())
