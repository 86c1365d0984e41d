"""Drafting, validating and publishing indicator-set versions (shared by HTTP and the CLI).

Each change runs in one write transaction together with its audit entry. Authorisation is
the caller's job (the HTTP controller checks the actor; the CLI is an operator's tool).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import msgspec

from tierpoints import audit, clock
from tierpoints.features.applicants.scores import recompute_scores
from tierpoints.features.publishing import versions
from tierpoints.features.publishing.errors import (
    BadRevision,
    DraftConflict,
    DraftNotFound,
    InvalidDraft,
    RevisionRequired,
    problem_entries,
)
from tierpoints.features.publishing.schemas import (
    DraftView,
    ProblemView,
    ValidationReport,
    VersionSummary,
)
from tierpoints.features.publishing.validation import draft_problems
from tierpoints.packs.problems import Problem
from tierpoints.store import notify
from tierpoints.store.policy import to_json
from tierpoints.store.tables import IndicatorSetVersion as V
from tierpoints.store.transactions import write_transaction


def draft_view(row: dict[str, Any]) -> DraftView:
    content = msgspec.json.decode(row["content"])
    return DraftView(
        id=row["id"], tenant=row["tenant"], status=row["status"],
        effective_from=effective_label(row, content), revision=row["revision"], author=row["author"],
        created_at=row["created_at"], updated_at=row["updated_at"], published_at=row["published_at"],
        published_by=row["published_by"], content=content,
    )


def summary_view(row: dict[str, Any], insider: bool) -> VersionSummary:
    """`insider`: may read the tenant's drafts, and so see who wrote and published what."""
    return VersionSummary(
        id=row["id"], tenant=row["tenant"], status=row["status"], effective_from=effective_label(row),
        revision=row["revision"], created_at=row["created_at"], updated_at=row["updated_at"],
        published_at=row["published_at"], author=row["author"] if insider else None,
        published_by=row["published_by"] if insider else None,
    )


def effective_label(row: dict[str, Any], content: dict[str, Any] | None = None) -> str | None:
    """A published version's date; for a draft the date its content proposes, if any."""
    if row["status"] != versions.DRAFT:
        return row["effective_from"].isoformat()
    proposed = versions.proposed_date(content) if content is not None else None
    return proposed.isoformat() if proposed else None


def parse_if_match(header: str | None) -> int:
    """`If-Match: 3`, `"3"` or `W/"3"` → 3; a missing header is 428 (edits must say what they saw)."""
    if header is None or not header.strip():
        raise RevisionRequired("send If-Match with the draft's revision (its ETag) to edit it")
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise BadRevision(f"If-Match {header!r} is not a revision: send the draft's ETag, e.g. \"3\"")
    return int(text)


def _digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(to_json(content).encode()).hexdigest()


def _require_tenant(tenant: str, content: dict[str, Any]) -> None:
    if content.get("tenant") != tenant:
        raise InvalidDraft(
            f"the document names tenant {content.get('tenant')!r}, but drafts here are {tenant!r}'s",
            [{"pointer": "/tenant", "message": f"must be {tenant!r}"}],
        )


async def _draft(tenant: str, draft_id: int, lock: bool = False) -> dict[str, Any]:
    row = await versions.get_version(tenant, draft_id, lock=lock)
    if row is None:
        raise DraftNotFound(f"{tenant} has no indicator-set version {draft_id}")
    return row


def _still_draft(row: dict[str, Any]) -> None:
    if row["status"] != versions.DRAFT:
        raise DraftConflict(
            f"version {row['id']} is {row['status']} (from {row['effective_from']}) and never changes: "
            "start a new draft (POST .../drafts with {}) instead")


async def get_version(tenant: str, draft_id: int) -> dict[str, Any]:
    return await _draft(tenant, draft_id)


async def create_draft(actor: str, tenant: str, document: dict[str, Any]) -> dict[str, Any]:
    """A new draft from `document`, or from the version in force today when it is empty."""
    async with write_transaction():
        if document:
            _require_tenant(tenant, document)
            content, origin = document, "document"
        else:
            content = await versions.content_in_force(tenant, clock.today())
            origin = f"copy of the version of {content.get('effective_from')}"
        row = await versions.insert_draft(tenant, content, actor)
        await audit.record(actor, tenant, "indicator_set.draft_created", f"indicator_set/{row['id']}",
                           {"from": origin, "revision": 1, "content_sha256": _digest(content)})
    return row


async def replace_draft(actor: str, tenant: str, draft_id: int, if_match: str | None,
                        content: dict[str, Any]) -> dict[str, Any]:
    """Replace the content if the draft is still at the revision the editor saw (else 409,
    the stored draft untouched)."""
    async with write_transaction():
        row = await _draft(tenant, draft_id)
        _still_draft(row)
        seen = parse_if_match(if_match)
        _require_tenant(tenant, content)
        values = {V.content: to_json(content)}
        if proposed := versions.proposed_date(content):
            values[V.effective_from] = proposed
        revision = await versions.compare_and_set(draft_id, seen, values)
        if revision is None:
            raise _stale(draft_id, seen)
        await audit.record(actor, tenant, "indicator_set.draft_updated", f"indicator_set/{draft_id}",
                           {"revision": revision, "content_sha256": _digest(content)})
    return await _draft(tenant, draft_id)


def _stale(draft_id: int, seen: int) -> DraftConflict:
    return DraftConflict(
        f"draft {draft_id} changed since revision {seen}: fetch it again (GET), reapply your change "
        "and send the new ETag", [{"pointer": "", "message": f"If-Match {seen} is stale"}])


def _report(problems: list[Problem]) -> ValidationReport:
    return ValidationReport(valid=not problems, problems=[
        ProblemView(file=p.file, pointer=p.pointer, message=p.message, line=p.line) for p in problems])


async def validate_draft(tenant: str, draft_id: int) -> ValidationReport:
    row = await _draft(tenant, draft_id)
    return _report(await draft_problems(tenant, msgspec.json.decode(row["content"])))


async def publish_draft(actor: str, tenant: str, draft_id: int, effective_from: dt.date,
                        if_match: str | None = None) -> tuple[dict[str, Any], list[int]]:
    """Publish the draft from `effective_from`: (the published row, ids just superseded).

    Refused: a date in the past (422), a date already published (409), invalid content (422,
    every problem), a draft that changed since If-Match (409, when sent). Afterwards the
    version is immutable."""
    async with write_transaction():
        await versions.lock_tenant(tenant)
        row = await _draft(tenant, draft_id, lock=True)
        _still_draft(row)
        seen = row["revision"] if if_match is None else parse_if_match(if_match)
        if effective_from < clock.today():
            raise InvalidDraft(f"effective_from {effective_from} is in the past: publish from today or later",
                               [{"pointer": "/effective_from", "message": "must not be in the past"}])
        taken = await versions.published_on(tenant, effective_from)
        if taken is not None:
            raise DraftConflict(
                f"{tenant} already has a version published for {effective_from} (id {taken}); "
                "a published version never changes: choose another date",
                [{"pointer": "/effective_from", "message": "already published for this date"}])
        content = {**msgspec.json.decode(row["content"]), "effective_from": effective_from.isoformat()}
        problems = await draft_problems(tenant, content)
        if problems:
            raise InvalidDraft(f"the draft does not pass the packs' checks: {len(problems)} problem(s)",
                               problem_entries(problems))
        now = dt.datetime.now(dt.UTC)
        revision = await versions.compare_and_set(draft_id, seen, {
            V.content: to_json(content), V.effective_from: effective_from, V.status: "published",
            V.published_at: now, V.published_by: actor,
        })
        if revision is None:
            raise _stale(draft_id, seen)
        superseded = [i for i in await versions.restatus(tenant) if i != draft_id]
        await audit.record(actor, tenant, "indicator_set.published", f"indicator_set/{draft_id}", {
            "effective_from": effective_from.isoformat(), "revision": revision,
            "superseded": superseded, "content_sha256": _digest(content)})
        await notify.announce(notify.POLICY)
    return await _draft(tenant, draft_id), superseded


def affected_tenants(runtime: Any, tenant: str) -> list[str]:
    """Whose scores a tenant's policy reaches: the tenant and every tenant below it."""
    tree = runtime.catalog.tree
    return [t for t in tree if tree.is_within(t, tenant)]


async def apply_published(runtime: Any, tenant: str,
                          on_progress: Callable[[int, int], None] | None = None) -> int:
    """Swap the running policy for the database's, then recompute the affected applicants'
    recognised scores; returns how many were recomputed."""
    await runtime.reload_policy()
    return await recompute_scores(runtime, tenants=affected_tenants(runtime, tenant),
                                  on_progress=on_progress)
