"""HTTP: start an impact preview of a draft (202, computed in the background) and poll it."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import JSONBody, PathParameter

from tierpoints.features.auth import login_required
from tierpoints.features.impact import service
from tierpoints.features.impact.schemas import ImpactRequest, ImpactView
from tierpoints.features.params import ActorDep, RuntimeDep, TenantId

MAX_ID = 2**31 - 1
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]


class ImpactController(Controller):
    path = "/api/v1/tenants/{tenant_id:str}"
    tags = ("impact",)
    guards = (login_required,)

    @post("/indicator-sets/drafts/{draft_id:int}/impact",
          summary="Preview what a draft would do (indicator_sets:read_drafts): 202 and a report to poll; "
                  "the same draft revision and date reuse the first report (200)")
    async def start(self, tenant_id: TenantId, draft_id: Id, runtime: RuntimeDep, actor: ActorDep,
                    data: JSONBody[ImpactRequest | None] = None) -> Response[ImpactView]:
        view, started = await service.start(runtime, actor, tenant_id, draft_id, data or ImpactRequest())
        return Response(view, status_code=202 if started else 200,
                        headers={"Location": f"/api/v1/tenants/{tenant_id}/impact-reports/{view.id}"})

    @get("/impact-reports/{report_id:int}", summary="An impact report: progress while running, the result when done")
    async def read(self, tenant_id: TenantId, report_id: Id, runtime: RuntimeDep, actor: ActorDep) -> ImpactView:
        return await service.read(runtime, actor, tenant_id, report_id)
