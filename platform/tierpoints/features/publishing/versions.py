"""Indicator-set versions in the database: reads, the draft compare-and-set, the status rule.

Every writer here runs inside the caller's write_transaction(). On SQLite that transaction
already holds the write lock; on PostgreSQL the rows a decision depends on are locked with
SELECT ... FOR UPDATE, and draft edits are a compare-and-set on the revision, so two racing
requests can never both win.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from tierpoints.packs.catalog import NotInForce
from tierpoints.store import piccolo_conf
from tierpoints.store.db import is_postgres
from tierpoints.store.policy import PUBLISHED_STATES, to_json
from tierpoints.store.tables import IndicatorSetVersion, TenantRecord

V = IndicatorSetVersion
DRAFT = "draft"


def _locked(query):
    # SQLite has no row locks (and needs none: BEGIN IMMEDIATE serialises writers).
    return query.lock_rows() if is_postgres(piccolo_conf.DB) else query


def proposed_date(content: dict[str, Any]) -> dt.date | None:
    value = content.get("effective_from")
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


async def list_versions(tenant: str, include_drafts: bool) -> list[dict[str, Any]]:
    query = V.select(*(c for c in V._meta.columns if c is not V.content)).where(V.tenant == tenant)
    if not include_drafts:
        query = query.where(V.status.is_in(list(PUBLISHED_STATES)))
    return await query.order_by(V.effective_from, V.id).run()


async def get_version(tenant: str, version_id: int, lock: bool = False) -> dict[str, Any] | None:
    """The version, or None when it does not exist or belongs to another tenant."""
    query = V.select().where((V.id == version_id) & (V.tenant == tenant)).first()
    return await (_locked(query) if lock else query).run()


async def lock_tenant(tenant: str) -> None:
    """Serialise publications of one tenant (PostgreSQL; SQLite's write lock already does)."""
    if is_postgres(piccolo_conf.DB):
        await TenantRecord.select(TenantRecord.id).where(TenantRecord.code == tenant).lock_rows().run()


async def content_in_force(tenant: str, on: dt.date) -> dict[str, Any]:
    row = await V.select(V.content).where(
        (V.tenant == tenant) & V.status.is_in(list(PUBLISHED_STATES)) & (V.effective_from <= on)
    ).order_by(V.effective_from, ascending=False).first().run()
    if row is None:
        first = await V.select(V.effective_from).where(
            (V.tenant == tenant) & V.status.is_in(list(PUBLISHED_STATES))
        ).order_by(V.effective_from).first().run()
        raise NotInForce(tenant, on, first["effective_from"] if first else None)
    return msgspec.json.decode(row["content"])


async def insert_draft(tenant: str, content: dict[str, Any], author: str) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    # The column needs a date; a draft's real one is chosen when it is published.
    placeholder = proposed_date(content) or now.date()
    inserted = await V.insert(V(
        tenant=tenant, effective_from=placeholder, status=DRAFT, content=to_json(content),
        revision=1, author=author, created_at=now, updated_at=now,
    )).returning(V.id).run()
    return await V.select().where(V.id == inserted[0]["id"]).first().run()


async def compare_and_set(version_id: int, revision: int, values: dict[Any, Any]) -> int | None:
    """Apply `values` and bump the revision only if the draft is still at `revision`;
    the new revision, or None when someone else got there first."""
    changes = {**values, V.revision: revision + 1, V.updated_at: dt.datetime.now(dt.UTC)}
    updated = await V.update(changes).where(
        (V.id == version_id) & (V.status == DRAFT) & (V.revision == revision)
    ).returning(V.revision).run()
    return updated[0]["revision"] if updated else None


async def published_on(tenant: str, date: dt.date) -> int | None:
    row = await V.select(V.id).where(
        (V.tenant == tenant) & (V.effective_from == date) & V.status.is_in(list(PUBLISHED_STATES))
    ).first().run()
    return row["id"] if row else None


async def restatus(tenant: str) -> list[int]:
    """The version with the latest date is `published`, every earlier one `superseded` (each
    stays in force until the next date); returns the ids that were just superseded."""
    rows = await V.select(V.id, V.status).where(
        (V.tenant == tenant) & V.status.is_in(list(PUBLISHED_STATES))
    ).order_by(V.effective_from, ascending=False).run()
    if not rows:
        return []
    latest, older = rows[0]["id"], [r["id"] for r in rows[1:] if r["status"] == "published"]
    if older:
        await V.update({V.status: "superseded"}).where(V.id.is_in(older)).run()
    await V.update({V.status: "published"}).where(V.id == latest).run()
    return older
