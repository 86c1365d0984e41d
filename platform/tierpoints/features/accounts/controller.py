"""HTTP: tokens, the current account, a tenant's accounts."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, delete, get, post
from litestar.exceptions import NotAuthorizedException
from litestar.params import JSONBody, PathParameter

from tierpoints.accounts import service
from tierpoints.accounts.credentials import issue_token
from tierpoints.features.auth import authorize
from tierpoints.features.params import ActorDep, RuntimeDep, TenantId


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    password: str


class Token(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int


class NewAccount(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    password: str
    role: str
    department: str | None = None
    display_name: str = ""


class AuthController(Controller):
    path = "/api/v1"
    tags = ("accounts",)

    @post("/auth/token", status_code=200, summary="Exchange username and password for a bearer token")
    async def token(self, data: JSONBody[Credentials], runtime: RuntimeDep) -> Token:
        if not await service.authenticate(data.username, data.password):
            raise NotAuthorizedException("wrong username or password")
        token, seconds = issue_token(data.username, runtime.settings.secret, runtime.settings.token_minutes)
        return Token(token, "bearer", seconds)

    @get("/me", summary="The logged-in account and its roles")
    async def me(self, actor: ActorDep) -> dict[str, Any]:
        username = actor.require_login()
        grants = await service.grants_of(username)
        return {"username": username, "roles": [
            {"role": g.role, "tenant": g.tenant, "department": g.department} for g in grants]}


class AccountsController(Controller):
    path = "/api/v1/tenants/{tenant_id:str}/accounts"
    tags = ("accounts",)

    @get("/", summary="Accounts holding roles in the tenant")
    async def list_accounts(self, tenant_id: TenantId, runtime: RuntimeDep, actor: ActorDep) -> list[dict]:
        authorize(runtime, actor, tenant_id, "accounts", "read")
        return await service.list_accounts({tenant_id})

    @post("/", summary="Create an account with a role in the tenant")
    async def create_account(
        self, tenant_id: TenantId, data: JSONBody[NewAccount], runtime: RuntimeDep, actor: ActorDep
    ) -> dict[str, Any]:
        username = authorize(runtime, actor, tenant_id, "accounts", "manage")
        grant = await service.create_account(
            runtime.catalog, data.username, data.password, data.role, tenant_id, data.department,
            actor=username, display_name=data.display_name,
        )
        await runtime.refresh_grants(force=True)  # at once here; other instances hear of it
        return {"username": grant.username, "role": grant.role, "tenant": grant.tenant,
                "department": grant.department}

    @delete("/{username:str}/roles/{role:str}", summary="Take a role in the tenant from an account (accounts:manage)")
    async def revoke_role(self, tenant_id: TenantId, username: Annotated[str, PathParameter(max_length=100)],
                          role: Annotated[str, PathParameter(max_length=64)], runtime: RuntimeDep,
                          actor: ActorDep) -> None:
        actor_name = authorize(runtime, actor, tenant_id, "accounts", "manage")
        await service.revoke_role(username, role, tenant_id, actor=actor_name)
        await runtime.refresh_grants(force=True)  # at once here; other instances hear of it
