"""Who a round ranks, from what the platform stores: permits in the service tenant's area, the
determination in force on the snapshot date and its validity then (Hangzhou rules §21),
guardianships and birth dates for school places (§2); rounds/candidates.py does the rest.

A determination's points are recognised as the service's tenant sees them, as of the
determination's date (determined points do not grow by themselves; §18's adjustment is how
they change): a determination that tenant made is its stored result (the engine's
ScoreResult); one made elsewhere (before a move) has its facts revision scored through the
service tenant's chain.

Read a chunk of applicants at a time, only the columns needed: the stored result only of the
determinations in force, the facts only of the revisions determined, and of those only the
residence periods when no scoring is needed (a residence tie-break key reads nothing else).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec
from piccolo.columns import Column
from piccolo.query.functions.aggregate import Max
from piccolo.querystring import QueryString

from tierpoints.engine.results import ScoreResult
from tierpoints.features.points import validity
from tierpoints.packs.models import ResidenceKey, Service
from tierpoints.rounds.candidates import Refusal, candidate, standing
from tierpoints.rounds.ranking import Candidate
from tierpoints.runtime import Runtime
from tierpoints.store import piccolo_conf
from tierpoints.store.db import is_postgres
from tierpoints.store.tables import (
    Applicant,
    ApplicantFacts,
    Application,
    Determination,
    Guardianship,
    PermitEvent,
    ResidencePermit,
)

CHUNK = 10_000  # applicants a query asks about (IN lists stay well under both engines' limits)
COUNTS = (validity.VALID, validity.SUSPENDED_POINTS)


def mask_name(name: str) -> str:
    """李明 → 李*, 欧阳娜娜 → 欧***: the family name's first character only."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _utf8(column: Column) -> QueryString:
    """A text column read as its UTF-8 bytes, which msgspec decodes as they are (text would be
    decoded into str, and msgspec would encode that back to UTF-8)."""
    template = "convert_to({}, 'UTF8')" if is_postgres(piccolo_conf.DB) else "CAST({} AS BLOB)"
    return QueryString(template, column, alias=column._meta.name)


def _ids(ids: Iterable[int]) -> QueryString:
    """`column.is_in(_ids(...))`: the ids written into the SQL as integers, where piccolo would
    spend some microseconds binding each one as a parameter."""
    return QueryString(",".join(str(int(i)) for i in ids) or "NULL")


class _Period(msgspec.Struct, frozen=True, gc=False):
    start: dt.date
    end: dt.date | None
    tenant: str


class _Residence(msgspec.Struct, frozen=True, gc=False):
    """The facts a residence tie-break key reads (rounds/candidates.py key_value)."""

    residence: tuple[_Period, ...] = ()


_score = msgspec.json.Decoder(ScoreResult)
_residence = msgspec.json.Decoder(_Residence)


@dataclass
class Stored:
    """What a round of `service` on `snapshot` needs about a set of applicants."""

    service: Service
    snapshot: dt.date
    residence_keys: bool  # a tie-break key reads the residence periods in the facts
    rescore: bool = False  # score every determined facts revision again (a draft's policy: impact)
    people: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    determination: dict[int, dict[str, Any]] = field(default_factory=dict)  # in force, its result as bytes
    facts: dict[int, str] = field(default_factory=dict)  # the revision determined, where it is read

    async def load(self, applicant_ids: list[int]) -> None:
        for part in _chunks(sorted({a for a in applicant_ids if a not in self.people})):
            for row in await Applicant.select(Applicant.id, Applicant.name, Applicant.identity_masked,
                                              Applicant.born_on).where(Applicant.id.is_in(_ids(part))).run():
                self.people[row["id"]] = row
            newest_permit = ResidencePermit.select(Max(ResidencePermit.id)).where(  # the one in force
                ResidencePermit.applicant.is_in(_ids(part))).group_by(ResidencePermit.applicant)
            for event in await PermitEvent.select(
                    PermitEvent.permit.applicant.as_alias("applicant"), PermitEvent.at, PermitEvent.day,
                    PermitEvent.action, PermitEvent.status, PermitEvent.ground,
            ).where(PermitEvent.permit.is_in(newest_permit)).order_by(PermitEvent.id).run():
                self.events[event["applicant"]].append(event)
            await self._load_determinations(part)
        await self._load_facts({a: d["facts_revision"] for a, d in self.determination.items()
                                if a not in self.facts and (self.residence_keys or not self._reuses(d))})

    def _reuses(self, determination: dict[str, Any]) -> bool:
        """The stored result is the score as the service's tenant sees it (under today's policy)."""
        return not self.rescore and determination["tenant"] == self.service.tenant

    async def _load_determinations(self, part: list[int]) -> None:
        """The newest determination made by the snapshot date: in force then. (From the applications
        down, by the indexes: the stored result makes every row long, and SQLite keeps the columns
        after it on its overflow pages.)"""
        applicant = {r["id"]: r["applicant"] for r in await Application.select(
            Application.id, Application.applicant).where(Application.applicant.is_in(_ids(part))).run()}
        newest: dict[int, int] = {}
        if applicant:
            for row in await Determination.select(Determination.id, Determination.application).where(
                    Determination.application.is_in(_ids(applicant)) & (Determination.as_of <= self.snapshot)).run():
                whose = applicant[row["application"]]
                newest[whose] = max(newest.get(whose, 0), row["id"])
        if newest:
            for row in await Determination.select(
                    Determination.id, Determination.application, Determination.tenant, Determination.as_of,
                    Determination.vetoed, Determination.used_on, Determination.used_for, Determination.facts_revision,
                    _utf8(Determination.result)).where(Determination.id.is_in(_ids(newest.values()))).run():
                self.determination[applicant[row["application"]]] = row

    async def _load_facts(self, revision: dict[int, int]) -> None:
        """The facts revision determined of each applicant in `revision` (keys: applicant ids)."""
        for part in _chunks(sorted(revision)):
            rows = await ApplicantFacts.select(
                ApplicantFacts.id, ApplicantFacts.applicant, ApplicantFacts.revision,
            ).where(ApplicantFacts.applicant.is_in(_ids(part))).run()
            wanted = [r["id"] for r in rows if revision[r["applicant"]] == r["revision"]]
            if wanted:
                for row in await ApplicantFacts.select(ApplicantFacts.applicant, ApplicantFacts.content).where(
                        ApplicantFacts.id.is_in(_ids(wanted))).run():
                    self.facts[row["applicant"]] = row["content"]

    def standing_of(self, runtime: Runtime, applicant: int):
        """(Standing, None) for someone whose points count on the snapshot date, else (None, why)."""
        service, determination = self.service, self.determination.get(applicant)
        status, reason = validity.assess(self.events.get(applicant, []), determination, self.snapshot)
        if status not in COUNTS:
            return None, reason
        content = self.facts.get(applicant, "{}")
        if self._reuses(determination):
            score = _score.decode(determination["result"])
            facts = _residence.decode(content) if self.residence_keys else None
        else:
            facts = runtime.engine.validate(content)
            score = runtime.engine.score(facts, at=service.tenant, as_of=determination["as_of"])
        return standing(runtime.catalog, service, applicant=applicant, facts=facts, score=score,
                        snapshot=self.snapshot, permit_valid=status == validity.VALID), None


async def build(runtime: Runtime, service: Service, snapshot: dt.date,
                rescore: bool = False) -> tuple[list[Candidate], list[Refusal]]:
    """The candidates of a round of `service` on `snapshot`, and every applicant not ranked with why;
    `rescore`: score the determined facts under `runtime.engine` even where a result is stored."""
    area = sorted(t for t in runtime.catalog.tree.area(service.tenant) if t in runtime.catalog.tenants)
    rows = await ResidencePermit.select(ResidencePermit.applicant).where(ResidencePermit.tenant.is_in(area)).run()
    applicants = sorted({r["applicant"] for r in rows})
    residence_keys = any(isinstance(key.derive, ResidenceKey) for key in runtime.catalog.tie_breaks(service))
    candidates: list[Candidate] = []
    refused: list[Refusal] = []
    if service.ranks_by == "own_score":
        for part in _chunks(applicants):
            stored = Stored(service, snapshot, residence_keys, rescore)  # one chunk at a time in memory
            await stored.load(part)
            for applicant in part:
                own, why = stored.standing_of(runtime, applicant)
                if own is None:
                    refused.append(Refusal(applicant=applicant, reasons=[why]))
                    continue
                person = stored.people[applicant]
                _add(candidate(runtime.catalog, service, applicant=applicant, snapshot=snapshot, own=own,
                               masked_name=mask_name(person["name"]), masked_identity=person["identity_masked"]),
                     candidates, refused)
        return candidates, refused
    # higher_parent_score: the children of the area who have a parent or guardian recorded
    links: dict[int, list[int]] = defaultdict(list)
    for part in _chunks(applicants):
        for row in await Guardianship.select(Guardianship.child, Guardianship.guardian).where(
                Guardianship.child.is_in(_ids(part))).run():
            links[row["child"]].append(row["guardian"])
    children = sorted(links)
    for part in _chunks(children, CHUNK // 4):
        stored = Stored(service, snapshot, residence_keys, rescore)
        await stored.load(part + [g for c in part for g in links[c]])
        for child in part:
            parents = []
            for guardian in links[child]:
                theirs, _ = stored.standing_of(runtime, guardian)
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
