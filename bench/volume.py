"""Province volume on PostgreSQL (issue #8): N applicants stored, every recognised score
recomputed after a provincial publication, a city round of 1,000,000 ranked.

    .venv/bin/python bench/volume.py --explain                        # 5,000,000 applicants (~41 min here)
    .venv/bin/python bench/volume.py --applicants 100000 --round 30000 --explain
    .venv/bin/python bench/volume.py --database-url postgresql://postgres:postgres@127.0.0.1/NEW_DB --keep

It creates the database NEW_DB (default tierpoints_bench_volume; it must not exist yet),
migrates it, syncs the packs, and drops it at the end (--keep leaves it). Then, each phase timed:

1. load: N applicants with a residence permit (Hangzhou, Ningbo, Xiangshan in turn), its
   `issued` event and one facts revision each (bench/population.py, repeating after 50,000),
   COPY through asyncpg in batches of 50,000 rows a table (bench/impact.py `populate`'s
   approach: memory stays one batch; the bench's COPYs skip the foreign-key triggers, with
   session_replication_role = replica); then VACUUM ANALYZE, as autovacuum would get to.
2. determinations: an application and a determination for --round applicants of Hangzhou
   (default 1,000,000), the result the engine's explained ScoreResult and its ranking basis as
   `determine` stores them (scored once for each distinct facts document, then reused), COPY
   likewise.
3. recognised scores as registering leaves them: one row an applicant, scored as of today by
   the policy in force before the publication with the batch engine, as `recompute_scores`
   would write it (once for each distinct facts document and tenant, then reused), COPY.
4. publication (the phase the issue asks for): a provincial draft (the common residence
   indicator at 0.5 a month) created, edited and published from today
   (features/publishing/service.py), then `publishing.apply_published(runtime, "zhejiang")`:
   every recognised score recomputed by features/applicants/scores.py `recompute_scores` and
   replaced (delete and insert, chunk by chunk).
5. round: features/rounds/service.py `open_round` of hangzhou/settlement on the snapshot
   date, acting as a city_admin of Hangzhou: read the permits, events and the ranking bases of
   the determinations in force of everyone in the area, rank, hash and store version 1.

Baseline, measured in the same run (the machine is shared and noisy: read the ratios): every
facts row streamed out of PostgreSQL by a plain asyncpg cursor (rows/s). Each phase prints
its rows, seconds, rows/s, the ratio to the baseline, the peak RSS of this process during the
phase (the kernel's high-water mark, reset before each phase after handing freed memory back
with malloc_trim) and the database size after it. Tables are VACUUM ANALYZEd after each bulk
load, as autovacuum would get to them on a live system.
--explain prints EXPLAIN (ANALYZE, BUFFERS) of the hot queries on the full tables: one chunk of
the facts streaming query (scores.py NEWEST_FACTS_OF_TENANT) and of the facts read
recompute_scores runs (scores.py latest_facts), the round's plain-lane read over the whole area and
one chunk of its exact lane (permits, their events, ranking bases), and the recognised_score
upsert (scores.py store_scores: the delete, then one COPY; rolled back).
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import datetime as dt
import gc
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import msgspec

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from population import generate

TENANTS = ("hangzhou", "ningbo", "xiangshan")  # applicant i lives in TENANTS[i % 3]
CITY, SERVICE = "hangzhou", "settlement"
AS_OF = dt.date(2026, 11, 2)  # the facts are generated as of this day and the points determined on it
ISSUED = dt.date(2020, 1, 1)
GENERATE = 50_000  # distinct facts documents (population.generate), repeated after this many
BATCH = 50_000  # rows a table per COPY
RESULT_BATCH = 10_000  # rows a COPY of the long results (determinations: ~8 kB each)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
PROVINCE_ADMIN, CITY_ADMIN = "bench_province_admin", "bench_hangzhou_admin"
DEFAULT_URL = "postgresql://postgres:postgres@127.0.0.1/tierpoints_bench_volume"

COLUMNS = {
    "applicant": ("id", "name", "name_masked", "identity_lookup", "identity_masked", "created_at"),
    "residence_permit": ("id", "applicant", "number", "tenant", "status", "issued_on", "updated_at", "changed_on"),
    "permit_event": ("id", "permit", "at", "day", "action", "from_tenant", "to_tenant", "status", "reason",
                     "ground", "actor"),
    "applicant_facts": ("id", "applicant", "revision", "content", "tenant", "recorded_by", "recorded_at"),
    "application": ("id", "applicant", "tenant", "status", "kind", "acceptance_number", "idempotency_key",
                    "request_digest", "channel", "accepted_by", "declarations", "accepted_on", "accepted_at",
                    "lookup_from", "lookup_rule", "updated_at"),
    "determination": ("id", "application", "tenant", "as_of", "total", "vetoed", "result", "facts_revision",
                      "occasion", "determined_by", "determined_at"),
    "ranking_basis": ("id", "determination", "applicant", "tenant", "as_of", "vetoed", "facts_revision", "basis",
                      "key_layout", "key_vector"),
    "recognised_score": ("id", "applicant", "tenant", "as_of", "total", "vetoed", "result", "policy",
                         "computed_at"),
}


# --- measuring ------------------------------------------------------------------------------------

def reset_peak() -> None:
    """Hand freed memory back to the system, then reset the kernel's high-water mark of this
    process's RSS (Linux: /proc/self/clear_refs), so each phase shows its own peak."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass  # elsewhere the peak is the process's since it started


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


class Phases:
    def __init__(self) -> None:
        self.rows: list[tuple[str, int, float, int, int | None]] = []
        self.baseline: float | None = None  # rows/s

    def add(self, label: str, count: int, seconds: float, size: int | None = None) -> None:
        self.rows.append((label, count, seconds, peak_rss(), size))
        ratio = f"   {count / seconds / self.baseline:6.2f} x baseline" if self.baseline else ""
        where = f"   database {size / 1e9:,.2f} GB" if size is not None else ""
        print(f"  {label}: {count:,} rows in {seconds:,.1f} s = {count / seconds:,.0f} rows/s{ratio}   "
              f"peak RSS {peak_rss() / 2**20:,.0f} MiB{where}", flush=True)

    def table(self) -> None:
        width = max(len(label) for label, *_ in self.rows) + 1
        print(f"\n{'phase':<{width}}{'rows':>12}{'seconds':>10}{'rows/s':>12}{'x baseline':>12}"
              f"{'peak RSS':>11}{'db size':>11}")
        for label, count, seconds, peak, size in self.rows:
            ratio = f"{count / seconds / self.baseline:>12.2f}" if self.baseline else f"{'':>12}"
            db = f"{size / 1e9:>8.2f} GB" if size is not None else f"{'':>11}"
            print(f"{label:<{width}}{count:>12,}{seconds:>10,.1f}{count / seconds:>12,.0f}{ratio}"
                  f"{peak / 2**20:>7,.0f} MiB{db}")


class Progress:
    """A progress line on stderr; at the end, the pace of each tenth of the work (rows/s), which
    shows whether a phase slows down as the tables fill."""

    def __init__(self, label: str) -> None:
        self.label, self.started, self.shown = label, time.perf_counter(), 0.0
        self.tenths: list[tuple[int, float]] = [(0, self.started)]

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if total and done * 10 >= total * len(self.tenths) and done > self.tenths[-1][0]:
            self.tenths.append((done, now))
        if now - self.shown >= 1 or done == total:
            self.shown = now
            rate = done / max(now - self.started, 1e-9)
            print(f"    {self.label}: {done:,} / {total:,} ({rate:,.0f}/s)   ", end="\r", file=sys.stderr,
                  flush=True)
            if done == total:
                print(file=sys.stderr)

    def pace(self) -> str:
        return " ".join(f"{(d1 - d0) / (t1 - t0):,.0f}" for (d0, t0), (d1, t1) in
                        zip(self.tenths, self.tenths[1:]) if t1 > t0)


class Stopwatch:
    """Seconds spent in some module functions, wrapped for the duration of a phase (the bench
    does not change the platform: it only looks at where a phase spends its time)."""

    def __init__(self, *targets: tuple[object, str]) -> None:
        self.targets, self.seconds, self.saved = targets, {name: 0.0 for _, name in targets}, []

    def __enter__(self):
        for module, name in self.targets:
            original = getattr(module, name)
            self.saved.append((module, name, original))
            setattr(module, name, self._wrap(name, original))
        return self

    def _wrap(self, name: str, original):
        seconds = self.seconds

        if asyncio.iscoroutinefunction(original):
            async def timed_async(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    seconds[name] += time.perf_counter() - started
            return timed_async

        def timed_sync(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[name] += time.perf_counter() - started
        return timed_sync

    def __exit__(self, *exc):
        for module, name, original in self.saved:
            setattr(module, name, original)
        return False

    def line(self, total: float) -> str:
        return ", ".join(f"{name} {s:,.1f} s ({s / total:.0%})" for name, s in self.seconds.items())


def timed():
    """`with timed() as t:` ... t.seconds; the peak RSS is reset at the start."""
    class Timer:
        def __enter__(self):
            reset_peak()
            self.started = time.perf_counter()
            return self

        def __exit__(self, *exc):
            self.seconds = time.perf_counter() - self.started
            return False

    return Timer()


# --- the rows -------------------------------------------------------------------------------------

def people_documents() -> list[str]:
    return [msgspec.json.encode(facts).decode() for facts in generate(GENERATE, AS_OF)]


def name_of(i: int) -> str:
    return SURNAMES[i % 20] + GIVEN[(i // 20) % 24] + (GIVEN[(i // 480) % 24] if i % 5 else "")


def applicant_batches(count: int, documents: list[str]) -> Iterator[dict[str, list[tuple]]]:
    """Applicants, permits, their issue events and one facts revision, BATCH applicants at a time."""
    from tierpoints.features.applicants.identity import mask_name

    stamp = dt.datetime.combine(ISSUED, dt.time(2, 0), tzinfo=dt.UTC)
    recorded = dt.datetime.combine(AS_OF, dt.time(2, 0), tzinfo=dt.UTC)
    for start in range(1, count + 1, BATCH):
        ids = range(start, min(start + BATCH, count + 1))
        yield {
            "applicant": [(i, name_of(i), mask_name(name_of(i)), f"bench{i:012d}", f"330***********{i * 7919 % 10_000:04d}", stamp)
                          for i in ids],
            "residence_permit": [(i, i, f"ZJ-{i:09d}", TENANTS[i % 3], "valid", ISSUED, stamp, ISSUED)
                                  for i in ids],
            "permit_event": [(i, i, stamp, ISSUED, "issued", None, TENANTS[i % 3], "valid", "", None, "bench")
                             for i in ids],
            "applicant_facts": [(i, i, 1, documents[(i - 1) % GENERATE], TENANTS[i % 3], "bench", recorded)
                                for i in ids],
        }


class Determined:
    """determination_batches' templates: each distinct facts document's explained result at
    CITY on AS_OF and its ranking basis, as `determine` stores them, scored once and reused."""

    def __init__(self, engine, documents: list[str]):
        self.engine, self.documents = engine, documents
        self.scored: dict[int, tuple[str, float, bool, str, str, bytes | None]] = {}
        self.layout = None
        self.seconds = 0.0  # spent in the engine

    def __call__(self, person: int) -> tuple[str, float, bool, str, str, bytes | None]:
        from tierpoints.rounds.candidates import basis_of, key_layout, key_vector, residence_facts

        if person not in self.scored:
            started = time.perf_counter()
            self.layout = self.layout or key_layout(self.engine.catalog, CITY)
            result = self.engine.score(self.documents[person].encode(), at=CITY, as_of=AS_OF)
            basis = basis_of(result, residence_facts.decode(self.documents[person]))
            self.scored[person] = (msgspec.json.encode(result).decode(), float(result.total), result.vetoed,
                                   msgspec.json.encode(basis).decode(), self.layout.name,
                                   key_vector(self.layout, basis, AS_OF))
            self.seconds += time.perf_counter() - started
        return self.scored[person]


def determination_batches(applicants: list[int], templates: Callable[[int], tuple],
                          ) -> Iterator[dict[str, list[tuple]]]:
    """An application accepted 20 days before AS_OF and its determination on AS_OF (with its
    ranking basis, as `determine` writes them), for each."""
    accepted, on = AS_OF - dt.timedelta(days=20), AS_OF
    accepted_at = dt.datetime.combine(accepted, dt.time(2, 0), tzinfo=dt.UTC)
    determined_at = dt.datetime.combine(on, dt.time(2, 0), tzinfo=dt.UTC)
    for start in range(0, len(applicants), RESULT_BATCH):
        part = applicants[start:start + RESULT_BATCH]
        applications, determinations, bases = [], [], []
        for number, applicant in enumerate(part, start + 1):
            result, total, vetoed, basis, layout, vector = templates((applicant - 1) % GENERATE)
            applications.append((number, applicant, CITY, "determined", "application", f"B{number:010d}", None, "",
                                 "online", "bench", '{"offences": []}', accepted, accepted_at, on, "bench",
                                 determined_at))
            determinations.append((number, number, CITY, on, total, vetoed, result, 1, "determination", "bench",
                                   determined_at))
            bases.append((number, number, applicant, CITY, on, vetoed, 1, basis, layout, vector))
        yield {"application": applications, "determination": determinations, "ranking_basis": bases}


def score_batches(engine, count: int, documents: list[str], as_of: dt.date, first_id: int = 1,
                  ) -> Iterator[dict[str, list[tuple]]]:
    """Each applicant's recognised score as recompute_scores writes it (scores.py _score_chunk), a
    tenant at a time: the batch engine scores the GENERATE distinct documents at that tenant once."""
    from tierpoints.features.applicants.scores import policy_label

    now, row_id = dt.datetime.now(dt.UTC), first_id
    for index, tenant in enumerate(TENANTS):
        chain = engine.chain(tenant, as_of)
        validated = [engine.validate(d.encode()) for d in documents]
        batch = engine.score_columns(engine.load_batch(validated, tenant, as_of), tenant, as_of)
        rows = [batch.row(i) for i in range(len(documents))]
        templates = [(msgspec.json.encode(r).decode(), float(r["total"]), bool(r["vetoed"])) for r in rows]
        del validated, batch, rows
        policy = policy_label(chain)
        ids = range(index or 3, count + 1, 3)  # TENANTS[i % 3] == tenant
        for start in range(0, len(ids), RESULT_BATCH):
            records = []
            for i in ids[start:start + RESULT_BATCH]:
                result, total, vetoed = templates[(i - 1) % GENERATE]
                records.append((row_id, i, tenant, as_of, total, vetoed, result, policy, now))
                row_id += 1
            yield {"recognised_score": records}


async def copy(connection, batches: Iterator[dict[str, list[tuple]]], label: str, total: int) -> int:
    rows = done = 0
    progress = Progress(label)
    for batch in batches:
        for table, records in batch.items():
            await connection.copy_records_to_table(table, records=records, columns=list(COLUMNS[table]))
            rows += len(records)
        done += len(next(iter(batch.values())))
        progress(done, total)
    for table in batch:  # the serials go on after the rows
        await connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT MAX(id) FROM {table}))")
    return rows


# --- EXPLAIN --------------------------------------------------------------------------------------

def shorten(line: str) -> str:
    """An IN list of thousands of ids, as EXPLAIN prints it, shortened to its length."""
    return re.sub(r"'\{([^}]{80,})\}'", lambda m: f"'{{… {m.group(1).count(',') + 1:,} values …}}'", line)


async def explain(connection, title: str, sql: str, rollback: bool = False) -> None:
    print(f"\n-- {title}")
    transaction = connection.transaction()
    await transaction.start()
    try:
        for row in await connection.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"):
            print("   " + shorten(row[0]))
    finally:
        await transaction.rollback()  # EXPLAIN ANALYZE runs a DELETE or INSERT for real


async def explain_hot(url: str, count: int, snapshot: dt.date) -> None:
    import asyncpg

    from tierpoints.features.applicants import scores
    from tierpoints.features.rounds import population
    from tierpoints.packs import load_catalog
    from tierpoints.rounds.candidates import key_layout
    from tierpoints.store.tables import ApplicantFacts, RecognisedScore

    connection = await asyncpg.connect(url)
    try:
        middle = await connection.fetchval(
            "SELECT id FROM residence_permit WHERE tenant = $1 ORDER BY id OFFSET $2 LIMIT 1", CITY,
            count // 6)  # a chunk from the middle of Hangzhou's permits
        sql = scores.NEWEST_FACTS_OF_TENANT.format(
            f"'{CITY}'", middle, *(f"'{s}'" for s in scores.SCORED_STATUSES), scores.CHUNK)
        await explain(connection, f"facts streaming, one chunk of {scores.CHUNK:,} (scores.py "
                                  f"NEWEST_FACTS_OF_TENANT, {CITY}, after permit {middle:,})", sql)
        ids = [r["applicant"] for r in await connection.fetch(
            "SELECT applicant FROM residence_permit WHERE tenant = $1 AND id > $2 ORDER BY applicant LIMIT $3",
            CITY, middle, max(scores.CHUNK, population.CHUNK))]
        part = ids[:scores.CHUNK]
        await explain(connection, f"the facts read recompute_scores runs, one chunk of {len(part):,} "
                                  "(scores.py latest_facts)", str(ApplicantFacts.select(
                                      ApplicantFacts.applicant, ApplicantFacts.revision, ApplicantFacts.content,
                                  ).where(ApplicantFacts.applicant.is_in(part))))

        catalog = load_catalog()
        await explain(connection, f"round read, the plain lane: one row per permit holder of {CITY} "
                                  "(population.py _plain_lane_sql)", population._plain_lane_sql(
                                      f"'{CITY}'", catalog.service(CITY, "settlement"), snapshot,
                                      key_layout(catalog, CITY).name))
        part = ids[:population.CHUNK]
        inline = ",".join(map(str, part))  # population.py writes the ids into the SQL
        await explain(connection, f"the exact lane, one chunk of {len(part):,} applicants (population.py "
                                  "Stored.load): their permits", "SELECT id, applicant FROM residence_permit "
                                                                 f"WHERE applicant IN ({inline})")
        await explain(connection, "… the permits' events (the bench's permit ids are its applicant ids)",
                      f"SELECT permit, id, at, day, action, status, ground FROM permit_event WHERE permit IN ({inline})")
        await explain(connection, "… the ranking bases of the determinations made by the snapshot date",
                      "SELECT determination, applicant, tenant, as_of, vetoed, used_on, used_for, facts_revision, "
                      f"basis FROM ranking_basis WHERE applicant IN ({inline}) AND as_of <= '{snapshot.isoformat()}'")

        part = ids[:scores.CHUNK]
        stored = {r["applicant"]: r for r in await connection.fetch(
            "SELECT applicant, tenant, as_of, total, vetoed, result, policy FROM recognised_score "
            "WHERE applicant = ANY($1::int[])", part)}
        now = dt.datetime.now(dt.UTC)
        rows = [(a, stored[a]["tenant"], stored[a]["as_of"], stored[a]["total"], stored[a]["vetoed"],
                 stored[a]["result"], stored[a]["policy"], now) for a in part if a in stored]
        transaction = connection.transaction()
        await transaction.start()
        try:
            await connection.execute("LOCK TABLE recognised_score IN SHARE ROW EXCLUSIVE MODE")
            print(f"\n-- recognised_score upsert of {len(part):,} applicants (scores.py store_scores; rolled back): "
                  "the delete")
            for row in await connection.fetch("EXPLAIN (ANALYZE, BUFFERS) " + str(
                    RecognisedScore.delete().where(RecognisedScore.applicant.is_in(part)))):
                print("   " + shorten(row[0]))
            started = time.perf_counter()
            await connection.copy_records_to_table("recognised_score", records=rows, columns=list(scores.SCORE_COLUMNS))
            print(f"-- … then one COPY of the {len(rows):,} new rows (store/bulk.py insert_rows): "
                  f"{(time.perf_counter() - started) * 1000:.0f} ms")
        finally:
            await transaction.rollback()
    finally:
        await connection.close()
    print()


# --- the run --------------------------------------------------------------------------------------

async def run(args: argparse.Namespace, url: str, workdir: Path) -> None:
    import asyncpg

    from tierpoints import clock, paths
    from tierpoints.features.applicants import scores
    from tierpoints.features.auth import Actor
    from tierpoints.features.publishing import service as publishing
    from tierpoints.features.rounds import population
    from tierpoints.features.rounds import service as rounds
    from tierpoints.features.rounds.schemas import NewRound
    from tierpoints.packs import load_catalog
    from tierpoints.packs.sources import folder_packs
    from tierpoints.runtime import build_runtime, database
    from tierpoints.settings import Settings
    from tierpoints.store import db
    from tierpoints.store.policy import sync_packs
    from tierpoints.store.tables import Account, RoleAssignment

    settings = Settings(data_dir=workdir, database_url=url, production=False, secret="bench-secret-" + "0" * 24)
    phases = Phases()
    count = args.applicants
    in_city = len(range(3, count + 1, 3))
    round_size = min(args.round, in_city)
    snapshot = min(clock.today(), AS_OF + dt.timedelta(days=25))

    async with database(settings):
        await db.migrate(quiet=True)
        await sync_packs(load_catalog(), folder_packs(paths.tenants_dir()), actor="bench")
        now = dt.datetime.now(dt.UTC)
        for username, role, tenant in ((PROVINCE_ADMIN, "province_admin", "zhejiang"),
                                       (CITY_ADMIN, "city_admin", CITY)):
            account = Account(username=username, password_hash="!", display_name=username, active=True,
                              created_at=now)
            await account.save().run()
            await RoleAssignment(account=account.id, role=role, tenant=tenant, department=None, created_at=now,
                                 created_by="bench").save().run()
        connection = await asyncpg.connect(url)
        # The bench's own COPYs skip the foreign-key triggers (rows consistent by construction): a
        # bulk load's usual shortcut, ~40 % faster here. The platform's queries check them as ever.
        await connection.execute("SET session_replication_role = replica")

        async def size() -> int:
            return await connection.fetchval("SELECT pg_database_size(current_database())")

        print(f"PostgreSQL database {urlparse(url).path.lstrip('/')}: {count:,} applicants "
              f"({', '.join(TENANTS)} in turn: {in_city:,} in {CITY}), a round of {round_size:,} determined "
              f"in {CITY}; snapshot {snapshot}, today {clock.today()}", flush=True)

        # 1. load
        documents = people_documents()
        with timed() as t:
            rows = await copy(connection, applicant_batches(count, documents), "COPY applicants", count)
        phases.add(f"load: COPY applicant, permit, event, facts ({rows // count} rows each)", rows, t.seconds,
                   await size())
        with timed() as t:
            await connection.execute("VACUUM (ANALYZE) applicant, residence_permit, permit_event, applicant_facts")
        phases.add("load: VACUUM ANALYZE those tables (rows scanned)", rows, t.seconds, await size())

        # the baseline: every facts row streamed out by a plain cursor
        with timed() as t:
            read = 0
            async with connection.transaction():
                async for _ in connection.cursor("SELECT applicant, content FROM applicant_facts", prefetch=10_000):
                    read += 1
        phases.baseline = read / t.seconds
        phases.add("baseline: stream every facts row (asyncpg cursor)", read, t.seconds)

        # 2. determinations for the round
        runtime = await build_runtime(settings)
        template = Determined(runtime.engine, documents)

        determined = list(range(3, 3 * round_size + 1, 3))  # Hangzhou's applicants: i % 3 == 0
        with timed() as t:
            rows = await copy(connection, determination_batches(determined, template), "COPY determinations",
                              round_size)
            await connection.execute("VACUUM (ANALYZE) application, determination, ranking_basis")
        del determined
        phases.add("determinations: COPY application + determination + ranking_basis, VACUUM", rows, t.seconds,
                   await size())
        scored = template.scored
        print(f"    ({len(scored):,} distinct results scored by the engine's explained path in {template.seconds:.1f} s, "
              f"mean {sum(len(r) for r, *_ in scored.values()) / max(len(scored), 1):,.0f} bytes of JSON, "
              f"their ranking bases {sum(len(s[3]) for s in scored.values()) / max(len(scored), 1):,.0f})")
        scored.clear()

        # 3. recognised scores as registering leaves them
        with timed() as t:
            rows = await copy(connection, score_batches(runtime.engine, count, documents, clock.today()),
                              "COPY recognised scores", count)
            await connection.execute("VACUUM (ANALYZE) recognised_score")
        phases.add("scores: COPY recognised_score (batch engine), VACUUM", rows, t.seconds, await size())

        # 4. a provincial publication, and every score recomputed
        with timed() as t:
            row = await publishing.create_draft(PROVINCE_ADMIN, "zhejiang", {})
            content = msgspec.json.decode(row["content"])
            next(i for i in content["indicators"] if i["id"] == "residence")["rule"]["points_per_unit"] = 0.5
            row = await publishing.replace_draft(PROVINCE_ADMIN, "zhejiang", row["id"], f'"{row["revision"]}"',
                                                 content)
            await publishing.publish_draft(PROVINCE_ADMIN, "zhejiang", row["id"], clock.today())
        print(f"  provincial draft {row['id']} created, edited, published from {clock.today()}: {t.seconds:.2f} s")
        progress = Progress("recompute")
        with timed() as t, Stopwatch((scores, "latest_facts"), (scores, "store_scores")) as spent:
            written = await publishing.apply_published(runtime, "zhejiang", on_progress=progress)
        phases.add("publication: apply_published, every score replaced", written, t.seconds, await size())
        print(f"    of which: {spent.line(t.seconds)}; the rest (validate, batch scoring, result rows) "
              f"{t.seconds - sum(spent.seconds.values()):,.1f} s\n    pace by tenth of the work (rows/s): "
              f"{progress.pace()}")
        changed = await connection.fetchval("SELECT COUNT(*) FROM recognised_score WHERE policy LIKE $1",
                                            f"zhejiang@{clock.today().isoformat()}%")
        rows_now = await connection.fetchval("SELECT COUNT(*) FROM recognised_score")
        print(f"    recognised_score: {rows_now:,} rows, {changed:,} computed with the new provincial version")

        # 5. a round of 1,000,000
        with timed() as t, Stopwatch((population, "build"), (rounds, "rank"), (rounds, "_store_version")) as spent:
            view = await rounds.open_round(runtime, Actor(CITY_ADMIN), CITY,
                                           NewRound(service=SERVICE, quota=max(round_size // 10, 1),
                                                    snapshot=snapshot))
        version = view.versions[0]
        phases.add(f"round: open_round {CITY}/{SERVICE} ({in_city:,} permits in the area)", in_city, t.seconds,
                   await size())
        print(f"    of which: {spent.line(t.seconds)}")
        print(f"    round {view.id}: {version.entries:,} ranked, {version.refused:,} refused, "
              f"hash {version.content_hash[:16]}…; {version.entries / t.seconds:,.0f} ranked/s")
        document_bytes = await connection.fetchval(
            "SELECT octet_length(document) FROM ranking_version WHERE round = $1",
            view.id)
        print(f"    stored snapshot document: {document_bytes / 1e6:,.1f} MB of JSON")

        # 6. the public's page of that ranking, once published (what GET /api/v1/rounds/{id}/ranking does)
        await rounds.publish(runtime, Actor(CITY_ADMIN), view.id)
        offset, pages = version.entries // 2, []
        for _ in range(3):
            started = time.perf_counter()
            page = await rounds.ranking_page(runtime, Actor(None), view.id, None, offset, 100, None)
            pages.append(time.perf_counter() - started)
        started = time.perf_counter()
        await connection.fetchval("SELECT document FROM ranking_version WHERE round = $1", view.id)
        fetch = time.perf_counter() - started
        print(f"  public ranking page, {len(page.entries)} entries at offset {offset:,} (rounds/service.py "
              f"ranking_page): {' ms, '.join(f'{s * 1e3:,.0f}' for s in pages)} ms (each reads its rows of "
              f"ranking_entry by (version, position));\n    reading the stored document alone, for comparison "
              f"(SELECT document, asyncpg): {fetch * 1e3:,.0f} ms", flush=True)

        if args.explain:
            await explain_hot(url, count, snapshot)

        tables = await connection.fetch(
            "SELECT relname, reltuples::bigint AS estimate, pg_total_relation_size(oid) AS total, "
            "pg_relation_size(oid) AS heap FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
            "ORDER BY pg_total_relation_size(oid) DESC LIMIT 8")
        total_size = await size()
        await connection.close()

    phases.table()
    print(f"\ndatabase size: {total_size / 1e9:,.2f} GB ({total_size / count:,.0f} bytes an applicant); "
          "the largest tables, with their indexes and TOAST (rows: the planner's estimate):")
    for t in tables:
        print(f"  {t['relname']:<22}{max(t['estimate'], 0):>12,} rows {t['total'] / 1e9:>8.2f} GB "
              f"(heap {t['heap'] / 1e9:.2f} GB)")


async def admin_connection(url: str):
    import asyncpg

    return await asyncpg.connect(urlparse(url)._replace(path="/postgres").geturl())


async def create_database(url: str, name: str) -> None:
    admin = await admin_connection(url)
    try:
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            raise SystemExit(f"database {name!r} exists already: name a new one (the bench drops it afterwards)")
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def drop_database(url: str, name: str) -> None:
    admin = await admin_connection(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applicants", type=int, default=5_000_000)
    parser.add_argument("--round", type=int, default=1_000_000,
                        help=f"applicants of {CITY} with points determined (at most a third of --applicants)")
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help="postgresql://user:password@host/NEW_DB: created, and dropped at the end")
    parser.add_argument("--keep", action="store_true", help="leave the database afterwards")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) the hot queries")
    args = parser.parse_args()
    url = args.database_url
    name = urlparse(url).path.lstrip("/")
    if urlparse(url).scheme not in ("postgres", "postgresql") or not name or name == "postgres":
        parser.error("--database-url: postgresql://user:password@host/NEW_DB (a new database)")
    asyncio.run(create_database(url, name))
    workdir = Path(tempfile.mkdtemp(prefix="tierpoints-volume-"))
    os.environ["TIERPOINTS_DATA"] = str(workdir)  # before tierpoints.store reads its settings
    os.environ["DATABASE_URL"] = url
    try:
        asyncio.run(run(args, url, workdir))
    finally:
        if not args.keep:
            asyncio.run(drop_database(url, name))
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
