"""The points simulator (public): pick the jurisdiction, enter facts in a form generated from
the facts schema of its chain, see the total, each tier and indicator with its reason, and what
would still count elsewhere."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import QueryParameter
from litestar.response import Template

from tierpoints import clock
from tierpoints.features.params import ActorDep, RuntimeDep
from tierpoints.features.simulation.service import score_elsewhere, tenant_views
from tierpoints.runtime import Runtime
from tierpoints.web import factsform
from tierpoints.web.templating import page

Tenant = Annotated[str | None, QueryParameter(max_length=64)]
LEVELS = ("county", "city", "province")


def chosen(runtime: Runtime, at: str | None, query: dict[str, Any]) -> str | None:
    """`at`, or the deepest of the province → city → county selects that names a tenant."""
    if at:
        runtime.catalog.tenant(at)  # 404 page for an unknown one
        return at
    for level in LEVELS:
        if query.get(level) in runtime.catalog.tenants:
            return query[level]
    return None


def _as_of(text: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else clock.today()
    except ValueError:
        return clock.today()


def _render(request: Request, runtime: Runtime, at: str | None, as_of: dt.date,
            posted: factsform.Posted | None = None, status_code: int = 200) -> Template:
    catalog = runtime.engine.catalog
    context: dict[str, Any] = {"tenants": tenant_views(catalog), "at": at, "as_of": as_of,
                               "posted": posted or factsform.Posted(), "result": None, "elsewhere": []}
    if at is not None:
        chain = catalog.tree.chain(at)
        context["chain"] = chain
        context["facts"] = factsform.form_facts(runtime.engine, at, as_of)
        context["places"] = sorted(catalog.tenants.values(), key=lambda m: chain.index(m.id) if m.id in chain else 9)
    if posted is not None and posted.ok and at is not None:
        result = runtime.engine.score(posted.facts, at=at, as_of=as_of)
        context["result"] = result
        context["elsewhere"] = score_elsewhere(runtime.engine, posted.facts, at, as_of, home=result)
    context["manifests"] = catalog.tenants
    return page(request, "simulate.html", status_code=status_code, **context)


class SimulatorPages(Controller):
    path = "/simulate"

    @get("/", name="simulate")
    async def form(self, request: Request, runtime: RuntimeDep, actor: ActorDep, at: Tenant = None,
                   as_of: Annotated[str | None, QueryParameter(max_length=10)] = None) -> Template:
        return _render(request, runtime, chosen(runtime, at, dict(request.query_params)), _as_of(as_of))

    @post("/", status_code=200)
    async def simulate(self, request: Request, runtime: RuntimeDep, actor: ActorDep, at: Tenant = None) -> Template:
        form = await request.form()
        tenant = chosen(runtime, at or str(form.get("at") or "") or None, {})
        as_of = _as_of(str(form.get("as_of") or ""))
        if tenant is None:
            return _render(request, runtime, None, as_of)
        posted = factsform.parse(form, factsform.form_facts(runtime.engine, tenant, as_of))
        factsform.check(runtime.engine, posted)
        return _render(request, runtime, tenant, as_of, posted, 200 if posted.ok else 422)
