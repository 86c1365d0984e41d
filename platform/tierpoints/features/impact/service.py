"""Use cases of the impact preview: start one (or reuse the same draft revision and date),
compute it in the background — data loaded on the event loop, scoring in a thread so ordinary
requests keep being served — and read it, masked and filtered for the reader."""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import logging
from collections.abc import Callable
from typing import Any

import msgspec
import numpy as np

from tierpoints import audit, clock
from tierpoints.engine import Engine
from tierpoints.features.applicants.scores import SCORED_STATUSES, stream_facts
from tierpoints.features.auth import Actor, authorize
from tierpoints.features.impact import rounds as round_impact
from tierpoints.features.impact.compare import BINS, Mover, compare_stored, histogram
from tierpoints.features.impact.schemas import (
    Distribution,
    ImpactRequest,
    ImpactResult,
    ImpactView,
    MoverRow,
    TenantCounts,
)
from tierpoints.features.publishing import service as publishing
from tierpoints.features.publishing.errors import (
    DraftConflict,
    DraftNotFound,
    InvalidDraft,
    problem_entries,
)
from tierpoints.features.publishing.validation import DraftPack
from tierpoints.features.applicants.identity import mask_name
from tierpoints.packs.catalog import PolicyCatalog, load_sources
from tierpoints.packs.problems import PackError
from tierpoints.runtime import Runtime
from tierpoints.store.policy import database_packs
from tierpoints.store.tables import Applicant, ImpactReport, ResidencePermit
from tierpoints.store.transactions import write_transaction

CHUNK = 10_000
MOVERS = 50
STALE_AFTER = dt.timedelta(minutes=30)  # a "running" report no task of ours holds: interrupted
RESOURCE = "indicator_sets"
log = logging.getLogger("tierpoints.impact")
_tasks: dict[int, asyncio.Task] = {}  # the previews this process computes (kept referenced)


# --- the draft as if in force ---------------------------------------------------------------------

async def draft_catalog(tenant: str, content: dict[str, Any], as_of: dt.date) -> PolicyCatalog:
    """The published policy with the draft in force from `as_of` (422 listing every problem)."""
    content = {**content, "effective_from": as_of.isoformat()}
    packs = []
    for pack in await database_packs():
        if pack.tenant == tenant:
            pack = DraftPack(tenant=pack.tenant, manifest_data=pack.manifest_data, sets=pack.sets,
                             roles_data=pack.roles_data, workflow_data=pack.workflow_data,
                             services_data=pack.services_data, draft=content, draft_stem=as_of.isoformat())
        packs.append(pack)
    try:
        return load_sources(packs)
    except PackError as error:
        raise InvalidDraft(f"the draft cannot be put in force on {as_of}: {len(error.problems)} problem(s)",
                           problem_entries(error.problems)) from None


def reached(runtime: Runtime, tenant: str) -> list[str]:
    """The tenants whose applicants a tenant's indicators reach: it and every tenant below."""
    return publishing.affected_tenants(runtime, tenant)


# --- starting and reading -----------------------------------------------------------------------------

def _view(row: dict[str, Any], result: ImpactResult | None = None) -> ImpactView:
    return ImpactView(id=row["id"], tenant=row["tenant"], draft=row["draft"], draft_revision=row["draft_revision"],
                      as_of=row["as_of"], status=row["status"], done=row["done"], total=row["total"],
                      requested_by=row["requested_by"], requested_at=row["requested_at"],
                      finished_at=row["finished_at"], error=row["error"], result=result)


async def _row(report_id: int) -> dict[str, Any] | None:
    return await ImpactReport.select().where(ImpactReport.id == report_id).first().run()


async def start(runtime: Runtime, actor: Actor, tenant: str, draft_id: int, data: ImpactRequest,
                background: bool = True, on_progress: Callable[[int, int], None] | None = None,
                today: dt.date | None = None) -> tuple[ImpactView, bool]:
    """indicator_sets:read_drafts in the tenant. Returns (the report, started): the same draft
    revision and date reuse a report running or done."""
    runtime.catalog.tenant(tenant)
    username = authorize(runtime, actor, tenant, RESOURCE, "read_drafts")
    draft = await publishing.get_version(tenant, draft_id)
    if draft["status"] != "draft":
        raise DraftConflict(f"version {draft_id} is {draft['status']}: preview a draft")
    as_of = data.as_of or today or clock.today()
    key = ((ImpactReport.tenant == tenant) & (ImpactReport.draft == draft_id)
           & (ImpactReport.draft_revision == draft["revision"]) & (ImpactReport.as_of == as_of))
    async with write_transaction():
        for row in await ImpactReport.select().where(key & ImpactReport.status.is_in(["running", "done"])).run():
            if row["status"] == "running" and row["id"] not in _tasks \
                    and dt.datetime.now(dt.UTC) - row["requested_at"] > STALE_AFTER:
                await _finish(row["id"], error="interrupted: the process computing it stopped")
                continue
            return _view(row), False
    catalog = await draft_catalog(tenant, msgspec.json.decode(draft["content"]), as_of)
    async with write_transaction():
        report = ImpactReport(tenant=tenant, draft=draft_id, draft_revision=draft["revision"], as_of=as_of,
                              status="running", requested_by=username, requested_at=dt.datetime.now(dt.UTC))
        await report.save().run()
        await audit.record(username, tenant, "impact.requested", f"indicator_set/{draft_id}",
                           {"report": report.id, "revision": draft["revision"], "as_of": as_of.isoformat()})
    work = _compute(runtime, report.id, tenant, draft_id, draft["revision"], as_of, Engine(catalog), on_progress)
    if background:
        task = _tasks[report.id] = asyncio.create_task(work)
        task.add_done_callback(lambda _: _tasks.pop(report.id, None))
    else:
        await work
    return _view(await _row(report.id)), True


async def read(runtime: Runtime, actor: Actor, tenant: str, report_id: int) -> ImpactView:
    """Aggregates for whoever may read the tenant's drafts; mover rows (masked) only of the
    tenants whose applicants the reader may read."""
    runtime.catalog.tenant(tenant)
    username = authorize(runtime, actor, tenant, RESOURCE, "read_drafts")
    row = await _row(report_id)
    if row is None or row["tenant"] != tenant:
        raise DraftNotFound(f"{tenant} has no impact report {report_id}")
    if row["report"] is None:
        return _view(row)
    result = msgspec.json.decode(row["report"], type=ImpactResult)
    visible = {t for t in result.tenants if runtime.authorizer.can(username, t, "applicants", "read")}
    result.movers = [m for m in result.movers if m.tenant in visible]
    return _view(row, result)


async def _finish(report_id: int, result: ImpactResult | None = None, error: str | None = None) -> None:
    await ImpactReport.update({
        ImpactReport.status: "failed" if error else "done", ImpactReport.error: error,
        ImpactReport.report: None if result is None else msgspec.json.encode(result).decode(),
        ImpactReport.finished_at: dt.datetime.now(dt.UTC),
    }).where(ImpactReport.id == report_id).run()


# --- computing ------------------------------------------------------------------------------------

class _Tally:
    """Running aggregates over the chunks (memory stays bounded: no per-applicant arrays kept)."""

    def __init__(self) -> None:
        self.by_tenant: dict[str, TenantCounts] = {}
        self.before_bins = np.zeros(len(BINS) - 1, dtype=np.int64)
        self.after_bins = np.zeros(len(BINS) - 1, dtype=np.int64)
        self.sum_before = self.sum_after = 0.0
        self.vetoed_before = self.vetoed_after = self.unreadable = 0
        self.movers: list[tuple[float, int, Mover]] = []  # a min-heap of the largest |change|

    def add(self, tenant: str, chunk) -> None:
        counts = self.by_tenant.setdefault(tenant, TenantCounts(0, 0, 0, 0))
        delta = chunk.after - chunk.before
        counts.applicants += len(delta)
        counts.gain += int((delta > 0).sum())
        counts.lose += int((delta < 0).sum())
        counts.same += int((delta == 0).sum())
        self.before_bins += histogram(chunk.before)
        self.after_bins += histogram(chunk.after)
        self.sum_before += float(chunk.before.sum())
        self.sum_after += float(chunk.after.sum())
        self.vetoed_before += chunk.vetoed_before
        self.vetoed_after += chunk.vetoed_after
        self.unreadable += chunk.unreadable
        for mover in chunk.movers:
            entry = (abs(mover.change), -mover.applicant, mover)
            if len(self.movers) < MOVERS:
                heapq.heappush(self.movers, entry)
            elif entry[:2] > self.movers[0][:2]:
                heapq.heapreplace(self.movers, entry)


async def _compute(runtime: Runtime, report_id: int, tenant: str, draft_id: int, revision: int, as_of: dt.date,
                   draft: Engine, on_progress: Callable[[int, int], None] | None) -> None:
    try:
        result = await _impact(runtime, report_id, tenant, draft_id, revision, as_of, draft, on_progress)
    except Exception as error:  # the report says it failed; the service goes on
        log.exception("impact report %d failed", report_id)
        await _finish(report_id, error=f"{type(error).__name__}: {error}")
        return
    await _finish(report_id, result)


async def _impact(runtime: Runtime, report_id: int, tenant: str, draft_id: int, revision: int, as_of: dt.date,
                  draft: Engine, on_progress: Callable[[int, int], None] | None) -> ImpactResult:
    published = runtime.engine
    tenants = reached(runtime, tenant)
    total = await ResidencePermit.count().where(
        ResidencePermit.status.is_in(list(SCORED_STATUSES)) & ResidencePermit.tenant.is_in(tenants)).run()
    done, tally = 0, _Tally()
    await ImpactReport.update({ImpactReport.total: total}).where(ImpactReport.id == report_id).run()
    for where in tenants:
        async for part in stream_facts(where, CHUNK):
            # decoding and scoring in a thread: the event loop goes on serving requests
            chunk = await asyncio.to_thread(compare_stored, published, draft, where, as_of, part, MOVERS)
            if chunk is not None:
                tally.add(where, chunk)
            else:
                tally.unreadable += len(part)
            done += len(part)
            await ImpactReport.update({ImpactReport.done: done}).where(ImpactReport.id == report_id).run()
            if on_progress:
                on_progress(done, total)
    movers = [m for _, _, m in sorted(tally.movers, reverse=True)]
    people = {}
    if movers:
        for row in await Applicant.select(Applicant.id, Applicant.name, Applicant.identity_masked).where(
                Applicant.id.is_in([m.applicant for m in movers])).run():
            people[row["id"]] = row
    counted = sum(c.applicants for c in tally.by_tenant.values()) or 1
    return ImpactResult(
        tenant=tenant, draft=draft_id, draft_revision=revision, as_of=as_of, tenants=tenants,
        applicants=sum(c.applicants for c in tally.by_tenant.values()),
        gain=sum(c.gain for c in tally.by_tenant.values()), lose=sum(c.lose for c in tally.by_tenant.values()),
        same=sum(c.same for c in tally.by_tenant.values()),
        vetoed_before=tally.vetoed_before, vetoed_after=tally.vetoed_after, unreadable=tally.unreadable,
        mean_before=round(tally.sum_before / counted, 4), mean_after=round(tally.sum_after / counted, 4),
        by_tenant=dict(sorted(tally.by_tenant.items())),
        distribution=Distribution(bins=[float(b) for b in BINS[:-1]], before=tally.before_bins.tolist(),
                                  after=tally.after_bins.tolist()),
        movers=[MoverRow(masked_name=mask_name(people[m.applicant]["name"]),
                         masked_identity=people[m.applicant]["identity_masked"], tenant=m.tenant, before=m.before,
                         after=m.after, change=m.change, indicators=m.indicators, applicant=m.applicant)
                for m in movers],
        rounds=await round_impact.changes(runtime, draft, tenants),
    )
