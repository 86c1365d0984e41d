"""Verified facts: a department reviewer records the facts its department verifies; each
recording is a new revision (history kept) merged over the latest one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from tierpoints import audit
from tierpoints.authz import PermissionDenied
from tierpoints.authz.authorizer import facts_object
from tierpoints.engine.facts import FactsError
from tierpoints.features.applicants.errors import (
    ApplicantDataError,
    FactNotAllowed,
    PermitStateError,
)
from tierpoints.features.applicants.permits import RECORDS_FACTS
from tierpoints.features.applicants.records import load
from tierpoints.features.applicants.schemas import FactsView
from tierpoints.features.applicants.scores import recompute_scores
from tierpoints.features.auth import Actor
from tierpoints.runtime import Runtime
from tierpoints.store.tables import ApplicantFacts
from tierpoints.store.transactions import write_transaction


def departments_of(runtime: Runtime, fact: str) -> list[str]:
    """The departments that verify a fact (from the indicators that read it)."""
    return sorted(runtime.catalog.fact_departments().get(fact, ()))


def may(runtime: Runtime, username: str, tenant: str, fact: str, action: str) -> bool:
    return any(runtime.authorizer.can(username, tenant, facts_object(d), action)
               for d in departments_of(runtime, fact))


async def latest_revision(applicant_id: int, revision: int | None = None) -> dict[str, Any] | None:
    query = ApplicantFacts.select().where(ApplicantFacts.applicant == applicant_id)
    if revision is not None:
        query = query.where(ApplicantFacts.revision == revision)
    return await query.order_by(ApplicantFacts.revision, ascending=False).first().run()


def _validate(runtime: Runtime, facts: dict[str, Any]) -> None:
    try:
        runtime.engine.validate(facts)
    except FactsError as error:
        raise ApplicantDataError(f"/facts{error.pointer}", error.message) from None


async def record_facts(runtime: Runtime, actor: Actor, applicant_id: int, facts: dict[str, Any]) -> FactsView:
    username = actor.require_login()
    record = await load(applicant_id)
    tenant = record.tenant
    if not facts:
        raise ApplicantDataError("/facts", "names no fact to record")
    known = runtime.catalog.facts
    for name in facts:
        if name not in known:
            pointer = "/facts/" + name.replace("~", "~0").replace("/", "~1")
            raise ApplicantDataError(pointer, f"unknown fact (facts: {', '.join(known)})")
    for name in facts:  # every fact needs its own department's reviewer
        if tenant is None or not may(runtime, username, tenant, name, "record"):
            raise FactNotAllowed(username, tenant or "(no permit)", name, departments_of(runtime, name))
    _validate(runtime, {k: v for k, v in facts.items() if v is not None})
    async with write_transaction():
        await store_facts(runtime, username, applicant_id, facts)
    return await read_facts(runtime, actor, applicant_id)


async def store_facts(runtime: Runtime, username: str, applicant_id: int, facts: dict[str, Any],
                      context: dict[str, Any] | None = None) -> int:
    """Record verified facts as a new revision merged over the latest, audited, the score
    recomputed; returns the revision. The caller has authorised it and holds a write
    transaction (so the change that led to it lands together with it)."""
    record = await load(applicant_id, lock=True)  # one revision at a time per applicant
    if record.permit is None or record.permit["status"] not in RECORDS_FACTS:
        raise PermitStateError("record facts for", record.permit["status"] if record.permit else "missing",
                               RECORDS_FACTS)
    latest = await latest_revision(applicant_id)
    merged = msgspec.json.decode(latest["content"]) if latest else {}
    merged.update(facts)
    merged = {k: v for k, v in merged.items() if v is not None}
    _validate(runtime, merged)
    revision = (latest["revision"] if latest else 0) + 1
    await ApplicantFacts(applicant=applicant_id, revision=revision,
                         content=msgspec.json.encode(merged).decode(), tenant=record.tenant,
                         recorded_by=username, recorded_at=dt.datetime.now(dt.UTC)).save().run()
    # names only: the audit log holds no personal values
    await audit.record(username, record.tenant, "facts.recorded", f"applicant/{applicant_id}",
                       {"revision": revision, "facts": sorted(facts), **(context or {})})
    await recompute_scores(runtime, applicant_ids=[applicant_id])
    return revision


async def read_facts(runtime: Runtime, actor: Actor, applicant_id: int,
                     revision: int | None = None) -> FactsView:
    """All facts for the applicant themselves; otherwise those whose department the caller may read."""
    record = await load(applicant_id)
    if record.is_own(actor):
        visible = None
    else:
        username, tenant = actor.require_login(), record.tenant or ""
        visible = {f for f in runtime.catalog.facts if may(runtime, username, tenant, f, "read")}
        if not visible:
            raise PermissionDenied(username, tenant, "facts", "read")
    row = await latest_revision(applicant_id, revision)
    if row is None and revision is not None:
        raise ApplicantDataError("/revision", f"applicant {applicant_id} has no facts revision {revision}")
    facts = msgspec.json.decode(row["content"]) if row else {}
    if visible is not None:
        facts = {k: v for k, v in facts.items() if k in visible}
    return FactsView(applicant=applicant_id, revision=row["revision"] if row else 0,
                     recorded_at=row["recorded_at"] if row else None,
                     recorded_by=row["recorded_by"] if row else None, facts=facts)
