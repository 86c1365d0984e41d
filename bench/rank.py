"""Benchmark: rank a service round of a million eligible applicants (issue #5, scale).

    python bench/rank.py [--count 1000000] [--repeat 3]

Generates candidates for a Hangzhou settlement round with the tie structure of real
points: totals on a 0.25 grid and bunched (most people hold the same few diplomas, ages and
homes), registered residence clustered on whole years, social-insurance points that
follow residence, basic points that contain both. Then times, best of N:

- baseline: a plain `sorted()` of the candidates by the same keys (total, then the three
  tie-breaks, all descending), which gives neither joint ranks nor a fixed order for ties;
- rank: the ranking (competition ranks, fixed listing of joint groups, entry columns);
- hash: the canonical snapshot document and its SHA-256;
- allocate, and diff against a corrected version (20 totals changed, everyone between moves),

each also as a ratio against the baseline measured in the same run (machines here are
noisy: compare ratios). It also checks that shuffled input gives the same hash.

    python bench/rank.py --stored 1000000 [--database-url postgresql://user:password@host/NEW_DB]

End to end from stored scores instead: sets up its own database (a temporary SQLite file, or
a new database NEW_DB on that PostgreSQL server, dropped afterwards; it must not exist yet),
migrates it, syncs the packs and bulk-inserts N applicants with permits in Hangzhou (and one
in twenty more in Ningbo, outside the round's area) as the platform would hold them: two facts
revisions each (the first items approved, then all), the points determined on the second (the
engine's explained result and the ranking basis as `determine` stores them, on a weekday before
the snapshot), with
the same tie structure as above (residence registered around the same dates, the same few
diplomas and homes). Some have an older determination superseded, a newer one after the
snapshot, points already used, a veto, a suspended, restored or terminated permit; 2% were
determined in Ningbo before they moved (their facts are scored again as Hangzhou sees them).
The set-up is timed apart. Then it times, best of --repeat, a round of Hangzhou's settlement
service on the snapshot date:

- read + build: features/rounds/population.build — the plain lane (one streamed row a permit
  holder: masked name and identity, the key vector of the determination in force, read into
  numpy) and the exact lane for everyone else (permit events, validity on the date, refusals
  with their reasons; the facts of those determined elsewhere scored again),
- rank, and hash (as above),

against a plain `sorted()` of the candidates it built by the same keys, in the same run (the
candidates as Python objects, made outside the timing).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import itertools
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import msgspec
import numpy as np

from tierpoints.features.applicants.identity import mask_name
from tierpoints.rounds import Candidate, RankingInputs, TieBreak, allocate, diff, rank
from tierpoints.rounds.candidates import basis_of, key_layout, key_vector, residence_facts

SNAPSHOT = dt.date(2026, 11, 28)
INPUTS = RankingInputs(
    tenant="hangzhou", service="settlement", snapshot=SNAPSHOT,
    tie_breaks=(TieBreak("registered_residence"), TieBreak("social_insurance_points"), TieBreak("basic_points")),
    tiers=("zhejiang", "hangzhou"), policy=("zhejiang 2022-01-01", "hangzhou 2016-01-01"),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def best_of(repeat: int, function, *args):
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - started)
    return result, best


def generate(count: int, seed: int = 7) -> list[Candidate]:
    """Candidates with the values the Hangzhou packs would give (tenants/*/indicators)."""
    rng = np.random.default_rng(seed)
    # registered residence in Hangzhou, full months: clustered on whole years (people register
    # around the same dates: spring festival, the school year), the rest spread over the year
    years = np.minimum(rng.geometric(0.12, count) - 1, 20)
    months = years * 12 + np.where(rng.random(count) < 0.4, rng.integers(0, 2, count), rng.integers(0, 12, count))
    # pension insurance in Hangzhou follows residence (a share of it), elsewhere in Zhejiang a little
    si_hz = np.floor(months * np.where(rng.random(count) < 0.15, 0.0, rng.uniform(0.3, 1.0, count)))
    si_zj = si_hz + rng.choice([0, 12, 24], count, p=[0.8, 0.15, 0.05])
    si_points = np.minimum(si_zj * 0.5, 30) + np.minimum(si_hz * 0.25, 75)  # province + Hangzhou
    age_years = rng.integers(20, 61, count)  # the province's age bands
    age = np.where(age_years <= 40, 20, np.where(age_years <= 54, 19 - (age_years - 41), 5))
    education = rng.choice([5, 8, 10], count, p=[0.6, 0.2, 0.2])
    skill = rng.choice([0, 3, 5, 8, 10], count, p=[0.55, 0.15, 0.15, 0.1, 0.05])
    residence_zj = np.minimum(months * 0.25, 20)
    edu_or_title = rng.choice([0, 50, 70, 80, 90, 100], count, p=[0.7, 0.18, 0.06, 0.03, 0.02, 0.01])
    employment = np.where(si_hz > 0, 10, 0)
    housing = np.where(rng.random(count) < 0.1, 40, np.minimum(years * 8, 40) * (rng.random(count) < 0.5))
    residence_hz = np.minimum(years * 3, 45)
    basic = age + education + skill + residence_zj + edu_or_title + employment + housing + residence_hz + si_points
    additional = rng.choice([0, 2, 4, 5, 10], count, p=[0.7, 0.1, 0.05, 0.1, 0.05])
    deduction = np.where(rng.random(count) < 0.01, -5, 0)
    province = np.minimum(age + education + skill + np.minimum(si_zj * 0.5, 30) + residence_zj, 100)
    city = np.minimum(edu_or_title + employment + housing + residence_hz + np.minimum(si_hz * 0.25, 75)
                      + additional, 150) + deduction
    total = province + city
    applicants = rng.permutation(count) + 1  # database ids, in no particular order
    names = [SURNAMES[i] + "*" for i in rng.integers(0, len(SURNAMES), count).tolist()]
    tails = rng.integers(0, 10_000, count).tolist()
    return [
        Candidate(a, t, (m, s, b), (p, c), n, f"330***********{tail:04d}")
        for a, t, m, s, b, p, c, n, tail in zip(
            applicants.tolist(), total.tolist(), months.astype(float).tolist(), si_points.tolist(),
            basic.tolist(), province.tolist(), city.tolist(), names, tails)
    ]


def tie_structure(ranking) -> str:
    n = len(ranking)
    keys, total = ranking.keys, ranking.total
    same = total[1:] == total[:-1]
    shares = [f"total {100 * same.sum() / n:.1f}%"]
    for j, tie in enumerate(ranking.inputs.tie_breaks):
        same &= keys[1:, j] == keys[:-1, j]
        shares.append(f"+{tie.key} {100 * same.sum() / n:.1f}%")
    groups = ranking.joint_groups()
    in_groups = sum(end - start for _, start, end in groups)
    return (f"{len(np.unique(total)):,} distinct totals; candidates tied with the one above on "
            + ", ".join(shares) + f"; {len(groups):,} joint ranks holding {in_groups:,} candidates")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N for each figure")
    parser.add_argument("--stored", type=int, metavar="N", default=None,
                        help="end to end from a database of N applicants instead (module doc)")
    parser.add_argument("--database-url", default=None,
                        help="with --stored: postgresql://user:password@host/NEW_DB, created and dropped "
                             "(default: a temporary SQLite file)")
    parser.add_argument("--keep", action="store_true",
                        help="with --stored: keep the database afterwards (prints where it is)")
    args = parser.parse_args()
    if args.stored is not None:
        return stored(args, parser)

    candidates, generated = best_of(1, generate, args.count)
    gc.freeze()  # a million long-lived candidates: keep the collector from rescanning them
    n = len(candidates)

    def baseline():
        return sorted(candidates, key=lambda c: (-c.total, -c.keys[0], -c.keys[1], -c.keys[2]))

    def hashed(ranking):
        ranking._document = ranking._hash = None  # measure it, not the cache
        return ranking.hash

    _, base = best_of(args.repeat, baseline)
    ranking, rank_time = best_of(args.repeat, rank, candidates, INPUTS)
    digest, hash_time = best_of(args.repeat, hashed, ranking)
    quota = n // 10
    allocation, allocate_time = best_of(args.repeat, allocate, ranking, quota, "office_decides")

    shuffled = list(candidates)
    np.random.default_rng(1).shuffle(shuffled)
    same_hash = rank(shuffled, INPUTS).hash == digest
    corrected = list(candidates)
    for index in range(0, n, max(1, n // 20)):  # a correction after objections: 20 totals up 2.5
        c = corrected[index]
        corrected[index] = Candidate(c.applicant, c.total + 2.5, c.keys, c.tiers, c.masked_name,
                                     c.masked_identity)
    version = rank(corrected, INPUTS)
    changes, diff_time = best_of(args.repeat, diff, ranking, version)

    def line(label: str, seconds: float) -> None:
        print(f"{label:<36}{seconds:>8.3f} s   {seconds / base:>7.2f} x baseline")

    print(f"candidates: {n:,} for {INPUTS.tenant}/{INPUTS.service} on {SNAPSHOT} (generated in {generated:.1f} s)")
    print(tie_structure(ranking))
    line("baseline: plain sorted() by the keys", base)
    line("rank (joint ranks, fixed listing)", rank_time)
    line("hash (snapshot document + SHA-256)", hash_time)
    line("rank + hash", rank_time + hash_time)
    line(f"allocate {quota:,} places", allocate_time)
    line(f"diff, {len(changes.moves):,} moved", diff_time)
    print(f"snapshot {len(ranking.document()) / 1e6:,.1f} MB, sha256 {digest[:16]}…; "
          f"shuffled input, same hash: {same_hash}")
    boundary = allocation.boundary
    if boundary is not None:
        print(f"quota boundary: rank {boundary.rank} shared by {len(boundary.applicants):,} for "
              f"{boundary.places_left:,} places left → pending for the office; granted {len(allocation.granted):,}")


# --- end to end from stored scores (--stored N) -------------------------------------------------

FIRST_DETERMINED = dt.date(2025, 12, 1)  # determinations fall on the weekdays from here to the snapshot
OTHER_CITY = "ningbo"  # every 20th applicant lives there: outside the round's area
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
EDUCATION = (["junior_high", "senior_high", "junior_college", "bachelor", "master", "doctorate"],
             [0.22, 0.2, 0.22, 0.28, 0.07, 0.01])
QUALIFICATION = ([None, "skill_level_5", "skill_level_4", "skill_level_3", "skill_level_2", "intermediate_title",
                  "skill_level_1", "deputy_senior_title", "senior_title"],
                 [0.55, 0.03, 0.14, 0.1, 0.04, 0.08, 0.03, 0.02, 0.01])
ELSEWHERE = [("zhejiang", "ningbo"), ("zhejiang", "wenzhou"), ("anhui", "hefei"), ("jiangxi", "shangrao")]
BATCH = 20_000  # applicants generated and inserted at a time
COLUMNS = {
    "applicant": ("id", "name", "name_masked", "identity_lookup", "identity_masked", "born_on", "account",
                  "created_at"),
    "residence_permit": ("id", "applicant", "number", "tenant", "status", "issued_on", "updated_at", "changed_on"),
    "permit_event": ("id", "permit", "at", "day", "action", "from_tenant", "to_tenant", "status", "reason",
                     "ground", "actor"),
    "applicant_facts": ("id", "applicant", "revision", "content", "tenant", "recorded_by", "recorded_at"),
    "application": ("id", "applicant", "tenant", "status", "kind", "acceptance_number", "idempotency_key",
                    "request_digest", "channel", "accepted_by", "agent_name", "agent_relationship", "agent_proof",
                    "declarations", "accepted_on", "accepted_at", "lookup_from", "lookup_rule", "updated_at"),
    "determination": ("id", "application", "tenant", "as_of", "total", "vetoed", "result", "facts_revision",
                      "occasion", "determined_by", "determined_at", "superseded_by", "used_on", "used_for"),
    "ranking_basis": ("id", "determination", "applicant", "tenant", "as_of", "vetoed", "facts_revision", "used_on",
                      "used_for", "basis", "key_layout", "key_vector"),
}


def day(ordinal: int) -> dt.date:
    return dt.date.fromordinal(int(ordinal))


def moment(ordinal: int) -> dt.datetime:
    """10 o'clock in China on that day."""
    return dt.datetime.combine(day(ordinal), dt.time(2, 0), tzinfo=dt.UTC)


class Population:
    """Applicants as the platform stores them, a batch of rows at a time (module doc)."""

    def __init__(self, engine, seed: int = 7):
        self.engine, self.rng = engine, np.random.default_rng(seed)
        self.ids = dict.fromkeys(COLUMNS, 0)
        first, last = FIRST_DETERMINED.toordinal(), SNAPSHOT.toordinal()
        self.weekdays = np.array([d for d in range(first, last) if day(d).weekday() < 5])
        self.scoring = 0.0  # seconds spent in the engine
        self.layouts = {tenant: key_layout(engine.catalog, tenant) for tenant in ("hangzhou", OTHER_CITY)}

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def score(self, facts: bytes, tenant: str, as_of: int):
        started = time.perf_counter()
        result = self.engine.score(facts, at=tenant, as_of=day(as_of))
        self.scoring += time.perf_counter() - started
        return result

    def batch(self, first: int, count: int) -> dict[str, list[tuple]]:
        rng, rows = self.rng, {table: [] for table in COLUMNS}
        determined = rng.choice(self.weekdays, count)
        # registered residence: whole years, clustered on the same dates (after the Spring
        # Festival, the school year), the rest spread over the year
        years = np.minimum(rng.geometric(0.12, count) - 1, 20)
        seasonal = rng.random(count) < 0.4
        month = np.where(seasonal, rng.choice([3, 9], count), rng.integers(1, 13, count))
        day_of_month = np.where(seasonal, 1, rng.integers(1, 29, count))
        age = rng.integers(20, 59, count)
        education = rng.choice(len(EDUCATION[0]), count, p=EDUCATION[1])
        qualification = rng.choice(len(QUALIFICATION[0]), count, p=QUALIFICATION[1])
        u = rng.random((count, 16))
        small = rng.integers(0, 25, (count, 12))  # months, days, counts
        for k in range(count):
            applicant = first + k
            home = OTHER_CITY if applicant % 20 == 0 else "hangzhou"
            moved = home == "hangzhou" and u[k, 0] < 0.02  # determined in Ningbo, then moved here
            where = OTHER_CITY if moved else home
            on = int(determined[k])
            start = dt.date(day(on).year - int(years[k]), int(month[k]), int(day_of_month[k])).toordinal()
            if start > on - 31:
                start -= 365
            facts: dict = {"birth_date": day(on - 365 * int(age[k]) - int(small[k, 0]) * 14).isoformat(),
                           "education": EDUCATION[0][education[k]]}
            first_revision = dict(facts)
            if QUALIFICATION[0][qualification[k]]:
                facts["qualifications"] = [QUALIFICATION[0][qualification[k]]]
            residence = [{"start": day(start).isoformat(), "end": None, "tenant": where}]
            insurance = []
            paid_from = start + 30 * int(small[k, 1])
            if u[k, 1] < 0.85 and paid_from < on:
                stopped = min(on - 1, paid_from + 30 * (6 + int(small[k, 2])))
                paid_until = None if u[k, 2] < 0.9 else day(stopped).isoformat()
                insurance.append({"start": day(paid_from).isoformat(), "end": paid_until, "province": "zhejiang",
                                  "city": where, "pension": True})
            if u[k, 3] < 0.2:  # lived elsewhere before
                province, city = ELSEWHERE[int(small[k, 3]) % len(ELSEWHERE)]
                before = start - 365 * (1 + int(small[k, 4]) % 4)
                residence.insert(0, {"start": day(before).isoformat(), "end": day(start - 1).isoformat(),
                                     "tenant": city})
                if u[k, 4] < 0.7:
                    insurance.insert(0, {"start": day(before).isoformat(), "end": day(start - 1).isoformat(),
                                         "province": province, "city": city, "pension": True})
            facts["residence"] = residence
            if insurance:
                facts["social_insurance"] = insurance
            if insurance and insurance[-1]["end"] is None:
                kind = "labor_contract" if u[k, 5] < 0.9 else "individual_business"
                facts["employment"] = [{"kind": kind, "tenant": where, "insured": True}]
            if u[k, 6] < 0.1 and start + 365 < on:
                facts["housing"] = [{"kind": "owned", "tenant": where, "start": day(start + 365).isoformat(),
                                     "end": None}]
            elif u[k, 6] < 0.5:
                facts["housing"] = [{"kind": "rented", "tenant": where, "start": day(start).isoformat(), "end": None}]
            if u[k, 7] < 0.15:
                facts["blood_donations"] = 1 + int(small[k, 5]) % 5
            if u[k, 8] < 0.1:
                facts["volunteer_hours"] = float(20 + 15 * int(small[k, 5]))
            if u[k, 9] < 0.012:
                kind = "criminal_conviction" if u[k, 9] < 0.002 else "administrative_detention"
                facts["offences"] = [{"kind": kind, "date": day(on - 30 - 20 * int(small[k, 5])).isoformat()}]
            revisions = [first_revision, facts]
            if u[k, 10] < 0.03:  # recorded after the determination, not determined yet
                revisions.append({**facts, "volunteer_hours": 500.0})
            for number, content in enumerate(revisions, 1):
                rows["applicant_facts"].append((self.next_id("applicant_facts"), applicant, number,
                                                msgspec.json.encode(content).decode(), where, "bench", moment(on)))
            self.person(rows, applicant, home, where, on, start, facts, u[k], small[k])
        return rows

    def person(self, rows, applicant: int, home: str, where: str, on: int, start: int, facts: dict,
               u, small) -> None:
        """The applicant, the permit and its history, applications and determinations."""
        name = SURNAMES[applicant % len(SURNAMES)] + GIVEN[small[6] % len(GIVEN)] + (
            GIVEN[small[7] % len(GIVEN)] if u[11] < 0.6 else "")
        born = dt.date.fromisoformat(facts["birth_date"])
        masked = f"330***********{applicant * 7919 % 10_000:04d}"
        rows["applicant"].append((applicant, name, mask_name(name), f"{applicant:064x}", masked, born, None,
                                  moment(start)))
        issued = min(start + 2 * int(small[8]), on - 1)
        events = [(issued, "issued", None, where, "valid", None)]
        if where != home:  # moved after the determination
            moved = min(on + 1 + int(small[9]), SNAPSHOT.toordinal() - 1)
            events.append((moved, "moved", where, home, "valid", None))
        if u[12] < 0.03:  # suspended, restored, terminated after the determination
            suspended = min(on + 1 + int(small[10]), SNAPSHOT.toordinal() - 2)
            events.append((suspended, "suspended", home, home, "suspended", None))
            if u[12] < 0.01:
                events.append((suspended + 1, "restored", home, home, "valid", None))
            elif u[12] < 0.013:
                events.append((suspended + 1, "terminated", home, home, "terminated", "permanent_resident"))
        rows["residence_permit"].append((applicant, applicant, f"ZJ-{applicant:09d}", home, events[-1][4],
                                         day(issued), moment(events[-1][0]), day(events[-1][0])))
        for when, action, from_tenant, to_tenant, status, ground in events:
            rows["permit_event"].append((self.next_id("permit_event"), applicant, moment(when), day(when), action,
                                         from_tenant, to_tenant, status, "", ground, "bench"))
        earlier = on - 200 - 10 * int(small[11])
        determinations = [(1, earlier) if u[13] < 0.04 and issued < earlier else None, (2, on)]
        if u[14] < 0.01:  # an adjustment after the snapshot date
            determinations.append((2, SNAPSHOT.toordinal() + 1 + int(small[11])))
        made = []
        for revision, as_of in filter(None, determinations):
            content = msgspec.json.encode(facts if revision == 2 else {
                key: facts[key] for key in ("birth_date", "education")})
            result = self.score(content, where, as_of)
            application = self.next_id("application")
            rows["application"].append((
                application, applicant, where, "determined", "application" if not made else "adjustment",
                f"B{application:010d}", None, "", "online", "bench", None, None, None, '{"offences": []}',
                day(as_of - 20), moment(as_of - 20), day(as_of), "bench", moment(as_of)))
            used = (day(min(as_of + 10, SNAPSHOT.toordinal())), "hangzhou/settlement round 1") \
                if u[15] < 0.01 and as_of == on else (None, None)
            made.append([self.next_id("determination"), application, where, day(as_of), float(result.total),
                         result.vetoed, msgspec.json.encode(result).decode(), revision, "determination", "bench",
                         moment(as_of), None, *used])
            basis = basis_of(result, residence_facts.decode(content))
            layout = self.layouts[where]
            rows["ranking_basis"].append((self.next_id("ranking_basis"), made[-1][0], applicant, where, day(as_of),
                                          result.vetoed, revision, *used, msgspec.json.encode(basis).decode(),
                                          layout.name, key_vector(layout, basis, day(as_of))))
        for older, newer in itertools.pairwise(made):
            older[11] = newer[0]  # superseded_by
        rows["determination"].extend(tuple(row) for row in made)


class SQLiteRows:
    """Bulk insert with the sqlite3 module (piccolo's adapters store dates as it does)."""

    def __init__(self, path: str):
        import sqlite3

        self.connection = sqlite3.connect(path)
        self.connection.execute("PRAGMA synchronous = OFF")

    async def insert(self, table: str, rows: list[tuple]) -> None:
        columns = COLUMNS[table]
        self.connection.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) '
                                    f'VALUES ({", ".join("?" * len(columns))})', rows)

    async def close(self) -> None:
        self.connection.commit()
        self.connection.close()


class PostgresRows:
    """Bulk insert with COPY; the id sequences follow, then ANALYZE as autovacuum would."""

    def __init__(self, connection):
        self.connection = connection

    async def insert(self, table: str, rows: list[tuple]) -> None:
        await self.connection.copy_records_to_table(table, records=rows, columns=list(COLUMNS[table]))

    async def close(self) -> None:
        for table in COLUMNS:
            await self.connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                          f"(SELECT MAX(id) FROM {table}))")
        await self.connection.execute("ANALYZE")
        self.size = await self.connection.fetchval("SELECT pg_database_size(current_database())")
        await self.connection.close()


async def postgres_admin(url: str):
    import asyncpg

    return await asyncpg.connect(urlparse(url)._replace(path="/postgres").geturl())


async def run_stored(args: argparse.Namespace, url: str, workdir: Path) -> None:
    # tierpoints.store reads its settings when first imported: after main() pointed them here
    from tierpoints import paths
    from tierpoints.features.rounds import population
    from tierpoints.packs import load_catalog
    from tierpoints.packs.sources import folder_packs
    from tierpoints.rounds.candidates import ranking_inputs
    from tierpoints.runtime import build_runtime
    from tierpoints.settings import Settings
    from tierpoints.store import db as store_db
    from tierpoints.store.policy import sync_packs

    engine = store_db.activate(store_db.engine_for(url))
    postgres = store_db.is_postgres(engine)
    if postgres:
        await engine.start_connection_pool(min_size=1, max_size=4)
    try:
        started = time.perf_counter()
        await store_db.migrate()
        await sync_packs(load_catalog(), folder_packs(paths.tenants_dir()), actor="bench")
        runtime = await build_runtime(Settings(data_dir=workdir, database_url=url, production=False,
                                               secret="bench-not-a-secret"))
        prepared = time.perf_counter() - started

        if postgres:
            import asyncpg

            rows_to = PostgresRows(await asyncpg.connect(url))
        else:
            rows_to = SQLiteRows(urlparse(url).path)
        people, generating, inserting = Population(runtime.engine), 0.0, 0.0
        total = args.stored + args.stored // 19  # one in twenty in the other city
        for first in range(1, total + 1, BATCH):
            started = time.perf_counter()
            rows = people.batch(first, min(BATCH, total + 1 - first))
            generating += time.perf_counter() - started
            started = time.perf_counter()
            for table, batch in rows.items():
                await rows_to.insert(table, batch)
            inserting += time.perf_counter() - started
        started = time.perf_counter()
        await rows_to.close()
        inserting += time.perf_counter() - started
        size = rows_to.size if postgres else Path(urlparse(url).path).stat().st_size

        service = runtime.catalog.service("hangzhou", "settlement")
        inputs = ranking_inputs(runtime.catalog, service, SNAPSHOT)
        build_time = rank_time = hash_time = end_to_end = float("inf")
        for _ in range(args.repeat):
            candidates = ranking = None
            gc.collect()
            started = time.perf_counter()
            candidates, refused = await population.build(runtime, service, SNAPSHOT)
            built = time.perf_counter()
            ranking = rank(candidates, inputs)
            ranked = time.perf_counter()
            digest = ranking.hash
            hashed = time.perf_counter()
            build_time, rank_time = min(build_time, built - started), min(rank_time, ranked - built)
            hash_time, end_to_end = min(hash_time, hashed - ranked), min(end_to_end, hashed - started)
        ranked_area = set(candidates.applicant.tolist()) | {r.applicant for r in refused}
    finally:
        if postgres:
            await engine.close_connection_pool()
    listed = list(candidates)  # the same candidates as objects for sorted(), made outside the timing

    def baseline():
        return sorted(listed, key=lambda c: (-c.total, -c.keys[0], -c.keys[1], -c.keys[2]))

    _, base = best_of(args.repeat, baseline)
    assert inputs.tie_breaks == INPUTS.tie_breaks  # the keys the baseline sorts by

    def line(label: str, seconds: float) -> None:
        print(f"{label:<44}{seconds:>8.3f} s   {seconds / base:>7.2f} x baseline")

    where = f"PostgreSQL (database {urlparse(url).path.lstrip('/')})" if postgres else "SQLite (a temporary file)"
    print(f"stored: {args.stored:,} applicants in hangzhou and {total - args.stored:,} in {OTHER_CITY}, "
          f"{people.ids['determination']:,} determinations, {people.ids['applicant_facts']:,} facts revisions, "
          f"on {where}: {size / 1e9:.2f} GB")
    print(f"set-up, not measured: migrate + packs sync {prepared:.1f} s, generate {generating:.1f} s "
          f"(scoring {people.scoring:.1f} s of it), bulk insert {inserting:.1f} s")
    why: dict[str, int] = {}
    for refusal in refused:
        reason = " ".join(re.sub(r"\d{4}-\d\d-\d\d", "…", refusal.reasons[0].split(":")[0]).split()[:3])
        why[reason] = why.get(reason, 0) + 1
    print(f"round {inputs.tenant}/{inputs.service} on {SNAPSHOT}: {len(ranked_area):,} applicants in its area, "
          f"{len(candidates):,} ranked, {len(refused):,} refused ("
          + ", ".join(f"{reason} {n:,}" for reason, n in sorted(why.items(), key=lambda p: -p[1])) + ")")
    print(tie_structure(ranking))
    line("baseline: plain sorted() by the keys", base)
    line("read + build candidates (population.build)", build_time)
    line("rank (joint ranks, fixed listing)", rank_time)
    line("hash (snapshot document + SHA-256)", hash_time)
    line("end to end: build + rank + hash", end_to_end)
    print(f"snapshot {len(ranking.document()) / 1e6:,.1f} MB, sha256 {digest[:16]}…")


def stored(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """A temporary directory (settings, the SQLite file) or a new PostgreSQL database, then run."""
    workdir = Path(tempfile.mkdtemp(prefix="tierpoints-bench-rank-"))
    os.environ["TIERPOINTS_DATA"] = str(workdir)
    os.environ["DATABASE_URL"] = url = args.database_url or f"sqlite:///{workdir}/bench.sqlite"
    created = None  # the PostgreSQL database this run made: only that one is dropped
    try:
        if args.database_url:
            name = urlparse(url).path.lstrip("/")
            if urlparse(url).scheme not in ("postgres", "postgresql"):
                parser.error("--database-url: postgresql://user:password@host/NEW_DB")
            if not name or name == "postgres":
                parser.error("--database-url: name a new database (the bench creates and drops it)")
            asyncio.run(create_database(url, name))
            created = name
        asyncio.run(run_stored(args, url, workdir))
    finally:
        if args.keep:
            print(f"kept: {url}")
        else:
            if created is not None:
                asyncio.run(drop_database(url, created))
            shutil.rmtree(workdir, ignore_errors=True)


async def create_database(url: str, name: str) -> None:
    admin = await postgres_admin(url)
    try:
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            raise SystemExit(f"database {name!r} exists already: name a new one (the bench drops it afterwards)")
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def drop_database(url: str, name: str) -> None:
    admin = await postgres_admin(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


if __name__ == "__main__":
    main()
