"""HTTP: service rounds. Published rankings are public (masked); every change needs its role."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import JSONBody, PathParameter, QueryParameter

from tierpoints.features.auth import login_required
from tierpoints.features.params import ActorDep, RuntimeDep, TenantId
from tierpoints.features.rounds import service
from tierpoints.features.rounds.schemas import (
    NewPublicityObjection,
    NewRound,
    ObjectionCheck,
    PublicityObjectionView,
    RankingPage,
    RoundView,
    VersionDiff,
)

MAX_ID = 2**31 - 1
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Version = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID, description="Default: the newest.")]


class TenantRoundsController(Controller):
    path = "/api/v1/tenants/{tenant_id:str}/rounds"
    tags = ("rounds",)

    @post("/", summary="Open a round of a service the tenant runs (rounds:open): ranked at once",
          guards=[login_required])
    async def open_round(self, tenant_id: TenantId, data: JSONBody[NewRound], runtime: RuntimeDep,
                         actor: ActorDep) -> RoundView:
        return await service.open_round(runtime, actor, tenant_id, data)

    @get("/", summary="The tenant's published rounds (all of them with rounds:read)")
    async def list_rounds(self, tenant_id: TenantId, runtime: RuntimeDep, actor: ActorDep) -> list[RoundView]:
        return await service.listed(runtime, actor, tenant_id)


class RoundsController(Controller):
    path = "/api/v1/rounds/{round_id:int}"
    tags = ("rounds",)

    @get("/", summary="A round: service, quota, snapshot, publicity, ranking versions and hashes, allocation")
    async def read(self, round_id: Id, runtime: RuntimeDep, actor: ActorDep) -> RoundView:
        return await service.read(runtime, actor, round_id)

    @get("/ranking", summary="The ranking, masked and paginated; find one's own by acceptance number")
    async def ranking(
        self, round_id: Id, runtime: RuntimeDep, actor: ActorDep, version: Version = None,
        offset: Annotated[int, QueryParameter(ge=0, le=MAX_ID)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = service.PAGE,
        acceptance_number: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> RankingPage:
        return await service.ranking_page(runtime, actor, round_id, version, offset, limit, acceptance_number)

    @get("/document", summary="The stored snapshot (canonical JSON; SHA-256 = the version's hash): rounds:read",
         guards=[login_required], media_type="application/json")
    async def document(self, round_id: Id, runtime: RuntimeDep, actor: ActorDep, version: Version = None) -> Response[bytes]:
        content_hash, body = await service.document(runtime, actor, round_id, version)
        return Response(body, media_type="application/json", headers={"ETag": f'"{content_hash}"'})

    @get("/versions/{version:int}/diff", summary="Who moved between a version and the one before it, and why")
    async def diff(self, round_id: Id, version: Id, runtime: RuntimeDep, actor: ActorDep) -> VersionDiff:
        return await service.version_diff(runtime, actor, round_id, version)

    @post("/publish", status_code=200, summary="Publish the ranking for the service's working days (rounds:publish)",
          guards=[login_required])
    async def publish(self, round_id: Id, runtime: RuntimeDep, actor: ActorDep) -> RoundView:
        return await service.publish(runtime, actor, round_id)

    @get("/objections", summary="Objections raised during publicity (rounds:read)", guards=[login_required])
    async def objections(self, round_id: Id, runtime: RuntimeDep, actor: ActorDep) -> list[PublicityObjectionView]:
        return await service.objections(runtime, actor, round_id)

    @post("/objections", summary="Raise an objection during publicity: the applicant, or an office",
          guards=[login_required])
    async def object_to(self, round_id: Id, data: JSONBody[NewPublicityObjection], runtime: RuntimeDep,
                        actor: ActorDep) -> PublicityObjectionView:
        return await service.object_to(runtime, actor, round_id, data)

    @post("/objections/{objection_id:int}/check", status_code=200, guards=[login_required],
          summary="Check an objection (rounds:check_objection): upheld with corrections ranks again")
    async def check(self, round_id: Id, objection_id: Id, data: JSONBody[ObjectionCheck], runtime: RuntimeDep,
                    actor: ActorDep) -> PublicityObjectionView:
        return await service.check_objection(runtime, actor, round_id, objection_id, data)

    @post("/allocate", status_code=200, guards=[login_required],
          summary="Allocate the quota in rank order after publicity (rounds:allocate)")
    async def allocate(self, round_id: Id, runtime: RuntimeDep, actor: ActorDep) -> RoundView:
        return await service.allocate(runtime, actor, round_id)
