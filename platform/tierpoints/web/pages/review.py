"""The department reviewer's queue (Hangzhou rules §14): the pending items of each department
and tenant the account reviews, earliest deadline first with the working days left, and
approve / reject (with a reason)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from tierpoints import clock
from tierpoints.features.applications import service as applications
from tierpoints.features.applications.errors import ApplicationError
from tierpoints.features.auth import Actor
from tierpoints.features.params import ActorDep, RuntimeDep
from tierpoints.runtime import Runtime
from tierpoints.web.access import workbench
from tierpoints.web.deadlines import working_days_left
from tierpoints.web.templating import page

Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
Action = Annotated[str, PathParameter(max_length=16)]
ACTIONS = ("approve", "reject")


async def _render(request: Request, runtime: Runtime, actor: Actor, status_code: int = 200,
                  **extra: Any) -> Template:
    bench = await workbench(runtime, actor)
    if not bench.queues:
        raise PermissionDeniedException("review.no_queue")
    today = clock.today()
    queues = [(tenant, department, await applications.queue(runtime, actor, tenant, department, today))
              for tenant, department in bench.queues]
    return page(request, "review.html", status_code=status_code, queues=queues,
                manifests=runtime.catalog.tenants, days_left=lambda due: working_days_left(due, today),
                done=request.query_params.get("done"), **extra)


class ReviewPages(Controller):
    path = "/review"

    @get("/", name="review")
    async def queue(self, request: Request, runtime: RuntimeDep, actor: ActorDep) -> Template:
        actor.require_login()
        return await _render(request, runtime, actor)

    @post("/items/{item_id:int}/{action:str}", status_code=303)
    async def decide(self, request: Request, item_id: Id, action: Action, runtime: RuntimeDep,
                     actor: ActorDep) -> Redirect | Template:
        actor.require_login()
        if action not in ACTIONS:
            raise NotFoundException("review.unknown_action")
        form = await request.form()
        text = str(form.get("reason") or form.get("note") or "")
        try:
            await applications.decide(runtime, actor, item_id, action, None, text)
        except ApplicationError as error:
            return await _render(request, runtime, actor, status_code=error.status,
                                 failed={"item": item_id, "detail": error.detail, "text": text})
        return Redirect(f"/review?done={item_id}", status_code=303)
