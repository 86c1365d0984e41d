"""HTTP: points applications, department review queues, determination, objections."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter

from tierpoints.features.applications import service
from tierpoints.features.applications.schemas import (
    ApplicationView,
    Approval,
    ItemView,
    NewApplication,
    NewObjection,
    ObjectionAnswer,
    OverdueGroup,
    Rejection,
)
from tierpoints.features.params import ActorDep, RuntimeDep, TenantId

MAX_ID = 2**31 - 1
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Department = Annotated[str, QueryParameter(description="A department id, e.g. education.")]


class ApplicantApplicationsController(Controller):
    path = "/api/v1/applicants/{applicant_id:int}/applications"
    tags = ("applications",)

    @post("/", summary="Apply for points: online (the applicant) or at the window (applications:apply)")
    async def apply(
        self, applicant_id: Id, data: JSONBody[NewApplication], runtime: RuntimeDep, actor: ActorDep,
        idempotency_key: Annotated[str | None, HeaderParameter(
            name="Idempotency-Key", required=False,
            description="A retry with the same key returns the application made the first time")] = None,
    ) -> Response[ApplicationView]:
        view, created = await service.apply(runtime, actor, applicant_id, data, idempotency_key)
        return Response(view, status_code=201 if created else 200)

    @get("/", summary="The applicant's applications (the applicant, or applications:read)")
    async def list_applications(self, applicant_id: Id, runtime: RuntimeDep, actor: ActorDep) -> list[ApplicationView]:
        return await service.list_for_applicant(runtime, actor, applicant_id)


class ApplicationsController(Controller):
    path = "/api/v1/applications/{application_id:int}"
    tags = ("applications",)

    @get("/", summary="An application: items, deadlines, determination (the applicant from the look-up day)")
    async def read(self, application_id: Id, runtime: RuntimeDep, actor: ActorDep) -> ApplicationView:
        return await service.read(runtime, actor, application_id)

    @post("/determine", status_code=200, summary="Determine the points once every item is decided "
          "(applications:determine: the district migrant office)")
    async def determine(self, application_id: Id, runtime: RuntimeDep, actor: ActorDep) -> ApplicationView:
        return await service.determine(runtime, actor, application_id)

    @post("/objections", summary="Object (district office) or, against its answer, ask for a review (city office)")
    async def object_to(self, application_id: Id, data: JSONBody[NewObjection], runtime: RuntimeDep,
                        actor: ActorDep) -> ApplicationView:
        return await service.object_to(runtime, actor, application_id, data.grounds, data.stage)

    @post("/objections/{objection_id:int}/answer", status_code=200,
          summary="Answer an objection (applications:answer_objection) or a review (applications:answer_review)")
    async def answer(self, application_id: Id, objection_id: Id, data: JSONBody[ObjectionAnswer],
                     runtime: RuntimeDep, actor: ActorDep) -> ApplicationView:
        return await service.answer(runtime, actor, application_id, objection_id, data.answer, data.corrections)


class ApplicationItemsController(Controller):
    path = "/api/v1/application-items/{item_id:int}"
    tags = ("applications",)

    @post("/approve", status_code=200, summary="Approve an item (a reviewer of its department there), "
          "optionally with a corrected value")
    async def approve(self, item_id: Id, runtime: RuntimeDep, actor: ActorDep,
                      data: JSONBody[Approval | None] = None) -> ItemView:
        data = data or Approval()
        return await service.decide(runtime, actor, item_id, "approve", data.corrected, data.note)

    @post("/reject", status_code=200, summary="Reject an item with a reason (a reviewer of its department there)")
    async def reject(self, item_id: Id, data: JSONBody[Rejection], runtime: RuntimeDep, actor: ActorDep) -> ItemView:
        return await service.decide(runtime, actor, item_id, "reject", None, data.reason)


class ReviewQueueController(Controller):
    path = "/api/v1/tenants/{tenant_id:str}"
    tags = ("applications",)

    @get("/review-queue", summary="A department's pending items in the tenant (facts:<department> read there)")
    async def review_queue(self, tenant_id: TenantId, department: Department, runtime: RuntimeDep,
                           actor: ActorDep) -> list[ItemView]:
        return await service.queue(runtime, actor, tenant_id, department)

    @get("/overdue-items", summary="Items past their deadline in the tenant and below, per tenant and department")
    async def overdue_items(self, tenant_id: TenantId, runtime: RuntimeDep, actor: ActorDep) -> list[OverdueGroup]:
        return await service.overdue(runtime, actor, tenant_id)
