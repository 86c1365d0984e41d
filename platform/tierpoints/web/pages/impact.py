"""The console's impact preview of a draft (issue #7): start it from the draft page (computed in
the background; the same revision and date reuse the first), watch it, read it: who gains and
loses, the distribution before and after as a chart, the largest movers and why, quota changes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from tierpoints import clock
from tierpoints.features.impact import service as impact
from tierpoints.features.impact.schemas import ImpactRequest
from tierpoints.features.params import ActorDep, RuntimeDep
from tierpoints.web.charts import impact_svg
from tierpoints.web.i18n import language, translator
from tierpoints.web.templating import page

Tenant = Annotated[str, PathParameter(max_length=64)]
Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]


class ImpactPages(Controller):
    path = "/admin/{tenant_id:str}"

    @post("/drafts/{draft_id:int}/impact", status_code=303)
    async def start(self, request: Request, tenant_id: Tenant, draft_id: Id, runtime: RuntimeDep,
                    actor: ActorDep) -> Redirect:
        form = await request.form()
        try:
            as_of = dt.date.fromisoformat(str(form.get("as_of") or clock.today().isoformat()))
        except ValueError:
            as_of = clock.today()
        view, _ = await impact.start(runtime, actor, tenant_id, draft_id, ImpactRequest(as_of=as_of))
        return Redirect(f"/admin/{tenant_id}/impact/{view.id}", status_code=303)

    @get("/impact/{report_id:int}")
    async def report(self, request: Request, tenant_id: Tenant, report_id: Id, runtime: RuntimeDep,
                     actor: ActorDep) -> Template:
        view = await impact.read(runtime, actor, tenant_id, report_id)
        t = translator(language(request))
        chart = impact_svg(view.result.distribution, t) if view.result else None
        return page(request, "impact.html", report=view, result=view.result, chart=chart,
                    tenant=runtime.catalog.tenant(tenant_id))
