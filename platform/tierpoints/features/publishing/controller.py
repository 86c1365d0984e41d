"""HTTP: a tenant's indicator-set versions, its drafts, validating and publishing them."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get, post, put
from litestar.params import HeaderParameter, JSONBody, PathParameter

from tierpoints.features.auth import Actor, authorize
from tierpoints.features.params import ActorDep, RuntimeDep, TenantId
from tierpoints.features.publishing import service, versions
from tierpoints.features.publishing.schemas import (
    DraftView,
    PublishRequest,
    PublishResult,
    ValidationReport,
    VersionSummary,
)
from tierpoints.runtime import Runtime

DraftId = Annotated[int, PathParameter(description="The draft's id (from its creation or the list).")]
IfMatch = Annotated[str | None, HeaderParameter(name="If-Match", required=False,
                                                description="The draft's revision, as its ETag gave it.")]
RESOURCE = "indicator_sets"


def _with_etag(view: DraftView, status_code: int = 200, **headers: str) -> Response[DraftView]:
    return Response(view, status_code=status_code, headers={"ETag": f'"{view.revision}"', **headers})


def _base(tenant: str) -> str:
    return f"/api/v1/tenants/{tenant}/indicator-sets"


def _may_read_drafts(runtime: Runtime, actor: Actor, tenant: str) -> bool:
    return actor.username is not None and runtime.authorizer.can(
        actor.username, tenant, RESOURCE, "read_drafts")


class PublishingController(Controller):
    path = "/api/v1/tenants/{tenant_id:str}/indicator-sets"
    tags = ("publishing",)

    @get("/", summary="A tenant's indicator-set versions (drafts only for those who may read them)")
    async def list_versions(self, tenant_id: TenantId, runtime: RuntimeDep,
                            actor: ActorDep) -> list[VersionSummary]:
        runtime.catalog.tenant(tenant_id)
        insider = _may_read_drafts(runtime, actor, tenant_id)
        rows = await versions.list_versions(tenant_id, include_drafts=insider)
        return [service.summary_view(row, insider) for row in rows]

    @post("/drafts", summary="Start a draft: a document, or {} to copy the version in force today")
    async def create_draft(self, tenant_id: TenantId, data: JSONBody[dict[str, Any]], runtime: RuntimeDep,
                           actor: ActorDep) -> Response[DraftView]:
        username = authorize(runtime, actor, tenant_id, RESOURCE, "edit")
        view = service.draft_view(await service.create_draft(username, tenant_id, data))
        return _with_etag(view, 201, Location=f"{_base(tenant_id)}/drafts/{view.id}")

    @get("/drafts/{draft_id:int}", summary="A draft (or a version it became) with its content and ETag")
    async def get_draft(self, tenant_id: TenantId, draft_id: DraftId, runtime: RuntimeDep,
                        actor: ActorDep) -> Response[DraftView]:
        authorize(runtime, actor, tenant_id, RESOURCE, "read_drafts")  # 401/403 before saying if it exists
        return _with_etag(service.draft_view(await service.get_version(tenant_id, draft_id)))

    @put("/drafts/{draft_id:int}", summary="Replace a draft's content (If-Match: its revision)")
    async def replace_draft(self, tenant_id: TenantId, draft_id: DraftId, data: JSONBody[dict[str, Any]],
                            runtime: RuntimeDep, actor: ActorDep,
                            if_match: IfMatch = None) -> Response[DraftView]:
        username = authorize(runtime, actor, tenant_id, RESOURCE, "edit")
        row = await service.replace_draft(username, tenant_id, draft_id, if_match, data)
        return _with_etag(service.draft_view(row))

    @post("/drafts/{draft_id:int}/validate", status_code=200,
          summary="Run the packs' schema and load-time checks on a draft; lists every problem")
    async def validate_draft(self, tenant_id: TenantId, draft_id: DraftId, runtime: RuntimeDep,
                             actor: ActorDep) -> ValidationReport:
        authorize(runtime, actor, tenant_id, RESOURCE, "read_drafts")
        return await service.validate_draft(tenant_id, draft_id)

    @post("/drafts/{draft_id:int}/publish", status_code=200,
          summary="Publish a draft from a date not in the past; recomputes the affected scores")
    async def publish_draft(self, tenant_id: TenantId, draft_id: DraftId,
                            data: JSONBody[PublishRequest], runtime: RuntimeDep, actor: ActorDep,
                            if_match: IfMatch = None) -> PublishResult:
        username = authorize(runtime, actor, tenant_id, RESOURCE, "publish")
        row, superseded = await service.publish_draft(
            username, tenant_id, draft_id, data.effective_from, if_match)
        recomputed = await service.apply_published(runtime, tenant_id)
        return PublishResult(version=service.draft_view(row), superseded=superseded, recomputed=recomputed)
