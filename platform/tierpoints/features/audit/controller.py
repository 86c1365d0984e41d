"""HTTP: GET /api/v1/tenants/{t}/audit — who changed what, newest last, page by page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.params import Parameter

from tierpoints.features.auth import authorize
from tierpoints.features.params import ActorDep, RuntimeDep, TenantId
from tierpoints.store.tables import AuditEntry


class AuditEntryView(msgspec.Struct):
    id: int
    at: dt.datetime
    actor: str
    tenant: str | None
    action: str
    subject: str
    detail: Any
    hash: str


class AuditController(Controller):
    path = "/api/v1/tenants/{tenant_id:str}/audit"
    tags = ("audit",)

    @get("/", summary="Audit entries of the tenant and of the tenants below it the caller may read")
    async def entries(
        self, tenant_id: TenantId, runtime: RuntimeDep, actor: ActorDep,
        after: Annotated[int, Parameter(ge=0, le=2**62, description="Only entries with a greater id")] = 0,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> list[AuditEntryView]:
        username = authorize(runtime, actor, tenant_id, "audit", "read")
        tenants = [
            tenant for tenant in runtime.catalog.tree.area(tenant_id)
            if tenant in runtime.catalog.tenants and runtime.authorizer.can(username, tenant, "audit", "read")
        ]
        rows = await (
            AuditEntry.select()
            .where(AuditEntry.tenant.is_in(tenants) & (AuditEntry.id > after))
            .order_by(AuditEntry.id).limit(limit).run()
        )
        return [
            AuditEntryView(id=r["id"], at=r["at"], actor=r["actor"], tenant=r["tenant"], action=r["action"],
                           subject=r["subject"], detail=msgspec.json.decode(r["detail"]), hash=r["hash"])
            for r in rows
        ]
