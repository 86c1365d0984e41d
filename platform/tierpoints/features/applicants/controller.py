"""HTTP: applicants, their residence permit, their facts and their recognised score."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, get, post, put
from litestar.params import JSONBody, Parameter, PathParameter

from tierpoints.features.applicants import facts as facts_service
from tierpoints.features.applicants import identity, permit_actions, registry
from tierpoints.features.applicants.recognition import recognised_score
from tierpoints.features.applicants.records import load, require
from tierpoints.features.applicants.schemas import (
    ApplicantView,
    FactsUpdate,
    FactsView,
    IdentityQuery,
    NewApplicant,
    PermitDetail,
    PermitMove,
    PermitNote,
    PermitTermination,
    ScoreView,
)
from tierpoints.features.auth import Actor, authorize, login_required
from tierpoints.features.params import ActorDep, RuntimeDep, TenantId
from tierpoints.runtime import Runtime

MAX_ID = 2**31 - 1  # a serial column: larger ids would be a database error, not a 404
ApplicantId = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The applicant's id.")]
Note = JSONBody[PermitNote | None]  # the body may be left out


class TenantApplicantsController(Controller):
    path = "/api/v1/tenants/{tenant_id:str}/applicants"
    tags = ("applicants",)

    @post("/", summary="Register an applicant with a residence permit issued by the tenant")
    async def register(self, tenant_id: TenantId, data: JSONBody[NewApplicant], runtime: RuntimeDep,
                       actor: ActorDep) -> ApplicantView:
        username = authorize(runtime, actor, tenant_id, "applicants", "register")
        return await registry.register(runtime, username, tenant_id, data)

    @get("/", summary="Applicants whose permit is in the tenant or below it (as far as the caller may read)")
    async def find(
        self, tenant_id: TenantId, runtime: RuntimeDep, actor: ActorDep,
        after: Annotated[int, Parameter(ge=0, le=MAX_ID, description="Only applicants with a greater id")] = 0,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> list[ApplicantView]:
        # Look-ups by identity number go through POST .../search: a number in a URL ends up in logs.
        return await _find(runtime, actor, tenant_id, None, after, limit)

    @post("/search", status_code=200, summary="Look an applicant up by identity number sent in the body")
    async def search(self, tenant_id: TenantId, data: JSONBody[IdentityQuery], runtime: RuntimeDep,
                     actor: ActorDep) -> list[ApplicantView]:
        """By identity number, sent in the body so it stays out of URLs and access logs."""
        return await _find(runtime, actor, tenant_id, data.identity_number, 0, 500)


class ApplicantsController(Controller):
    path = "/api/v1/applicants/{applicant_id:int}"
    tags = ("applicants",)
    guards = (login_required,)

    @get("/", summary="An applicant (masked identity) and their permit")
    async def read(self, applicant_id: ApplicantId, runtime: RuntimeDep, actor: ActorDep) -> ApplicantView:
        record = await load(applicant_id)
        require(runtime, actor, record, "applicants", "read")
        return record.view()

    @get("/permit", summary="The residence permit and its history")
    async def permit(self, applicant_id: ApplicantId, runtime: RuntimeDep, actor: ActorDep) -> PermitDetail:
        return await permit_actions.read_permit(runtime, actor, applicant_id)

    @post("/permit/move", status_code=200, summary="Move the permit to the tenant the holder lives in now")
    async def move(self, applicant_id: ApplicantId, data: JSONBody[PermitMove], runtime: RuntimeDep,
                   actor: ActorDep) -> PermitDetail:
        return await permit_actions.move(runtime, actor, applicant_id, data.to_tenant, data.reason,
                                         data.permit_number)

    @post("/permit/suspend", status_code=200, summary="Suspend the permit: its points are temporarily invalid")
    async def suspend(self, applicant_id: ApplicantId, runtime: RuntimeDep, actor: ActorDep,
                        data: Note = None) -> PermitDetail:
        return await permit_actions.change_status(runtime, actor, applicant_id, "suspend", _reason(data))

    @post("/permit/restore", status_code=200, summary="Restore a suspended permit: its points revive")
    async def restore(self, applicant_id: ApplicantId, runtime: RuntimeDep, actor: ActorDep,
                        data: Note = None) -> PermitDetail:
        return await permit_actions.change_status(runtime, actor, applicant_id, "restore", _reason(data))

    @post("/permit/terminate", status_code=200, summary="Terminate the permit for good: its points are void")
    async def terminate(self, applicant_id: ApplicantId, runtime: RuntimeDep, actor: ActorDep,
                        data: JSONBody[PermitTermination]) -> PermitDetail:
        return await permit_actions.change_status(runtime, actor, applicant_id, "terminate", data.reason,
                                                  ground=data.ground)

    @put("/facts", summary="Record verified facts (each by a reviewer of a department that verifies it)")
    async def record_facts(self, applicant_id: ApplicantId, data: JSONBody[FactsUpdate], runtime: RuntimeDep,
                           actor: ActorDep) -> FactsView:
        return await facts_service.record_facts(runtime, actor, applicant_id, data.facts)

    @get("/facts", summary="The latest (or a given revision of the) facts the caller may read")
    async def read_facts(
        self, applicant_id: ApplicantId, runtime: RuntimeDep, actor: ActorDep,
        revision: Annotated[int | None, Parameter(ge=1, le=MAX_ID)] = None,
    ) -> FactsView:
        return await facts_service.read_facts(runtime, actor, applicant_id, revision)

    @get("/score", summary="The recognised score as a jurisdiction sees it, with reasons and validity")
    async def score(
        self, applicant_id: ApplicantId, runtime: RuntimeDep, actor: ActorDep,
        at: Annotated[str | None, Parameter(description="Tenant whose view; default the permit's")] = None,
        as_of: Annotated[dt.date | None, Parameter(description="YYYY-MM-DD; default today")] = None,
    ) -> ScoreView:
        return await recognised_score(runtime, actor, applicant_id, at, as_of)


async def _find(runtime: Runtime, actor: Actor, tenant_id: str, identity_number: str | None,
                after: int, limit: int) -> list[ApplicantView]:
    username = authorize(runtime, actor, tenant_id, "applicants", "read")
    digest = None
    if identity_number is not None:
        digest = identity.lookup_digest(identity.normalise(identity_number), runtime.settings.secret)
    # a role held only in this tenant ("own") does not reach the tenants below it
    tenants = [t for t in runtime.catalog.tree.area(tenant_id)
               if t in runtime.catalog.tenants and runtime.authorizer.can(username, t, "applicants", "read")]
    return await registry.find(sorted(tenants), digest, after, limit)


def _reason(note: PermitNote | None) -> str:
    return note.reason if note else ""
