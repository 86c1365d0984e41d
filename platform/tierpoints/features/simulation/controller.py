"""HTTP: tenants, their inherited indicators, and simulating an applicant's points."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from tierpoints import clock
from tierpoints.engine import Engine, ScoreResult
from tierpoints.features.params import TenantId
from tierpoints.features.simulation.schemas import TenantView, TierIndicators
from tierpoints.features.simulation.service import chain_indicators, tenant_views

AsOf = Annotated[
    dt.date | None,
    QueryParameter(description="Score or show as of this date (YYYY-MM-DD); default today."),
]
EngineDep = NamedDependency[Engine]


class SimulationController(Controller):
    path = "/api/v1/tenants"
    tags = ("simulation",)

    @get("/", summary="Tenants and the tiers each recognises")
    async def list_tenants(self, engine: EngineDep) -> list[TenantView]:
        return tenant_views(engine.catalog)

    @get("/{tenant_id:str}/indicators", summary="The indicator chain a tenant recognises, as of a date")
    async def indicators(self, engine: EngineDep, tenant_id: TenantId, as_of: AsOf = None) -> list[TierIndicators]:
        return chain_indicators(engine.catalog, tenant_id, as_of or clock.today())

    @post(
        "/{tenant_id:str}/simulate", status_code=200,
        summary="Score facts at a tenant",
        description="Body: applicant facts (policy_schemas/facts.schema.json). Returns the total, "
        "each recognised tier and each indicator's points with its reason.",
    )
    async def simulate(
        self, request: Request, engine: EngineDep, tenant_id: TenantId, as_of: AsOf = None
    ) -> Response[ScoreResult]:
        engine.catalog.tenant(tenant_id)  # 404 before looking at the body
        body = await request.body()
        result = engine.score(body, at=tenant_id, as_of=as_of or clock.today())
        # encoded here: the result is plain msgspec structs, nothing for Litestar's encoder hooks
        return Response(msgspec.json.encode(result), media_type=MediaType.JSON)
