"""HTTP: an applicant's points on a date as a tenant recognises them; a minor's guardians."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import JSONBody, Parameter

from tierpoints.features.applicants.controller import ApplicantId
from tierpoints.features.auth import login_required
from tierpoints.features.params import ActorDep, RuntimeDep
from tierpoints.features.points import guardians, standing
from tierpoints.features.points.schemas import GuardianView, NewGuardian, PointsStanding


class PointsController(Controller):
    path = "/api/v1/applicants/{applicant_id:int}"
    tags = ("points",)
    guards = (login_required,)

    @get("/points", summary="Whether the determined points count on a date, as a tenant recognises them")
    async def points(
        self, applicant_id: ApplicantId, runtime: RuntimeDep, actor: ActorDep,
        at: Annotated[str | None, Parameter(description="Tenant whose view; default the permit's")] = None,
        as_of: Annotated[dt.date | None, Parameter(description="YYYY-MM-DD; default today")] = None,
    ) -> PointsStanding:
        return await standing.points(runtime, actor, applicant_id, at, as_of)

    @get("/guardians", summary="A minor's parents and guardians")
    async def list_guardians(self, applicant_id: ApplicantId, runtime: RuntimeDep, actor: ActorDep) -> list[GuardianView]:
        return await guardians.listed(runtime, actor, applicant_id)

    @post("/guardians", summary="Record a parent or guardian of a minor (with its proof)")
    async def add_guardian(self, applicant_id: ApplicantId, data: JSONBody[NewGuardian], runtime: RuntimeDep,
                           actor: ActorDep) -> GuardianView:
        return await guardians.record(runtime, actor, applicant_id, data)
