"""Who is asking: the bearer token's account, or the public."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from tierpoints.accounts.credentials import InvalidToken, token_subject
from tierpoints.authz import PermissionDenied
from tierpoints.runtime import Runtime
from tierpoints.store.tables import Account


@dataclass(frozen=True)
class Actor:
    username: str | None  # None: the public

    @property
    def name(self) -> str:
        return self.username or "public"

    def require_login(self) -> str:
        if self.username is None:
            raise NotAuthorizedException("log in first: POST /api/v1/auth/token, then send 'Authorization: Bearer <token>'")
        return self.username


async def provide_actor(request: Request, runtime: NamedDependency[Runtime]) -> Actor:
    header = request.headers.get("authorization")
    if not header:
        return Actor(None)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException("send 'Authorization: Bearer <token>'")
    return await actor_from_token(token.strip(), runtime)


async def actor_from_token(token: str, runtime: Runtime) -> Actor:
    """The account a token names, if the token is valid and the account active (else 401);
    the web pages call it with the token kept in their session cookie."""
    try:
        username = token_subject(token, runtime.settings.secret)
    except InvalidToken as error:
        raise NotAuthorizedException(str(error)) from None
    active = await Account.select(Account.active).where(Account.username == username).first().run()
    if not active or not active["active"]:
        raise NotAuthorizedException("the account of this token is not active")
    await runtime.refresh_grants()
    return Actor(username)


def login_required(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard: the public gets 401 before anything is looked up (no hint which ids exist)."""
    if not connection.headers.get("authorization"):
        raise NotAuthorizedException(
            "log in first: POST /api/v1/auth/token, then send 'Authorization: Bearer <token>'")


def authorize(runtime: Runtime, actor: Actor, tenant: str, obj: str, action: str) -> str:
    """The actor's username if they may do it; 404 for an unknown tenant, 401 for the public,
    403 otherwise."""
    runtime.catalog.tenant(tenant)
    username = actor.require_login()
    if not runtime.authorizer.can(username, tenant, obj, action):
        raise PermissionDenied(username, tenant, obj, action)
    return username
