"""Recording a minor's parents and guardians (Hangzhou rules §2), by the child's migrant office."""

from __future__ import annotations

import datetime as dt

from tierpoints import audit, clock
from tierpoints.features.applicants import fields
from tierpoints.features.applicants.errors import ApplicantConflict, ApplicantDataError
from tierpoints.features.applicants.records import load, require
from tierpoints.features.auth import Actor
from tierpoints.features.points.schemas import GuardianView, NewGuardian
from tierpoints.features.points.standing import age_on
from tierpoints.runtime import Runtime
from tierpoints.store.tables import Guardianship
from tierpoints.store.transactions import write_transaction

RELATIONSHIPS = ("father", "mother", "guardian")
ADULT_AGE = 18
ONE_EACH = ("father", "mother")


def _view(row: dict) -> GuardianView:
    return GuardianView(child=row["child"], guardian=row["guardian"], relationship=row["relationship"],
                        proof=row["proof"], tenant=row["tenant"], recorded_by=row["recorded_by"],
                        recorded_at=row["recorded_at"])


async def record(runtime: Runtime, actor: Actor, child_id: int, data: NewGuardian) -> GuardianView:
    """permits:manage at the child's permit tenant; the guardian must be a registered adult."""
    child = await load(child_id)
    username = require(runtime, actor, child, "permits", "manage", own_allowed=False)
    if data.relationship not in RELATIONSHIPS:
        raise ApplicantDataError("/relationship", f"one of {', '.join(RELATIONSHIPS)}")
    proof = fields.text(data.proof, "/proof", fields.REASON_LENGTH)
    if data.guardian == child_id:
        raise ApplicantDataError("/guardian", "an applicant cannot be their own guardian")
    today = clock.today()
    if child.born_on is None or age_on(child.born_on, today) >= ADULT_AGE:
        raise ApplicantConflict(f"applicant {child_id} is not a minor (born {child.born_on})", "applicant")
    guardian = await load(data.guardian)
    if guardian.born_on is not None and age_on(guardian.born_on, today) < ADULT_AGE:
        raise ApplicantDataError("/guardian", f"applicant {data.guardian} is a minor (born {guardian.born_on})")
    async with write_transaction():
        child = await load(child_id, lock=True)  # serialises concurrent recordings for this child
        links = await Guardianship.select().where(Guardianship.child == child_id).run()
        if any(link["guardian"] == data.guardian for link in links):
            raise ApplicantConflict(f"applicant {data.guardian} is recorded for this child already", "guardian")
        if data.relationship in ONE_EACH and any(link["relationship"] == data.relationship for link in links):
            raise ApplicantConflict(f"the child's {data.relationship} is recorded already", "relationship")
        row = Guardianship(child=child_id, guardian=data.guardian, relationship=data.relationship, proof=proof,
                           tenant=child.tenant, recorded_by=username, recorded_at=dt.datetime.now(dt.UTC))
        await row.save().run()
        await audit.record(username, child.tenant, "guardianship.recorded", f"applicant/{child_id}",
                           {"guardian": data.guardian, "relationship": data.relationship})
    return _view((await Guardianship.select().where(Guardianship.id == row.id).run())[0])


async def listed(runtime: Runtime, actor: Actor, child_id: int) -> list[GuardianView]:
    child = await load(child_id)
    require(runtime, actor, child, "applicants", "read")
    rows = await Guardianship.select().where(Guardianship.child == child_id).order_by(Guardianship.id).run()
    return [_view(row) for row in rows]
