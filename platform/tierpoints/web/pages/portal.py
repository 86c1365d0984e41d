"""The applicant portal (after login): one's applications, each item's state and deadline in
working days, the determined points by tier, how to object and until when; the printable
acceptance notice (Hangzhou rules §13: "an acceptance notice is issued on the spot")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from tierpoints import clock
from tierpoints.calendar.working_days import Deadline
from tierpoints.features.applicants.records import for_account, load
from tierpoints.features.applications import service as applications
from tierpoints.features.applications import states
from tierpoints.features.applications.errors import ApplicationError
from tierpoints.features.applications.schemas import ApplicationView
from tierpoints.features.auth import Actor
from tierpoints.features.params import ActorDep, RuntimeDep
from tierpoints.features.points import standing
from tierpoints.runtime import Runtime
from tierpoints.web.deadlines import working_days_left
from tierpoints.web.templating import page

Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]


@dataclass
class NextStep:
    """What the applicant may ask for now (§17), until when, and where."""

    stage: str  # objection | review
    deadline: Deadline
    days_left: int | None


def next_step(runtime: Runtime, view: ApplicationView, today: dt.date) -> NextStep | None:
    if view.determination is None:
        return None
    if view.status == states.DETERMINED:
        window = applications.deadline(runtime, view.tenant, "objection_window", view.determination.as_of)
        stage = "objection"
    elif view.status == states.OBJECTION_ANSWERED:
        answered = [o for o in view.objections if o.stage == "objection" and o.answered_on]
        if not answered:
            return None
        window = applications.deadline(runtime, view.tenant, "review_request_window", answered[-1].answered_on)
        stage = "review"
    else:
        return None
    return NextStep(stage, window, working_days_left(window.due, today)) if today <= window.due else None


async def _own_record(actor: Actor):
    record = await for_account(actor.require_login())
    if record is None:
        raise PermissionDeniedException("portal.not_applicant")
    return record


async def _render(request: Request, runtime: Runtime, actor: Actor, status_code: int = 200,
                  **extra: Any) -> Template:
    record = await _own_record(actor)
    today = clock.today()
    views = await applications.list_for_applicant(runtime, actor, record.id, today)
    points = await standing.points(runtime, actor, record.id, at=None, as_of=today) if record.permit else None
    return page(request, "portal.html", status_code=status_code, record=record, points=points,
                applications=[(v, next_step(runtime, v, today)) for v in reversed(views)],
                days_left=lambda due: working_days_left(due, today), request_filed=request.query_params.get("filed"),
                manifests_of=lambda tenant: runtime.catalog.tenant(tenant).name, **extra)


class PortalPages(Controller):
    path = "/portal"

    @get("/", name="portal")
    async def portal(self, request: Request, runtime: RuntimeDep, actor: ActorDep) -> Template:
        return await _render(request, runtime, actor)

    @post("/applications/{application_id:int}/objections", status_code=303)
    async def object_to(self, request: Request, application_id: Id, runtime: RuntimeDep,
                        actor: ActorDep) -> Redirect | Template:
        actor.require_login()  # the public learns nothing of which applications exist
        form = await request.form()
        stage = "review" if form.get("stage") == "review" else "objection"
        try:
            await applications.object_to(runtime, actor, application_id, str(form.get("grounds") or ""), stage)
        except ApplicationError as error:
            return await _render(request, runtime, actor, status_code=error.status,
                                 failed={"application": application_id, "detail": error.detail,
                                         "grounds": str(form.get("grounds") or "")})
        return Redirect(f"/portal?filed={application_id}#application-{application_id}", status_code=303)

    @get("/applications/{application_id:int}/notice")
    async def notice(self, request: Request, application_id: Id, runtime: RuntimeDep,
                     actor: ActorDep) -> Template:
        actor.require_login()
        view = await applications.read(runtime, actor, application_id)  # the applicant, or applications:read
        record = await load(view.applicant)
        return page(request, "notice.html", application=view, record=record,
                    tenant=runtime.catalog.tenant(view.tenant))
