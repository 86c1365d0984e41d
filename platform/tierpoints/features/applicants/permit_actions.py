"""Use cases on a residence permit: read its history, move it, suspend, restore, terminate."""

from __future__ import annotations

import datetime as dt

from tierpoints import audit, clock
from tierpoints.features.applicants import fields
from tierpoints.features.applicants.errors import ApplicantDataError
from tierpoints.features.applicants.permits import (
    SUSPENDED,
    TERMINATED,
    TERMINATION_GROUNDS,
    event_day,
    next_status,
    validity,
)
from tierpoints.features.applicants.records import ApplicantRecord, load, require
from tierpoints.features.applicants.schemas import PermitDetail, PermitEventView
from tierpoints.features.applicants.scores import forget_score, recompute_scores
from tierpoints.features.auth import Actor, authorize
from tierpoints.runtime import Runtime
from tierpoints.store.tables import PermitEvent, ResidencePermit
from tierpoints.store.transactions import write_transaction


async def suspended_since(permit_id: int) -> dt.date | None:
    """The day of the last suspension (for the three-years-suspended rule)."""
    row = await PermitEvent.select(PermitEvent.at, PermitEvent.day).where(
        PermitEvent.permit == permit_id, PermitEvent.action == "suspended",
    ).order_by(PermitEvent.id, ascending=False).first().run()
    return event_day(row) if row else None


async def permit_detail(record: ApplicantRecord, as_of: dt.date | None = None) -> PermitDetail:
    permit = _permit_of(record)
    events = await PermitEvent.select().where(PermitEvent.permit == permit["id"]).order_by(PermitEvent.id).run()
    since = await suspended_since(permit["id"]) if permit["status"] == SUSPENDED else None
    return PermitDetail(
        applicant=record.id, number=permit["number"], tenant=permit["tenant"], status=permit["status"],
        validity=validity(permit["status"], since, as_of or clock.today()),
        issued_on=permit["issued_on"], updated_at=permit["updated_at"],
        history=[PermitEventView(at=e["at"], action=e["action"], status=e["status"],
                                 from_tenant=e["from_tenant"], to_tenant=e["to_tenant"],
                                 reason=e["reason"], ground=e["ground"], actor=e["actor"]) for e in events],
    )


async def read_permit(runtime: Runtime, actor: Actor, applicant_id: int) -> PermitDetail:
    record = await load(applicant_id)
    require(runtime, actor, record, "permits", "read")
    return await permit_detail(record)


async def move(runtime: Runtime, actor: Actor, applicant_id: int, to_tenant: str, reason: str,
               permit_number: str) -> PermitDetail:
    """The holder now lives in `to_tenant`: its migrant office (permits:manage there) takes the
    permit over. The facts and the history stay; the score is recognised as `to_tenant` sees it.
    The office must quote the permit's number (the holder presents it), so no office can pull
    a stranger's permit into its area by id alone."""
    if to_tenant not in runtime.catalog.tenants:
        raise ApplicantDataError("/to_tenant", f"unknown tenant {to_tenant!r} "
                                 f"(tenants: {', '.join(sorted(runtime.catalog.tenants))})")
    username = authorize(runtime, actor, to_tenant, "permits", "manage")
    reason = fields.reason(reason)
    async with write_transaction():
        record = await load(applicant_id, lock=True)
        permit = _permit_of(record)
        if permit_number.strip().upper() != permit["number"].upper():
            raise ApplicantDataError("/permit_number", "does not match the holder's residence permit")
        status = next_status("move", permit["status"])
        if permit["tenant"] == to_tenant:
            raise ApplicantDataError("/to_tenant", f"the permit is in {to_tenant} already")
        await _change(permit, username, "moved", status, reason, from_tenant=permit["tenant"],
                      to_tenant=to_tenant)
        await audit.record(username, to_tenant, "permit.moved", f"applicant/{applicant_id}",
                           {"permit": permit["number"], "from": permit["tenant"], "to": to_tenant,
                            "reason": reason})
        await recompute_scores(runtime, applicant_ids=[applicant_id])
    return await permit_detail(await load(applicant_id))


async def change_status(runtime: Runtime, actor: Actor, applicant_id: int, action: str,
                        reason: str, ground: str | None = None) -> PermitDetail:
    """suspend | restore | terminate (naming one of TERMINATION_GROUNDS), by permits:manage at
    the permit's current tenant."""
    record = await load(applicant_id)
    username = require(runtime, actor, record, "permits", "manage", own_allowed=False)
    reason = fields.reason(reason)
    if action == "terminate" and ground not in TERMINATION_GROUNDS:
        raise ApplicantDataError("/ground", f"name why the permit ends: one of {', '.join(TERMINATION_GROUNDS)}")
    async with write_transaction():
        record = await load(applicant_id, lock=True)
        permit = _permit_of(record)
        # the lock may have waited for a move: check where the permit is now
        username = require(runtime, actor, record, "permits", "manage", own_allowed=False)
        since = await suspended_since(permit["id"]) if permit["status"] == SUSPENDED else None
        status = next_status(action, permit["status"], since)
        if ground == "suspended_three_years" and validity(permit["status"], since, clock.today()) != "void":
            held = f"suspended since {since}" if since else permit["status"]
            raise ApplicantDataError("/ground", f"the permit is {held}: not three consecutive years")
        await _change(permit, username, _past(action), status, reason, ground=ground)
        await audit.record(username, permit["tenant"], f"permit.{_past(action)}",
                           f"applicant/{applicant_id}",
                           {"permit": permit["number"], "from": permit["status"], "to": status,
                            "reason": reason, **({"ground": ground} if ground else {})})
        if status == TERMINATED:
            await forget_score(applicant_id)
        else:
            await recompute_scores(runtime, applicant_ids=[applicant_id])
    return await permit_detail(await load(applicant_id))


async def _change(permit: dict, actor: str, action: str, status: str, reason: str,
                  from_tenant: str | None = None, to_tenant: str | None = None, ground: str | None = None) -> None:
    now, today = dt.datetime.now(dt.UTC), clock.today()
    tenant = to_tenant or permit["tenant"]
    changed_on = permit.get("changed_on")  # None stays None: an event without a day is kept
    await ResidencePermit.update({ResidencePermit.status: status, ResidencePermit.tenant: tenant,
                                  ResidencePermit.updated_at: now,
                                  ResidencePermit.changed_on: changed_on and max(changed_on, today)}).where(
        ResidencePermit.id == permit["id"]).run()
    await PermitEvent(permit=permit["id"], at=now, day=today, action=action, status=status,
                      from_tenant=from_tenant or permit["tenant"], to_tenant=tenant,
                      reason=reason, ground=ground, actor=actor).save().run()


def _permit_of(record: ApplicantRecord) -> dict:
    if record.permit is None:
        raise ApplicantDataError("/permit", f"applicant {record.id} holds no residence permit")
    return record.permit


def _past(action: str) -> str:
    """Events and audit entries name what happened: suspended, restored, terminated."""
    return {"suspend": "suspended", "restore": "restored", "terminate": "terminated"}[action]
