"""The admin console: the workbench of a logged-in official (the tenants whose indicators it
administers, the review queues it works), and a tenant's indicators — the inherited tiers
read-only, its own set in force, its versions and drafts."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from tierpoints import clock
from tierpoints.features.auth import authorize
from tierpoints.features.params import ActorDep, RuntimeDep
from tierpoints.features.publishing import service as publishing
from tierpoints.features.publishing import versions
from tierpoints.features.simulation.service import chain_indicators
from tierpoints.web.access import workbench
from tierpoints.web.templating import page

Tenant = Annotated[str, PathParameter(max_length=64)]
RESOURCE = "indicator_sets"


class ConsolePages(Controller):
    path = "/admin"

    @get("/", name="admin")
    async def workbench(self, request: Request, runtime: RuntimeDep, actor: ActorDep) -> Template:
        bench = await workbench(runtime, actor)
        if not bench.official:
            raise PermissionDeniedException("admin.nothing")
        return page(request, "admin.html", bench=bench, manifests=runtime.catalog.tenants)

    @get("/{tenant_id:str}")
    async def tenant(self, request: Request, tenant_id: Tenant, runtime: RuntimeDep, actor: ActorDep) -> Template:
        username = authorize(runtime, actor, tenant_id, RESOURCE, "read_drafts")
        can = runtime.authorizer.can
        tiers = chain_indicators(runtime.catalog, tenant_id, clock.today())
        rows = await versions.list_versions(tenant_id, include_drafts=True)
        return page(request, "admin_tenant.html", tenant=runtime.catalog.tenant(tenant_id),
                    inherited=tiers[:-1], own=tiers[-1], manifests=runtime.catalog.tenants,
                    versions=[publishing.summary_view(r, insider=True) for r in reversed(rows)],
                    may_edit=can(username, tenant_id, RESOURCE, "edit"),
                    published=request.query_params.get("published"),
                    recomputed=request.query_params.get("recomputed"))

    @post("/{tenant_id:str}/drafts", status_code=303)
    async def start_draft(self, tenant_id: Tenant, runtime: RuntimeDep, actor: ActorDep) -> Redirect:
        """A new draft, a copy of the version in force today (as POST .../drafts with {})."""
        username = authorize(runtime, actor, tenant_id, RESOURCE, "edit")
        row = await publishing.create_draft(username, tenant_id, {})
        return Redirect(f"/admin/{tenant_id}/drafts/{row['id']}", status_code=303)
