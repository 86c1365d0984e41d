"""Registering applicants with their residence permit, and finding them again."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from tierpoints import audit, clock
from tierpoints.features.applicants import fields, identity
from tierpoints.features.applicants.errors import ApplicantConflict, ApplicantDataError
from tierpoints.features.applicants.permits import VALID
from tierpoints.features.applicants.records import load
from tierpoints.features.applicants.schemas import ApplicantView, NewApplicant, PermitView
from tierpoints.features.applicants.scores import recompute_scores
from tierpoints.runtime import Runtime
from tierpoints.store.tables import Account, Applicant, PermitEvent, ResidencePermit
from tierpoints.store.transactions import write_transaction

NAME_LENGTH, PERMIT_NUMBER_LENGTH = 200, 64


@asynccontextmanager
async def _unique_guard() -> AsyncIterator[None]:
    """A concurrent registration can still win the race past our checks: 409, not 500."""
    try:
        yield
    except (asyncpg.UniqueViolationError, sqlite3.IntegrityError) as error:
        field = "permit_number" if "residence_permit" in str(error) else "identity_number"
        raise ApplicantConflict(f"registered already at the same moment ({field})", field) from None


async def register(runtime: Runtime, actor: str, tenant: str, data: NewApplicant) -> ApplicantView:
    """Applicant + valid permit issued by `tenant` + its `issued` event, audited together."""
    name = fields.text(data.name, "/name", NAME_LENGTH)
    number = identity.normalise(data.identity_number)
    permit_number = fields.text(data.permit_number, "/permit_number", PERMIT_NUMBER_LENGTH)
    account = fields.username(data.account, "/account") if data.account is not None else None
    if data.issued_on > clock.today():
        raise ApplicantDataError("/issued_on", "a permit cannot be issued in the future")
    digest, masked = identity.lookup_digest(number, runtime.settings.secret), identity.mask(number)
    now = dt.datetime.now(dt.UTC)
    async with _unique_guard(), write_transaction():
        account_id = await _linkable_account(account) if account else None
        if await Applicant.exists().where(Applicant.identity_lookup == digest).run():
            raise ApplicantConflict("an applicant with this identity number is registered already",
                                    "identity_number")
        if await ResidencePermit.exists().where(ResidencePermit.number == permit_number).run():
            raise ApplicantConflict(f"permit number {permit_number!r} is taken", "permit_number")
        applicant = Applicant(name=name, name_masked=identity.mask_name(name), identity_lookup=digest,
                              identity_masked=masked,
                              born_on=identity.birth_date(number), account=account_id, created_at=now)
        await applicant.save().run()
        permit = ResidencePermit(applicant=applicant.id, number=permit_number, tenant=tenant,
                                 status=VALID, issued_on=data.issued_on, updated_at=now,
                                 changed_on=data.issued_on)
        await permit.save().run()
        await PermitEvent(permit=permit.id, at=now, day=data.issued_on, action="issued", from_tenant=None, to_tenant=tenant,
                          status=VALID, reason="", actor=actor).save().run()
        await audit.record(actor, tenant, "applicant.registered", f"applicant/{applicant.id}",
                           {"identity": masked, "permit": permit_number, "account": account})
        await recompute_scores(runtime, applicant_ids=[applicant.id])  # everyone holds a row
    return (await load(applicant.id)).view()


async def _linkable_account(username: str) -> int:
    account = await Account.select(Account.id).where(Account.username == username).first().run()
    if account is None:
        raise ApplicantDataError("/account", f"no account {username!r}")
    if await Applicant.exists().where(Applicant.account == account["id"]).run():
        raise ApplicantConflict(f"account {username!r} belongs to another applicant already", "account")
    return account["id"]


async def find(tenants: list[str], identity_digest: str | None, after: int, limit: int) -> list[ApplicantView]:
    """Applicants whose permit is in `tenants`, by id, from `after` on."""
    if not tenants:
        return []
    query = ResidencePermit.select(
        ResidencePermit.all_columns(), ResidencePermit.applicant.id, ResidencePermit.applicant.name,
        ResidencePermit.applicant.identity_masked, ResidencePermit.applicant.created_at,
        ResidencePermit.applicant.account.username,
    ).where(ResidencePermit.tenant.is_in(tenants), ResidencePermit.applicant > after)
    if identity_digest is not None:
        query = query.where(ResidencePermit.applicant.identity_lookup == identity_digest)
    rows = await query.order_by(ResidencePermit.applicant).limit(limit).run()
    return [ApplicantView(
        id=r["applicant.id"], name=r["applicant.name"], identity_masked=r["applicant.identity_masked"],
        account=r["applicant.account.username"], created_at=r["applicant.created_at"],
        permit=PermitView(number=r["number"], tenant=r["tenant"], status=r["status"],
                          issued_on=r["issued_on"], updated_at=r["updated_at"]),
    ) for r in rows]
