"""Benchmark: points applications through the service layer, from submission to determination.

    python bench/applications.py [--applications 1000] [--database-url URL] [--today 2026-11-02]

Sets up its own database: a temporary SQLite file (default), or, with --database-url
postgresql://user:password@host/NAME, a new database NAME created on that server and dropped
afterwards (it must not exist yet). It migrates it, syncs the packs in tenants/, creates the
staff accounts (in hangzhou and in xiangshan: a window clerk, the district migrant office and a
reviewer of every department) and registers N applicants with valid permits there, half in
each (features/applicants/registry.register). Then it times, one call after the other as a
single client would (features/applications/service.py, `today` pinned so that every deadline
falls in 2026, the last year the working-day calendar knows):

  apply      `apply` by the window clerk: the worked example's 10 claims (examples/, moved to
             the applicant's tenant) and the declared offences (none), with an Idempotency-Key:
             11 items routed to 7 departments
  decide     each department's reviewer reads its `queue` and approves every item in it
             (`decide`): an approval records a facts revision and recomputes the score
  determine  `determine` by the district migrant office: score the verified facts, notify

Each phase is printed as applications per second and as a ratio to a baseline measured in
the same run (this machine is noisy: compare ratios): single-row inserts into a scratch table
shaped like `application`, each in its own write transaction (store.transactions), with no
audit entry - the least a use case that writes anything can cost on this database. The
baseline runs before and after the phases; the faster run is the denominator. A bulk insert
of the same rows (500 a statement) is printed for reference. Each timed phase also shows its
calls per second over the first and over the last tenth of its calls: does it slow down as
the tables grow?

The default 1,000 applications take about 5 minutes on SQLite on a 2-core machine (about 3.5
applications a second from acceptance to determination, most of it approving 11 items each);
--applications 10000 takes about an hour there.
"""

from __future__ import annotations

import os
import tempfile

# Settings.from_env() runs when piccolo_conf is imported and may write a development secret
# into the data directory: point both at a temporary directory, never at data/.
WORKDIR = tempfile.mkdtemp(prefix="tierpoints-bench-")
os.environ["TIERPOINTS_DATA"] = WORKDIR
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR}/bench.sqlite"

import argparse
import asyncio
import datetime as dt
import json
import shutil
import statistics
import time
import uuid
from pathlib import Path
from typing import Self
from urllib.parse import urlparse

import asyncpg
from piccolo.columns import Date, Text, Timestamptz, Varchar
from piccolo.table import Table

from tierpoints import paths
from tierpoints.accounts import credentials
from tierpoints.accounts import service as account_service
from tierpoints.calendar.working_days import CalendarDataMissing, add_working_days
from tierpoints.features.applicants.identity import check_digit
from tierpoints.features.applicants.registry import register
from tierpoints.features.applicants.schemas import NewApplicant
from tierpoints.features.applications import service
from tierpoints.features.applications.schemas import Claim, NewApplication
from tierpoints.features.auth import Actor
from tierpoints.packs import load_catalog
from tierpoints.packs.sources import folder_packs
from tierpoints.runtime import build_runtime
from tierpoints.settings import Settings
from tierpoints.store import db as store_db
from tierpoints.store.policy import sync_packs
from tierpoints.store.tables import ApplicationItem, AuditEntry, Determination, Notification
from tierpoints.store.transactions import write_transaction

TENANTS = ("hangzhou", "xiangshan")
EXAMPLE = paths.project_home() / "examples/applicant-xiangshan.json"
PASSWORD = "bench password, not a secret"
INSERT_ROWS = 500


# --- the baseline -------------------------------------------------------------------------------

class BenchRow(Table, tablename="bench_scratch"):
    """The shape of an application row; no foreign keys, no audit entry."""

    applicant = Varchar(length=32)
    tenant = Varchar(length=64)
    status = Varchar(length=24)
    acceptance_number = Varchar(length=64)
    idempotency_key = Varchar(length=300)
    channel = Varchar(length=16)
    accepted_by = Varchar(length=100)
    declarations = Text()
    accepted_on = Date()
    accepted_at = Timestamptz()
    lookup_from = Date()
    lookup_rule = Text()


def scratch_row(index: int, today: dt.date) -> BenchRow:
    return BenchRow(
        applicant=str(index), tenant="xiangshan", status="accepted",
        acceptance_number=f"BENCH-{today:%Y%m%d}-{index:06d}",
        idempotency_key=f"clerk:bench-{index}", channel="window", accepted_by="clerk",
        declarations='{"offences": []}', accepted_on=today, accepted_at=dt.datetime.now(dt.UTC),
        lookup_from=today, lookup_rule="20 working days",
    )


async def baseline(count: int, today: dt.date) -> tuple[float, float]:
    """(seconds for `count` one-row write transactions, seconds for a bulk insert of as many)."""
    await BenchRow.delete(force=True).run()
    started = time.perf_counter()
    for index in range(count):
        async with write_transaction():
            await BenchRow.insert(scratch_row(index, today)).run()
    single = time.perf_counter() - started
    rows = [scratch_row(count + index, today) for index in range(count)]
    started = time.perf_counter()
    async with write_transaction():
        for first in range(0, count, INSERT_ROWS):
            await BenchRow.insert(*rows[first:first + INSERT_ROWS]).run()
    return single, time.perf_counter() - started


# --- the applicants and their applications ------------------------------------------------------

def identity_number(index: int) -> str:
    born = dt.date(1970, 1, 1) + dt.timedelta(days=index // 1000)
    first17 = f"330225{born:%Y%m%d}{index % 1000:03d}"
    return first17 + check_digit(first17)


def new_applicant(tenant: str, index: int) -> NewApplicant:
    return NewApplicant(name="李明", identity_number=identity_number(index),
                        permit_number=f"ZJ-{tenant}-{index:06d}", issued_on=dt.date(2024, 1, 15))


def new_application(tenant: str, index: int) -> NewApplication:
    """The worked example (a Xiangshan migrant) moved to `tenant`, its blood donations varied."""
    text = EXAMPLE.read_text(encoding="utf-8")
    if tenant == "hangzhou":
        text = text.replace('"ningbo"', '"hangzhou"').replace('"xiangshan"', '"hangzhou"')
    facts = json.loads(text)
    facts["blood_donations"] = index % 5
    return NewApplication(
        claims=[Claim(fact=f, value=v, evidence=[f"certificate of {f}"]) for f, v in facts.items()],
        declarations={"offences": []},  # the applicant states there is nothing to declare (§11)
    )


# --- the database -------------------------------------------------------------------------------

async def postgres_admin(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(urlparse(url)._replace(path="/postgres").geturl())


async def create_postgres_database(url: str) -> str:
    name = urlparse(url).path.lstrip("/")
    if not name or name == "postgres":
        raise SystemExit("--database-url: name a new database (the bench creates and drops it)")
    admin = await postgres_admin(url)
    try:
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            raise SystemExit(f"database {name!r} exists already: name a new one "
                             "(the bench creates it and drops it afterwards)")
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return name


async def drop_postgres_database(url: str, name: str) -> None:
    admin = await postgres_admin(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def prepare(url: str):
    """Migrated, packs synced, staff accounts made: the runtime a server would build."""
    await store_db.migrate()
    catalog = load_catalog()
    await sync_packs(catalog, folder_packs(paths.tenants_dir()), actor="bench")
    await BenchRow.create_table(if_not_exists=True).run()
    credentials.use_test_hashing()  # logging in is not what is measured
    staff = [("window_clerk", None), ("migrant_office_district", None)]
    staff += [("department_reviewer", department) for department in catalog.departments]
    for tenant in TENANTS:
        for role, department in staff:
            await account_service.create_account(catalog, username(role, tenant, department),
                                                 PASSWORD, role, tenant, department, actor="bench")
    settings = Settings(data_dir=Path(WORKDIR), database_url=url, production=False,
                        secret="bench-" + uuid.uuid4().hex)
    return await build_runtime(settings), len(TENANTS) * len(staff)


def username(role: str, tenant: str, department: str | None = None) -> str:
    return f"{role}_{tenant}" + (f"_{department}" if department else "")


# --- the run ------------------------------------------------------------------------------------

class Phase:
    """Wall time of a phase and of each call in it."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.seconds = 0.0

    def __enter__(self) -> Self:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_) -> None:
        self.seconds = time.perf_counter() - self.started

    async def call(self, awaitable):
        started = time.perf_counter()
        result = await awaitable
        self.calls.append(time.perf_counter() - started)
        return result


async def run(args: argparse.Namespace, url: str) -> None:
    today, n = args.today, args.applications
    engine = store_db.activate(store_db.engine_for(url))
    BenchRow._meta.db = engine
    postgres = store_db.is_postgres(engine)
    if postgres:
        await engine.start_connection_pool(min_size=1, max_size=20)
    try:
        started = time.perf_counter()
        runtime, accounts = await prepare(url)
        setup = time.perf_counter() - started

        with Phase() as registering:
            applicants = []  # (applicant id, tenant, index)
            for index in range(n):
                tenant = TENANTS[index % len(TENANTS)]
                office = username("migrant_office_district", tenant)
                view = await registering.call(register(runtime, office, tenant,
                                                       new_applicant(tenant, index)))
                applicants.append((view.id, tenant, index))
        requests = [(id_, tenant, new_application(tenant, index), f"bench-{index}")
                    for id_, tenant, index in applicants]
        baseline_rows = min(n, args.baseline_rows)
        before = await baseline(baseline_rows, today)

        with Phase() as applying:  # (1) at the window, with an Idempotency-Key
            applications, items = [], 0
            for applicant_id, tenant, data, key in requests:
                view, created = await applying.call(service.apply(
                    runtime, Actor(username("window_clerk", tenant)), applicant_id, data,
                    idempotency_key=key, today=today))
                assert created and view.status == "accepted", view
                applications.append((view.id, tenant))
                items += len(view.items)

        with Phase() as deciding:  # (2) each department's reviewer works through its queue
            queues, departments = Phase(), set()
            for tenant in TENANTS:
                for department in runtime.catalog.departments:
                    reviewer = Actor(username("department_reviewer", tenant, department))
                    pending = await queues.call(service.queue(runtime, reviewer, tenant, department,
                                                              today=today))
                    departments.update(item.department for item in pending)
                    for item in pending:
                        view = await deciding.call(service.decide(runtime, reviewer, item.id,
                                                                  "approve", today=today))
                        assert view.status == "approved", view
        assert len(deciding.calls) == items, (len(deciding.calls), items)

        with Phase() as determining:  # (3) the district migrant office of the application's tenant
            totals = []
            for application_id, tenant in applications:
                view = await determining.call(service.determine(
                    runtime, Actor(username("migrant_office_district", tenant)), application_id,
                    today=today))
                assert view.status == "determined", view
                totals.append(view.determination.total)

        after = await baseline(baseline_rows, today)
        stored = [await t.count().run() for t in (ApplicationItem, Determination, AuditEntry)]
        sent = await Notification.count().where(Notification.status == "sent").run()
        pending_items = await ApplicationItem.count().where(
            ApplicationItem.status == "pending").run()
    finally:
        if postgres:
            await engine.close_connection_pool()

    base_rate = baseline_rows / min(before[0], after[0])

    def line(label: str, count: int, seconds: float, unit: str = "applications",
             calls: list[float] | None = None) -> None:
        rate = count / seconds
        text = (f"{label:<40}{rate:>9,.1f} {unit + '/s':<15}{rate / base_rate:>8.4f} x baseline"
                f"   {count:>7,} in {seconds:>6,.1f} s")
        if calls:
            tenth = max(1, len(calls) // 10)
            text += (f"   first/last tenth {tenth / sum(calls[:tenth]):,.1f}"
                     f" / {tenth / sum(calls[-tenth:]):,.1f} calls/s")
        print(text)

    where = (f"PostgreSQL ({urlparse(url).path.lstrip('/')})" if postgres
             else "SQLite (a temporary file)")
    print(f"{n:,} applications at {' and '.join(TENANTS)} on {where}, today pinned to {today}; "
          "one client, one call after the other")
    print(f"{items:,} items ({items / n:g} an application) for {len(departments)} departments' "
          f"reviewers in each tenant; setup (migrate, sync, {accounts} staff accounts) "
          f"{setup:.1f} s")
    line("baseline: 1-row write transaction", baseline_rows, min(before[0], after[0]), "rows")
    print(f"{'':<40}(before the phases {baseline_rows / before[0]:,.0f} rows/s, "
          f"after them {baseline_rows / after[0]:,.0f} rows/s)")
    line("reference: bulk insert, 500 a statement", baseline_rows, min(before[1], after[1]), "rows")
    line("register applicant (setup)", n, registering.seconds, calls=registering.calls)
    line("(1) apply (window clerk, with a key)", n, applying.seconds, calls=applying.calls)
    line("(2) decide (approve every item)", n, deciding.seconds)
    line("    the same per item", items, deciding.seconds, "items", calls=deciding.calls)
    print(f"{'':<40}(reading the {len(queues.calls)} review queues: "
          f"{sum(queues.calls):.2f} s of it)")
    line("(3) determine", n, determining.seconds, calls=determining.calls)
    line("apply + decide + determine", n, applying.seconds + deciding.seconds + determining.seconds)
    print(f"stored: {stored[0]:,} items ({pending_items} pending), {stored[1]:,} determinations, "
          f"{sent:,} notifications sent, {stored[2]:,} audit entries")
    print(f"determined totals: mean {statistics.fmean(totals):.2f}, "
          f"min {min(totals):g}, max {max(totals):g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=1_000,
                        help="applicants, one application each (default 1,000)")
    parser.add_argument("--database-url", default=None,
                        help="postgresql://user:password@host/NEW_DB: created, then dropped "
                             "(default: a temporary SQLite file)")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 11, 2),
                        help="the pinned day; every deadline must fall in 2026 "
                             "(default 2026-11-02)")
    parser.add_argument("--baseline-rows", type=int, default=5_000, help="at most (default 5,000)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    keep_sqlite = False
    try:  # the temporary directory goes whatever happens, unless it holds a database to keep
        args = parser.parse_args()
        if args.applications < len(TENANTS):
            parser.error(f"--applications: at least {len(TENANTS)} (one in each tenant)")
        scheme = urlparse(args.database_url or "").scheme
        if args.database_url and scheme not in ("postgres", "postgresql"):
            parser.error("--database-url: postgresql://user:password@host/NEW_DB")
        try:  # apply counts the review and look-up deadlines from today
            catalog = load_catalog()
            for tenant in TENANTS:
                for number in ("department_review", "result_lookup"):
                    days = catalog.workflow_number(tenant, number).working_days
                    add_working_days(args.today, days)
        except CalendarDataMissing as error:
            parser.error(f"--today {args.today}: a deadline would fall after 2026 ({error})")
        url = args.database_url or os.environ["DATABASE_URL"]
        name = asyncio.run(create_postgres_database(url)) if args.database_url else None
        keep_sqlite = args.keep and name is None
        try:
            asyncio.run(run(args, url))
        finally:
            if name is not None and not args.keep:
                asyncio.run(drop_postgres_database(url, name))
            if args.keep:
                print(f"kept: database {name}" if name else f"kept: {WORKDIR}/bench.sqlite")
    finally:
        if not keep_sqlite:
            shutil.rmtree(WORKDIR, ignore_errors=True)

if __name__ == "__main__":
    main()
