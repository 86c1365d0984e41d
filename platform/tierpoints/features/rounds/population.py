"""Who a round ranks, from what the platform stores: permits in the service tenant's area, the
determination in force on the snapshot date and its validity then (Hangzhou rules §21),
guardianships and birth dates for school places (§2); rounds/candidates.py does the rest.

A determination's points are recognised as the service's tenant sees them: its facts revision
scored through that tenant's chain as of the determination's date (determined points do not
grow by themselves; §18's adjustment is how they change).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tierpoints.features.points import validity
from tierpoints.packs.models import Service
from tierpoints.rounds.candidates import Refusal, candidate, standing
from tierpoints.rounds.ranking import Candidate
from tierpoints.runtime import Runtime
from tierpoints.store.tables import (
    Applicant,
    ApplicantFacts,
    Determination,
    Guardianship,
    PermitEvent,
    ResidencePermit,
)

CHUNK = 2_000


def mask_name(name: str) -> str:
    """李明 → 李*, 欧阳娜娜 → 欧***: the family name's first character only."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


@dataclass
class Stored:
    """Everything about a set of applicants a round needs, loaded in chunks."""

    people: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    determination: dict[int, dict[str, Any]] = field(default_factory=dict)
    facts: dict[tuple[int, int], bytes] = field(default_factory=dict)

    async def load(self, applicant_ids: list[int], snapshot: dt.date) -> None:
        for part in _chunks([a for a in applicant_ids if a not in self.people]):
            for row in await Applicant.select(Applicant.id, Applicant.name, Applicant.identity_masked,
                                              Applicant.born_on).where(Applicant.id.is_in(part)).run():
                self.people[row["id"]] = row
            permits = await ResidencePermit.select(ResidencePermit.id, ResidencePermit.applicant).where(
                ResidencePermit.applicant.is_in(part)).order_by(ResidencePermit.id).run()
            newest = {p["applicant"]: p["id"] for p in permits}  # the newest permit is the one in force
            holder = {permit: applicant for applicant, permit in newest.items()}
            if holder:
                for event in await PermitEvent.select().where(PermitEvent.permit.is_in(list(holder))).order_by(
                        PermitEvent.id).run():
                    self.events[holder[event["permit"]]].append(event)
            rows = await Determination.select(
                *Determination.all_columns(), Determination.application.applicant.as_alias("applicant"),
            ).where(Determination.application.applicant.is_in(part) & (Determination.as_of <= snapshot)).order_by(
                Determination.id).run()
            for row in rows:  # the newest made by the snapshot date was in force then
                self.determination[row["applicant"]] = row
            wanted = {(a, d["facts_revision"]) for a, d in self.determination.items() if a in set(part)}
            if wanted:
                facts = await ApplicantFacts.select(ApplicantFacts.applicant, ApplicantFacts.revision,
                                                    ApplicantFacts.content).where(
                    ApplicantFacts.applicant.is_in(part)).run()
                for row in facts:
                    if (row["applicant"], row["revision"]) in wanted:
                        self.facts[row["applicant"], row["revision"]] = row["content"].encode()


def _standing(runtime: Runtime, service: Service, stored: Stored, applicant: int, snapshot: dt.date):
    """(Standing, None) for someone whose points count on the snapshot date, else (None, why)."""
    determination = stored.determination.get(applicant)
    status, reason = validity.assess(stored.events.get(applicant, []), determination, snapshot)
    if status not in (validity.VALID, validity.SUSPENDED_POINTS):
        return None, reason
    content = stored.facts.get((applicant, determination["facts_revision"]), b"{}")
    facts = runtime.engine.validate(content)
    score = runtime.engine.score(content, at=service.tenant, as_of=determination["as_of"])
    return standing(runtime.catalog, service, applicant=applicant, facts=facts, score=score, snapshot=snapshot,
                    permit_valid=status == validity.VALID), None


async def build(runtime: Runtime, service: Service, snapshot: dt.date) -> tuple[list[Candidate], list[Refusal]]:
    """The candidates of a round of `service` on `snapshot`, and every applicant not ranked with why."""
    area = sorted(t for t in runtime.catalog.tree.area(service.tenant) if t in runtime.catalog.tenants)
    rows = await ResidencePermit.select(ResidencePermit.applicant).where(ResidencePermit.tenant.is_in(area)).order_by(
        ResidencePermit.applicant).run()
    applicants = sorted({r["applicant"] for r in rows})
    stored = Stored()
    candidates: list[Candidate] = []
    refused: list[Refusal] = []
    if service.ranks_by == "own_score":
        for part in _chunks(applicants):
            await stored.load(part, snapshot)
            for applicant in part:
                own, why = _standing(runtime, service, stored, applicant, snapshot)
                if own is None:
                    refused.append(Refusal(applicant=applicant, reasons=[why]))
                    continue
                _add(candidate(runtime.catalog, service, applicant=applicant, snapshot=snapshot, own=own,
                               masked_name=mask_name(stored.people[applicant]["name"]),
                               masked_identity=stored.people[applicant]["identity_masked"]), candidates, refused)
        return candidates, refused
    # higher_parent_score: the children of the area who have a parent or guardian recorded
    links: dict[int, list[int]] = defaultdict(list)
    for part in _chunks(applicants):
        for row in await Guardianship.select(Guardianship.child, Guardianship.guardian).where(
                Guardianship.child.is_in(part)).run():
            links[row["child"]].append(row["guardian"])
    children = sorted(links)
    for part in _chunks(children, CHUNK // 4):
        await stored.load(part + [g for c in part for g in links[c]], snapshot)
        for child in part:
            parents = []
            for guardian in links[child]:
                theirs, _ = _standing(runtime, service, stored, guardian, snapshot)
                if theirs is not None:
                    parents.append(theirs)
            child_state, _ = validity.permit_state(stored.events.get(child, []), snapshot)
            person = stored.people[child]
            _add(candidate(runtime.catalog, service, applicant=child, snapshot=snapshot, parents=parents,
                           child_permit_valid=child_state == validity.VALID, born_on=person["born_on"],
                           masked_name=mask_name(person["name"]), masked_identity=person["identity_masked"]),
                 candidates, refused)
    return candidates, refused


def _add(result: Candidate | Refusal, candidates: list[Candidate], refused: list[Refusal]) -> None:
    (refused if isinstance(result, Refusal) else candidates).append(result)
