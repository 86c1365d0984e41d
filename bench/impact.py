"""Impact preview of a provincial draft over N stored applicants (issue #7: 1,000,000 in under
a minute), and whether ordinary requests are served meanwhile.

Set-up (not measured): a fresh database, migrated and seeded from the packs, N applicants with
permits spread over Hangzhou, Ningbo and Xiangshan and one facts revision each (bench/population.py,
bulk-inserted), a provincial draft with the common residence indicator at 0.5 a month.
Measured: the preview end to end (read the facts, score each applicant under the published
policy and under the draft with the batch engine, aggregate), as applicants per second and
seconds; and the latency of a small read request issued every 20 ms while the preview runs,
against the same request's latency before it (the ratio is what to read: machines are noisy).

    .venv/bin/python bench/impact.py                  # 1,000,000 on a temporary SQLite file
    .venv/bin/python bench/impact.py --applicants 100000 --database-url postgresql://postgres:postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import msgspec

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from population import generate  # noqa: E402

from tierpoints.features.auth import Actor  # noqa: E402
from tierpoints.features.impact import service as impact  # noqa: E402
from tierpoints.features.impact.schemas import ImpactRequest  # noqa: E402
from tierpoints.features.publishing import service as publishing  # noqa: E402
from tierpoints import paths  # noqa: E402
from tierpoints.packs import load_catalog  # noqa: E402
from tierpoints.packs.sources import folder_packs  # noqa: E402
from tierpoints.runtime import build_runtime, database  # noqa: E402
from tierpoints.settings import Settings  # noqa: E402
from tierpoints.store import db  # noqa: E402
from tierpoints.store.policy import sync_packs  # noqa: E402
from tierpoints.store.tables import Account, RoleAssignment  # noqa: E402

AS_OF = dt.date(2026, 11, 2)
TENANTS = ("hangzhou", "ningbo", "xiangshan")
GENERATE = 50_000  # facts generated per batch (population.generate repeats after this many)
ADMIN = "bench_province_admin"


def _rows(count: int):
    """(applicants, permits, facts) rows in GENERATE-sized batches."""
    now = dt.datetime.now(dt.UTC).isoformat()
    people = [msgspec.json.encode(facts).decode() for facts in generate(min(count, GENERATE), AS_OF)]
    for start in range(0, count, GENERATE):
        ids = range(start + 1, min(start + GENERATE, count) + 1)
        yield ([(i, "李明", f"bench{i}", "330***********000X", now) for i in ids],
               [(i, i, f"B{i}", TENANTS[i % 3], "valid", "2020-01-01", now) for i in ids],
               [(i, i, 1, people[(i - 1) % len(people)], TENANTS[i % 3], "bench", now) for i in ids])


APPLICANT = "INSERT INTO applicant (id, name, identity_lookup, identity_masked, created_at) VALUES ({})"
PERMIT = "INSERT INTO residence_permit (id, applicant, number, tenant, status, issued_on, updated_at) VALUES ({})"
FACTS = ("INSERT INTO applicant_facts (id, applicant, revision, content, tenant, recorded_by, recorded_at) "
         "VALUES ({})")


async def populate(url: str, count: int) -> None:
    """Bulk rows straight through the database driver: the set-up is not what is measured."""
    if url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        for applicants, permits, facts in _rows(count):
            with connection:
                connection.executemany(APPLICANT.format(", ".join("?" * 5)), applicants)
                connection.executemany(PERMIT.format(", ".join("?" * 7)), permits)
                connection.executemany(FACTS.format(", ".join("?" * 7)), facts)
            print(f"  stored {applicants[-1][0]:,} applicants", end="\r", flush=True)
        connection.close()
    else:
        import asyncpg

        connection = await asyncpg.connect(url)
        for applicants, permits, facts in _rows(count):
            stamp = dt.datetime.now(dt.UTC)
            await connection.copy_records_to_table("applicant", columns=[
                "id", "name", "identity_lookup", "identity_masked", "created_at"],
                records=[(*r[:4], stamp) for r in applicants])
            await connection.copy_records_to_table("residence_permit", columns=[
                "id", "applicant", "number", "tenant", "status", "issued_on", "updated_at"],
                records=[(*r[:5], dt.date(2020, 1, 1), stamp) for r in permits])
            await connection.copy_records_to_table("applicant_facts", columns=[
                "id", "applicant", "revision", "content", "tenant", "recorded_by", "recorded_at"],
                records=[(*r[:6], stamp) for r in facts])
            print(f"  stored {applicants[-1][0]:,} applicants", end="\r", flush=True)
        for table in ("applicant", "residence_permit", "applicant_facts"):  # serials go on after the rows
            await connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {count})")
        await connection.close()
    print()


async def latency_while(work, every: float = 0.02) -> tuple[float, list[float]]:
    """Run `work`; meanwhile time a small read every `every` seconds. (seconds of work, latencies)"""
    latencies: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await Account.count().run()
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(every)

    prober = asyncio.create_task(probe())
    started = time.perf_counter()
    await work
    elapsed = time.perf_counter() - started
    done.set()
    await prober
    return elapsed, latencies


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applicants", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tierpoints-impact-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite'}"
    settings = Settings(data_dir=folder, database_url=url, production=False, secret="bench-secret-" + "0" * 24)
    async with database(settings):
        if db.is_postgres(db.engine_for(url)):
            from tierpoints.store.tables import ALL_TABLES
            await db.migrate(quiet=True)
            for table in reversed(ALL_TABLES):
                await table.delete(force=True).run()
        else:
            await db.migrate(quiet=True)
        catalog = load_catalog()
        await sync_packs(catalog, folder_packs(paths.tenants_dir()), actor="bench")
        started = time.perf_counter()
        await populate(url, args.applicants)
        print(f"set-up: {args.applicants:,} applicants stored in {time.perf_counter() - started:.1f} s ({url})")
        admin = Account(username=ADMIN, password_hash="!", display_name=ADMIN, active=True,
                        created_at=dt.datetime.now(dt.UTC))
        await admin.save().run()
        await RoleAssignment(account=admin.id, role="province_admin", tenant="zhejiang", department=None,
                             created_at=dt.datetime.now(dt.UTC), created_by="bench").save().run()
        runtime = await build_runtime(settings)
        row = await publishing.create_draft(ADMIN, "zhejiang", {})
        content = msgspec.json.decode(row["content"])
        next(i for i in content["indicators"] if i["id"] == "residence")["rule"]["points_per_unit"] = 0.5
        await publishing.replace_draft(ADMIN, "zhejiang", row["id"], f'"{row["revision"]}"', content)

        _, idle = await latency_while(asyncio.sleep(1.0))
        work = impact.start(runtime, Actor(ADMIN), "zhejiang", row["id"], ImpactRequest(as_of=AS_OF),
                            background=False)
        elapsed, busy = await latency_while(work)
        view = await impact.read(runtime, Actor(ADMIN), "zhejiang", 1)
    result = view.result
    assert result is not None, view.error
    print(f"impact preview, provincial draft over {result.applicants:,} applicants: {elapsed:.1f} s "
          f"({result.applicants / elapsed:,.0f} applicants/s; target: 1,000,000 in under 60 s)")
    print(f"  {result.gain:,} gain, {result.lose:,} lose, {result.same:,} unchanged; "
          f"mean {result.mean_before:.2f} -> {result.mean_after:.2f}")
    p50_idle, p50_busy = statistics.median(idle), statistics.median(busy)
    print(f"a small read meanwhile: median {p50_busy * 1e3:.1f} ms (idle {p50_idle * 1e3:.1f} ms, "
          f"{p50_busy / p50_idle:.1f} x), worst {max(busy) * 1e3:.0f} ms over {len(busy)} requests")


if __name__ == "__main__":
    asyncio.run(main())
