"""Loading an applicant with their permit, and who may see it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tierpoints.authz import PermissionDenied
from tierpoints.features.applicants.errors import ApplicantNotFound
from tierpoints.features.applicants.schemas import ApplicantView, PermitView
from tierpoints.features.auth import Actor, authorize
from tierpoints.runtime import Runtime
from tierpoints.store import piccolo_conf
from tierpoints.store.db import is_postgres
from tierpoints.store.tables import Applicant, ResidencePermit


@dataclass(frozen=True)
class ApplicantRecord:
    id: int
    name: str
    identity_masked: str
    account: str | None  # username of the applicant's own login
    created_at: dt.datetime
    permit: dict[str, Any] | None  # the newest permit's row
    born_on: dt.date | None = None  # None only for rows registered before it was kept

    @property
    def tenant(self) -> str | None:
        """The tenant where the holder lives now: where permissions are checked."""
        return self.permit["tenant"] if self.permit else None

    def is_own(self, actor: Actor) -> bool:
        return actor.username is not None and actor.username == self.account

    def view(self) -> ApplicantView:
        return ApplicantView(
            id=self.id, name=self.name, identity_masked=self.identity_masked, account=self.account,
            created_at=self.created_at, permit=permit_view(self.permit) if self.permit else None,
        )


def permit_view(row: dict[str, Any]) -> PermitView:
    return PermitView(number=row["number"], tenant=row["tenant"], status=row["status"],
                      issued_on=row["issued_on"], updated_at=row["updated_at"])


async def load(applicant_id: int, lock: bool = False) -> ApplicantRecord:
    """The applicant and their newest permit; `lock` (inside a write transaction) holds the
    permit row so concurrent changes of the same applicant run one after the other."""
    row = await Applicant.select(
        Applicant.id, Applicant.name, Applicant.identity_masked, Applicant.created_at,
        Applicant.born_on, Applicant.account.username,
    ).where(Applicant.id == applicant_id).first().run()
    if row is None:
        raise ApplicantNotFound(applicant_id)
    query = ResidencePermit.select().where(ResidencePermit.applicant == applicant_id).order_by(
        ResidencePermit.id, ascending=False).limit(1)
    if lock and is_postgres(piccolo_conf.DB):  # SQLite's BEGIN IMMEDIATE serialises already
        query = query.lock_rows()
    permits = await query.run()
    return ApplicantRecord(
        id=row["id"], name=row["name"], identity_masked=row["identity_masked"],
        account=row["account.username"], created_at=row["created_at"],
        permit=permits[0] if permits else None, born_on=row["born_on"],
    )


async def for_account(username: str) -> ApplicantRecord | None:
    """The applicant record linked to a login (the applicant's own account), if any."""
    row = await Applicant.select(Applicant.id).where(Applicant.account.username == username).first().run()
    return await load(row["id"]) if row else None


def require(runtime: Runtime, actor: Actor, record: ApplicantRecord, obj: str, action: str,
            own_allowed: bool = True) -> str:
    """The applicant themselves (when `own_allowed`), or `action` on `obj` at the permit's tenant."""
    if own_allowed and record.is_own(actor):
        return actor.require_login()
    if record.tenant is None:
        raise PermissionDenied(actor.require_login(), "(no permit)", obj, action)
    return authorize(runtime, actor, record.tenant, obj, action)
