"""Who is looking at a page: the account whose token the session cookie holds, or the public.

The cookie keeps the same JWT the API hands out (POST /api/v1/auth/token), HttpOnly (no script
reads it) and SameSite=Strict (no other site's page sends it); the API itself never reads it."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException

from tierpoints.features.auth import Actor, actor_from_token
from tierpoints.runtime import Runtime

SESSION_COOKIE = "tierpoints_session"


async def page_actor(request: Request, runtime: NamedDependency[Runtime]) -> Actor:
    """The session's actor; an expired or foreign token is the public (and the cookie is cleared)."""
    actor = Actor(None)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            actor = await actor_from_token(token, runtime)
        except NotAuthorizedException:
            request.state.stale_session = True
    request.state.actor = actor
    return actor


def current_actor(request: Request) -> Actor:
    """The actor page_actor resolved for this request (the public if it did not run)."""
    return getattr(request.state, "actor", None) or Actor(None)


def _secure(request: Request, production: bool) -> bool:
    return production or request.url.scheme == "https"


def session_cookie(request: Request, token: str, seconds: int, production: bool) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value=token, max_age=seconds, path="/", httponly=True,
                  samesite="strict", secure=_secure(request, production))


def cleared_session(request: Request, production: bool = False) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value="", max_age=0, expires=0, path="/", httponly=True,
                  samesite="strict", secure=_secure(request, production))
