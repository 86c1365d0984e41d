"""The score as a jurisdiction sees it, and whether it counts (DOMAIN "Validity")."""

from __future__ import annotations

import datetime as dt

from tierpoints import clock
from tierpoints.features.applicants.errors import ApplicantDataError
from tierpoints.features.applicants.permit_actions import suspended_since
from tierpoints.features.applicants.permits import SUSPENDED, validity
from tierpoints.features.applicants.records import load, require
from tierpoints.features.applicants.schemas import ScoreView
from tierpoints.features.applicants.scores import latest_facts, score_applicant
from tierpoints.features.auth import Actor
from tierpoints.runtime import Runtime


async def recognised_score(runtime: Runtime, actor: Actor, applicant_id: int, at: str | None,
                           as_of: dt.date | None) -> ScoreView:
    """Explained: every indicator with its reason. `at` defaults to the permit's tenant."""
    record = await load(applicant_id)
    require(runtime, actor, record, "scores", "read")
    permit = record.permit
    if permit is None:
        raise ApplicantDataError("/permit", f"applicant {applicant_id} holds no residence permit")
    at = at or permit["tenant"]
    if at not in runtime.catalog.tenants:
        raise ApplicantDataError("/at", f"unknown tenant {at!r} (tenants: {', '.join(sorted(runtime.catalog.tenants))})")
    as_of = as_of or clock.today()
    facts = (await latest_facts([applicant_id])).get(applicant_id)
    result = score_applicant(runtime, facts, at, as_of)
    since = await suspended_since(permit["id"]) if permit["status"] == SUSPENDED else None
    state = validity(permit["status"], since, as_of)
    return ScoreView(applicant=applicant_id, at=at, as_of=as_of, permit_tenant=permit["tenant"],
                     permit_status=permit["status"], validity=state, valid=state == "valid",
                     result=result)
