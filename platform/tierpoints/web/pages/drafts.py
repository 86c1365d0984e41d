"""Editing a tenant's own indicator-set draft as YAML: saved with the revision it was read at
(a stale one is refused, nothing lost), checked by the packs' own checks with each problem at
its line, compared with the published version, and published from a date."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from tierpoints import clock
from tierpoints.features.auth import Actor, authorize
from tierpoints.features.params import ActorDep, RuntimeDep
from tierpoints.features.publishing import service as publishing
from tierpoints.features.publishing import versions
from tierpoints.features.publishing.errors import PublishingError
from tierpoints.packs.yaml_source import YamlSyntaxError, read_yaml_text
from tierpoints.runtime import Runtime
from tierpoints.web.diff import compare, to_yaml
from tierpoints.web.templating import page

Tenant = Annotated[str, PathParameter(max_length=64)]
Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
RESOURCE = "indicator_sets"
MAX_TEXT = 1_000_000


async def _published(tenant: str) -> dict[str, Any] | None:
    """The content of the newest published version (the one drafts are compared with)."""
    rows = [r for r in await versions.list_versions(tenant, include_drafts=False) if r["status"] == "published"]
    if not rows:
        return None
    return msgspec.json.decode((await publishing.get_version(tenant, rows[-1]["id"]))["content"])


def _annotated(text: str, problems: list[dict[str, Any]]) -> list[tuple[int, str, list[str]]]:
    """The text's lines, numbered, each with the problems found at it."""
    at: dict[int, list[str]] = {}
    for problem in problems:
        if problem.get("line"):
            at.setdefault(problem["line"], []).append(f"{problem['pointer'] or '/'}: {problem['message']}")
    return [(n, line, at.get(n, [])) for n, line in enumerate(text.splitlines(), start=1)]


def _locate(text: str, problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give the draft's problems the line of their pointer in the editor's text."""
    try:
        source = read_yaml_text(text, "draft")
    except YamlSyntaxError:
        return problems
    return [{**p, "line": source.line_of(p["pointer"]) if "(draft)" in p.get("file", "(draft)") else None}
            for p in problems]


async def _render(request: Request, runtime: Runtime, actor: Actor, tenant: str, draft_id: int,
                  text: str | None = None, error: str | None = None, problems: list[dict[str, Any]] | None = None,
                  status_code: int = 200, effective_from: str = "") -> Template:
    username = authorize(runtime, actor, tenant, RESOURCE, "read_drafts")
    view = publishing.draft_view(await publishing.get_version(tenant, draft_id))
    saved_text = to_yaml(view.content)
    if problems is None and view.status == versions.DRAFT:
        report = await publishing.validate_draft(tenant, draft_id)
        problems = [msgspec.to_builtins(p) for p in report.problems]
    text = saved_text if text is None else text
    problems = _locate(text, problems or [])
    published = await _published(tenant)
    can = runtime.authorizer.can
    return page(request, "admin_draft.html", status_code=status_code, draft=view, text=text,
                tenant=runtime.catalog.tenant(tenant), error=error, problems=problems,
                annotated=_annotated(text, problems), comparison=compare(published or {}, view.content),
                may_edit=view.status == versions.DRAFT and can(username, tenant, RESOURCE, "edit"),
                may_publish=view.status == versions.DRAFT and can(username, tenant, RESOURCE, "publish"),
                effective_from=effective_from or (view.effective_from if view.effective_from and
                                                  view.effective_from >= clock.today().isoformat()
                                                  else clock.today().isoformat()))


def _problems(error: PublishingError) -> list[dict[str, Any]]:
    return [{"file": e.get("file", "(draft)"), "pointer": e.get("pointer", ""), "message": e.get("message", "")}
            for e in error.errors]


class DraftPages(Controller):
    path = "/admin/{tenant_id:str}/drafts/{draft_id:int}"

    @get("/")
    async def draft(self, request: Request, tenant_id: Tenant, draft_id: Id, runtime: RuntimeDep,
                    actor: ActorDep) -> Template:
        return await _render(request, runtime, actor, tenant_id, draft_id)

    @post("/", status_code=303)
    async def save(self, request: Request, tenant_id: Tenant, draft_id: Id, runtime: RuntimeDep,
                   actor: ActorDep) -> Redirect | Template:
        username = authorize(runtime, actor, tenant_id, RESOURCE, "edit")
        form = await request.form()
        text = str(form.get("content") or "")[:MAX_TEXT]
        revision = str(form.get("revision") or "")
        try:
            content = read_yaml_text(text, "draft").data
        except YamlSyntaxError as error:
            problem = {"file": "(draft)", "pointer": "", "message": error.message, "line": error.line}
            return await _render(request, runtime, actor, tenant_id, draft_id, text, "drafts.not_yaml",
                                 [problem], 422)
        if not isinstance(content, dict):
            return await _render(request, runtime, actor, tenant_id, draft_id, text, "drafts.not_mapping", [], 422)
        try:
            await publishing.replace_draft(username, tenant_id, draft_id, revision, content)
        except PublishingError as error:
            return await _render(request, runtime, actor, tenant_id, draft_id, text, error.detail,
                                 _problems(error), error.status)
        return Redirect(f"/admin/{tenant_id}/drafts/{draft_id}?saved=1", status_code=303)

    @post("/publish", status_code=303)
    async def publish(self, request: Request, tenant_id: Tenant, draft_id: Id, runtime: RuntimeDep,
                      actor: ActorDep) -> Redirect | Template:
        username = authorize(runtime, actor, tenant_id, RESOURCE, "publish")
        form = await request.form()
        text_date = str(form.get("effective_from") or "")
        try:
            effective_from = dt.date.fromisoformat(text_date)
        except ValueError:
            return await _render(request, runtime, actor, tenant_id, draft_id, error="drafts.bad_date",
                                 status_code=422, effective_from=text_date)
        try:
            await publishing.publish_draft(username, tenant_id, draft_id, effective_from,
                                           str(form.get("revision") or "") or None)
        except PublishingError as error:
            return await _render(request, runtime, actor, tenant_id, draft_id, error=error.detail,
                                 problems=_problems(error) or None, status_code=error.status,
                                 effective_from=text_date)
        recomputed = await publishing.apply_published(runtime, tenant_id)
        return Redirect(f"/admin/{tenant_id}?published={draft_id}&recomputed={recomputed}", status_code=303)
