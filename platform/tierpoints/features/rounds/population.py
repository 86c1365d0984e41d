"""Who a round ranks, from what the platform stores: permits in the service tenant's area, the
determination in force on the snapshot date and its validity then (Hangzhou rules §21),
guardianships and birth dates for school places (§2); rounds/candidates.py does the rest.

A determination's points are recognised as the service's tenant sees them, as of the
determination's date (determined points do not grow by themselves; §18's adjustment is how
they change): a determination that tenant made is read as its ranking basis, stored with it
(rounds/candidates.py Basis: tier points, indicator and category points, vetoes, residence
periods; a few hundred bytes); one made elsewhere (before a move) has its facts revision
scored through the service tenant's chain.

Two lanes, one answer. Most people of a round are plain: their permit valid and unchanged
since before the snapshot date (residence_permit.changed_on), their points determined by the
service's tenant, not vetoed, not used, at least the minimum. One query reads their masked name
and identity and the key vector of their determination (one row each, streamed); a batch of
vectors becomes tie-break values on the snapshot date in numpy (rounds/candidates.py
vector_keys), or, for a vector written under another layout of keys, the Basis is read. The
same row refuses those with such a permit and no points determined (most who never applied).
Everyone else — suspended, moved, terminated or changed after the snapshot, determined elsewhere,
vetoed, used, below the minimum — goes through the exact lane: the permit's events, the
determination's row, validity.assess, a reason for every refusal. Each lane gives what the other
would (tests/test_rounds.py checks the plain lane against the exact one for everyone).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import msgspec
import numpy as np

from tierpoints.features.points import validity
from tierpoints.packs.models import Service
from tierpoints.rounds.candidates import (
    Basis,
    Refusal,
    basis_decoder,
    basis_of,
    candidate,
    key_layout,
    key_readers,
    standing_of_basis,
    vector_keys,
)
from tierpoints.rounds.ranking import Candidate, CandidateColumns
from tierpoints.runtime import Runtime
from tierpoints.store.bulk import as_date, as_moment, fetch_tuples, stream_tuples

CHUNK = 10_000  # applicants a query asks about (IN lists stay well under both engines' limits)
COUNTS = (validity.VALID, validity.SUSPENDED_POINTS)
bases_decoder = msgspec.json.Decoder(list[Basis])


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _ids(ids: Iterable[int]) -> str:
    """Ids written into the SQL as integers (binding each as a parameter costs more than the query)."""
    return ",".join(str(int(i)) for i in ids) or "NULL"


class Person(NamedTuple):
    name_masked: str
    identity_masked: str
    born_on: Any  # as the driver gives it: read with store/bulk.py as_date (only school places need it)


@dataclass
class Stored:
    """What a round of `service` on `snapshot` needs about a set of applicants."""

    service: Service
    snapshot: dt.date
    keys: tuple  # rounds/candidates.py key_readers(service, snapshot)
    rescore: bool = False  # score every determined facts revision again (a draft's policy: impact)
    people: dict[int, Person] = field(default_factory=dict)
    events: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    determination: dict[int, dict[str, Any]] = field(default_factory=dict)  # in force: its ranking_basis row
    facts: dict[int, str] = field(default_factory=dict)  # the revision determined, where it is scored again
    loaded: set[int] = field(default_factory=set)

    async def load(self, applicant_ids: list[int]) -> None:
        """People (those not given already), the events of their newest permit, the determination in
        force on the snapshot date, as short rows (store/bulk.py); the facts only of those scored again."""
        for part in _chunks(sorted({a for a in applicant_ids if a not in self.loaded})):
            self.loaded.update(part)
            ids = _ids(part)
            if missing := [a for a in part if a not in self.people]:
                for applicant, name_masked, identity_masked, born_on in await fetch_tuples(
                        "SELECT id, name_masked, identity_masked, born_on FROM applicant "
                        f"WHERE id IN ({_ids(missing)})"):
                    self.people[applicant] = Person(name_masked, identity_masked, born_on)
            holder = dict(await fetch_tuples(f"SELECT id, applicant FROM residence_permit WHERE applicant IN ({ids})"))
            # two queries, not a join: PostgreSQL would hash-join a scan of every event
            rows = list(await fetch_tuples(  # sorted here: SQLite's ORDER BY would cost more than the query
                "SELECT permit, id, at, day, action, status, ground FROM permit_event "
                f"WHERE permit IN ({_ids(holder)})"))
            rows.sort(key=lambda row: (row[0], row[1]))
            permit: dict[int, int] = {}  # the newest permit is the one in force
            for permit_id, _, at, day, action, status, ground in rows:
                applicant = holder[permit_id]
                if permit.setdefault(applicant, permit_id) != permit_id:
                    permit[applicant] = permit_id
                    self.events[applicant].clear()
                self.events[applicant].append({"day": as_date(day), "at": None if day else as_moment(at),
                                               "action": action, "status": status, "ground": ground})
            for row in await fetch_tuples(  # the newest made by the snapshot date is in force then
                    "SELECT determination, applicant, tenant, as_of, vetoed, used_on, used_for, facts_revision, "
                    f"basis FROM ranking_basis WHERE applicant IN ({ids}) AND as_of <= '{self.snapshot.isoformat()}'"):
                held = self.determination.get(row[1])
                if held is None or row[0] > held["id"]:
                    self.determination[row[1]] = {
                        "id": row[0], "tenant": row[2], "as_of": as_date(row[3]), "vetoed": bool(row[4]),
                        "used_on": as_date(row[5]), "used_for": row[6], "facts_revision": row[7], "basis": row[8]}
        await self._load_facts({a: d["facts_revision"] for a, d in self.determination.items()
                                if a not in self.facts and not self._reuses(d)})

    def _reuses(self, determination: dict[str, Any]) -> bool:
        """The stored basis is the score as the service's tenant sees it (under today's policy)."""
        return not self.rescore and determination["tenant"] == self.service.tenant

    async def _load_facts(self, revision: dict[int, int]) -> None:
        """The facts revision determined of each applicant in `revision` (keys: applicant ids)."""
        for part in _chunks(sorted(revision)):
            wanted = [row[0] for row in await fetch_tuples(
                f"SELECT id, applicant, revision FROM applicant_facts WHERE applicant IN ({_ids(part)})")
                if revision[row[1]] == row[2]]
            for applicant, content in await fetch_tuples(
                    f"SELECT applicant, content FROM applicant_facts WHERE id IN ({_ids(wanted)})"):
                self.facts[applicant] = content

    def standing_of(self, runtime: Runtime, applicant: int):
        """(Standing, None) for someone whose points count on the snapshot date, else (None, why)."""
        determination = self.determination.get(applicant)
        status, reason = validity.assess(self.events.get(applicant, []), determination, self.snapshot)
        if status not in COUNTS:
            return None, reason
        if self._reuses(determination):
            basis = basis_decoder.decode(determination["basis"])
        else:
            facts = runtime.engine.decode_stored(self.facts.get(applicant, "{}").encode())  # validated when recorded
            basis = basis_of(runtime.engine.score(facts, at=self.service.tenant, as_of=determination["as_of"]), facts)
        return standing_of_basis(self.keys, applicant=applicant, basis=basis,
                                 permit_valid=status == validity.VALID), None


# a holder's newest permit is the one in force (every query of the area reads only it)
NEWEST_PERMIT = "NOT EXISTS (SELECT 1 FROM residence_permit q WHERE q.applicant = p.applicant AND q.id > p.id)"


def _area(runtime: Runtime, service: Service) -> str:
    """The tenants of the service's area, as SQL."""
    tenants = sorted(runtime.catalog.tree.area(service.tenant) & set(runtime.catalog.tenants))
    return ",".join(f"'{t}'" for t in tenants) or "NULL"


def _plain_lane_sql(area: str, service: Service, snapshot: dt.date, layout: str) -> str:
    """Each holder of a permit in `area` (their newest permit): masked name and identity number (a
    round never reads whole names), whether they are plain (module doc), and of the determination
    in force on the snapshot date the key vector where it was written under `layout`, else the
    Basis; last, whether their permit is valid and unchanged but they have no points determined
    by then. The ids and dates are the platform's own (pack ids, an ISO date, a hex digest), written
    into the SQL as store/bulk.py does."""
    day = snapshot.isoformat()
    unchanged = f"p.status = 'valid' AND p.changed_on <= '{day}'"  # valid then, and still
    return (
        "SELECT p.applicant, a.name_masked, a.identity_masked, "
        f"CASE WHEN b.key_layout = '{layout}' AND b.key_vector IS NOT NULL THEN NULL ELSE b.basis END, "
        f"{unchanged} AND b.tenant = '{service.tenant}' "
        f"AND b.vetoed = false AND (b.used_on IS NULL OR b.used_on > '{day}'), "
        f"CASE WHEN b.key_layout = '{layout}' THEN b.key_vector END, "
        f"{unchanged} AND b.determination IS NULL "
        "FROM residence_permit p JOIN applicant a ON a.id = p.applicant "
        f"LEFT JOIN ranking_basis b ON b.applicant = p.applicant AND b.as_of <= '{day}' "
        "AND NOT EXISTS (SELECT 1 FROM ranking_basis n WHERE n.applicant = p.applicant "
        f"AND n.as_of <= '{day}' AND n.determination > b.determination) "
        f"WHERE p.tenant IN ({area}) AND {NEWEST_PERMIT}"
    )


async def plain_lane(runtime: Runtime, service: Service, snapshot: dt.date,
                     keys: tuple) -> tuple[CandidateColumns, list[Refusal], dict[int, Person]]:
    """The candidates of the plain people of an own-score round (module doc), the refusals of those
    whose permit is valid and unchanged but who have no points determined (most who never applied),
    and everyone else in its area (masked name and identity as read) for the exact lane. A plain
    person's keys come from their key vector (numpy, a batch at a time) or, where it was written
    under another layout, their Basis."""
    catalog = runtime.catalog
    layout, service_keys = key_layout(catalog, service.tenant), catalog.tie_breaks(service)
    widths = len(service_keys), layout.tiers
    minimum = service.eligibility.min_points
    parts: list[CandidateColumns] = []
    refused: list[Refusal] = []
    others: dict[int, Person] = {}
    no_points = [validity.no_points(snapshot)]  # validity.assess's reason for them
    sql = _plain_lane_sql(_area(runtime, service), service, snapshot, layout.name)
    async for rows in stream_tuples(sql, CHUNK):
        vectored, based = [], []
        for row in rows:
            if row[4]:
                (based if row[5] is None else vectored).append(row)
            elif row[6]:
                refused.append(Refusal(applicant=row[0], reasons=no_points))
            else:
                others[row[0]] = Person(row[1], row[2], None)
        if vectored:
            numbers = np.frombuffer(b"".join([row[5] for row in vectored]), "<f8").reshape(-1, layout.width)
            enough = numbers[:, 1] >= minimum
            if not enough.all():  # refused: the exact lane gives the reason
                flags = enough.tolist()
                others.update((row[0], Person(row[1], row[2], None)) for row, ok in zip(vectored, flags) if not ok)
                vectored, numbers = [row for row, ok in zip(vectored, flags) if ok], numbers[enough]
            applicants = np.fromiter([row[0] for row in vectored], np.int64, len(vectored))
            parts.append(CandidateColumns(
                applicants, numbers[:, 1].copy(), vector_keys(layout, service_keys, numbers, snapshot),
                numbers[:, 2:2 + layout.tiers].copy(), [row[1] for row in vectored],
                [row[2] for row in vectored], applicants))
        candidates = []
        bases = bases_decoder.decode("[" + ",".join([row[3] for row in based]) + "]")  # one call a batch
        for (applicant, name_masked, identity_masked, *_), basis in zip(based, bases):
            if basis.total < minimum:
                others[applicant] = Person(name_masked, identity_masked, None)
                continue
            candidates.append(Candidate(applicant, basis.total, tuple([read(basis) for read in keys]),
                                        basis.tiers, name_masked, identity_masked))
        parts.append(CandidateColumns.of(candidates, *widths))
    return CandidateColumns.join(parts, *widths), refused, others


async def exact_lane(runtime: Runtime, service: Service, snapshot: dt.date, keys: tuple, applicants: list[int],
                     rescore: bool = False, people: dict[int, Person] | None = None,
                     ) -> tuple[list[Candidate], list[Refusal]]:
    """The candidates and refusals among `applicants` of an own-score round, read and judged one
    by one (permit events, determination row, validity.assess); `people`: those read already."""
    candidates: list[Candidate] = []
    refused: list[Refusal] = []
    for part in _chunks(sorted(applicants)):
        stored = Stored(service, snapshot, keys, rescore)  # one chunk at a time in memory
        if people:
            stored.people.update((applicant, people[applicant]) for applicant in part if applicant in people)
        await stored.load(part)
        for applicant in part:
            own, why = stored.standing_of(runtime, applicant)
            if own is None:
                refused.append(Refusal(applicant=applicant, reasons=[why]))
                continue
            person = stored.people[applicant]
            _add(candidate(runtime.catalog, service, applicant=applicant, snapshot=snapshot, own=own,
                           masked_name=person.name_masked, masked_identity=person.identity_masked),
                 candidates, refused)
    return candidates, refused


async def area_applicants(runtime: Runtime, service: Service) -> list[int]:
    """Everyone whose newest permit is in the service's area, ascending."""
    return sorted(row[0] for row in await fetch_tuples(
        f"SELECT p.applicant FROM residence_permit p WHERE p.tenant IN ({_area(runtime, service)}) "
        f"AND {NEWEST_PERMIT}"))


async def build(runtime: Runtime, service: Service, snapshot: dt.date,
                rescore: bool = False) -> tuple[CandidateColumns, list[Refusal]]:
    """The candidates of a round of `service` on `snapshot`, and every applicant not ranked with why;
    `rescore`: score the determined facts under `runtime.engine` even where a result is stored."""
    keys = key_readers(runtime.catalog, service, snapshot)
    widths = len(keys), len(runtime.catalog.chain(service.tenant))
    if service.ranks_by == "own_score":
        if rescore:  # a draft policy's view (impact): nobody's stored basis holds
            candidates, refused = await exact_lane(runtime, service, snapshot, keys,
                                                   await area_applicants(runtime, service), True)
            return CandidateColumns.of(candidates, *widths), refused
        plain, refused, others = await plain_lane(runtime, service, snapshot, keys)
        more, refused_exactly = await exact_lane(runtime, service, snapshot, keys, list(others), people=others)
        refused = sorted(refused + refused_exactly, key=lambda refusal: refusal.applicant)
        return CandidateColumns.join([plain, CandidateColumns.of(more, *widths)], *widths), refused

    # higher_parent_score: the children of the area who have a parent or guardian recorded
    applicants = await area_applicants(runtime, service)
    candidates: list[Candidate] = []
    refused: list[Refusal] = []
    links: dict[int, list[int]] = defaultdict(list)
    for part in _chunks(applicants):
        for child, guardian in await fetch_tuples(
                f"SELECT child, guardian FROM guardianship WHERE child IN ({_ids(part)}) ORDER BY id"):
            links[child].append(guardian)
    for part in _chunks(sorted(links), CHUNK // 4):
        stored = Stored(service, snapshot, keys, rescore)
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
                           child_permit_valid=child_state == validity.VALID, born_on=as_date(person.born_on),
                           masked_name=person.name_masked, masked_identity=person.identity_masked),
                 candidates, refused)
    return CandidateColumns.of(candidates, *widths), refused


def _add(result: Candidate | Refusal, candidates: list[Candidate], refused: list[Refusal]) -> None:
    (refused if isinstance(result, Refusal) else candidates).append(result)
