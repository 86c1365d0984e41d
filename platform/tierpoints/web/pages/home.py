"""The front page, logging in and out of the pages."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from tierpoints.accounts import service as accounts
from tierpoints.accounts.credentials import issue_token
from tierpoints.features.auth import Actor
from tierpoints.features.params import ActorDep, RuntimeDep
from tierpoints.web.access import landing, workbench
from tierpoints.web.session import cleared_session, session_cookie
from tierpoints.web.templating import page

FIELD_LENGTH = 200


def local_path(target: str | None) -> str | None:
    """Only a path of this site (never //host or a scheme): no open redirect after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


class HomePages(Controller):
    path = "/"

    @get("/", name="home")
    async def home(self, request: Request, actor: ActorDep) -> Template:
        return page(request, "home.html")

    @get("/login")
    async def login_form(self, request: Request, actor: ActorDep,
                         back: Annotated[str | None, QueryParameter(name="next", max_length=500)] = None) -> Template:
        return page(request, "login.html", next=local_path(back) or "", reason="")

    @post("/login", status_code=303)
    async def login(self, request: Request, runtime: RuntimeDep, actor: ActorDep) -> Redirect | Template:
        form = await request.form()
        username = str(form.get("username") or "").strip()[:FIELD_LENGTH]
        password = str(form.get("password") or "")[:FIELD_LENGTH]
        back = local_path(str(form.get("next") or ""))
        if not username or not await accounts.authenticate(username, password):
            return page(request, "login.html", status_code=401, next=back or "", reason="login.failed",
                        username=username)
        token, seconds = issue_token(username, runtime.settings.secret, runtime.settings.token_minutes)
        await runtime.refresh_grants()
        target = back or landing(await workbench(runtime, Actor(username)))
        return Redirect(target, status_code=303,
                        cookies=[session_cookie(request, token, seconds, runtime.settings.production)])

    @post("/logout", status_code=303)
    async def logout(self, request: Request, runtime: RuntimeDep, actor: ActorDep) -> Redirect:
        return Redirect("/", status_code=303, cookies=[cleared_session(request, runtime.settings.production)])
