"""Recognised scores: an applicant's latest facts scored as their permit's tenant sees them.

`recompute_scores` is the batch path (publishing a version and the CLI call it);
`score_applicant` is the explained single path (the score endpoint).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from tierpoints import clock
from tierpoints.engine.chain import CompiledChain
from tierpoints.engine.facts import FactsError
from tierpoints.engine.results import ScoreResult
from tierpoints.packs.catalog import NotInForce, UnknownTenant
from tierpoints.store import piccolo_conf
from tierpoints.store.bulk import insert_rows
from tierpoints.store.db import is_postgres
from tierpoints.store.tables import ApplicantFacts, RecognisedScore, ResidencePermit
from tierpoints.store.transactions import write_transaction

if TYPE_CHECKING:  # a type only: importing the runtime here would pull in accounts and authz
    from tierpoints.runtime import Runtime

CHUNK = 5_000
SCORED_STATUSES = ("valid", "suspended")  # a terminated permit's points are void
log = logging.getLogger("tierpoints.scores")


def policy_label(chain: CompiledChain) -> str:
    """The indicator-set versions a score was computed with, e.g. zhejiang@2022-01-01,ningbo@..."""
    return ",".join(f"{t.manifest.id}@{t.indicator_set.effective_from.isoformat()}" for t in chain.tiers)


async def latest_facts(applicant_ids: Sequence[int]) -> dict[int, bytes]:
    """The newest facts revision of each applicant (JSON bytes); applicants without facts are absent."""
    found: dict[int, tuple[int, bytes]] = {}
    for part in _chunks(list(applicant_ids), CHUNK):
        rows = await ApplicantFacts.select(
            ApplicantFacts.applicant, ApplicantFacts.revision, ApplicantFacts.content,
        ).where(ApplicantFacts.applicant.is_in(part)).run()
        for row in rows:
            held = found.get(row["applicant"])
            if held is None or row["revision"] > held[0]:
                found[row["applicant"]] = (row["revision"], row["content"].encode())
    return {applicant: content for applicant, (_, content) in found.items()}


NEWEST_FACTS_OF_TENANT = """
    SELECT p.id AS permit, p.applicant AS applicant, f.content AS content
    FROM residence_permit p
    LEFT JOIN applicant_facts f ON f.applicant = p.applicant
        AND f.revision = (SELECT MAX(g.revision) FROM applicant_facts g WHERE g.applicant = p.applicant)
    WHERE p.tenant = {} AND p.id > {} AND p.status IN ({}, {})
    ORDER BY p.id
    LIMIT {}
"""  # the index residence_permit (tenant, id) makes each chunk a range scan


async def stream_facts(tenant: str, chunk: int = CHUNK) -> AsyncIterator[list[tuple[int, bytes]]]:
    """(applicant, newest facts JSON) of every live permit holder in `tenant`, in permit order and
    chunks; b"{}" for those without facts. One query a chunk, whatever the size."""
    after = 0
    while True:
        rows = await ApplicantFacts.raw(NEWEST_FACTS_OF_TENANT, tenant, after, *SCORED_STATUSES, chunk).run()
        if not rows:
            return
        yield [(row["applicant"], row["content"].encode() if row["content"] else b"{}") for row in rows]
        after = rows[-1]["permit"]


async def recompute_scores(
    runtime: Runtime,
    tenants: Collection[str] | None = None,
    applicant_ids: Collection[int] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    as_of: dt.date | None = None,
) -> int:
    """Score every applicant holding a live permit (in `tenants`, or only `applicant_ids`, when
    given) at the permit's tenant and upsert their RecognisedScore; returns how many were written.

    Tenants are streamed a chunk at a time (stream_facts): memory stays bounded whatever their
    size. Applicants without facts score as empty facts. A tenant with no indicator set in force
    on `as_of`, or stored facts that no longer validate, are logged and skipped."""
    as_of = as_of or clock.today()
    engine = runtime.engine  # read once: publishing may swap it meanwhile
    if applicant_ids is not None:
        return await _recompute_applicants(engine, list(applicant_ids), as_of)
    if tenants is not None and not tenants:
        return 0
    counts = await ResidencePermit.raw(
        "SELECT tenant, COUNT(*) AS n FROM residence_permit WHERE status IN ({}, {}) GROUP BY tenant",
        *SCORED_STATUSES).run()
    per_tenant = {row["tenant"]: row["n"] for row in counts if tenants is None or row["tenant"] in tenants}
    total, done, written = sum(per_tenant.values()), 0, 0
    if on_progress:
        on_progress(0, total)
    for tenant, count in sorted(per_tenant.items()):
        policy = _policy_or_none(engine, tenant, as_of, count)
        if policy is None:
            done += count
        else:
            # Pipelined: a chunk is scored (in a thread) while the one before is being written —
            # PostgreSQL works on the COPY meanwhile (bench/volume.py at 300,000: 12,500/s against
            # 9,850/s one after the other).
            storing: asyncio.Task[int] | None = None
            try:
                async for part in stream_facts(tenant):
                    ids, rows = await asyncio.to_thread(_score_rows, engine, tenant, as_of, policy, part)
                    if storing is not None:
                        written += await storing
                    storing = asyncio.create_task(_store_counted(ids, rows))
                    done += len(part)
                    if on_progress:
                        on_progress(done, total)
            finally:
                if storing is not None:
                    written += await storing
        if on_progress:
            on_progress(done, total)
    return written


async def _recompute_applicants(engine: Any, applicant_ids: list[int], as_of: dt.date) -> int:
    """The few applicants one change touched (a registration, a move, facts recorded)."""
    if not applicant_ids:
        return 0
    rows = await ResidencePermit.select(ResidencePermit.applicant, ResidencePermit.tenant).where(
        ResidencePermit.status.is_in(list(SCORED_STATUSES)) & ResidencePermit.applicant.is_in(applicant_ids)
    ).order_by(ResidencePermit.applicant).run()
    contents = await latest_facts([row["applicant"] for row in rows])
    by_tenant: dict[str, list[tuple[int, bytes]]] = {}
    for row in rows:
        by_tenant.setdefault(row["tenant"], []).append((row["applicant"], contents.get(row["applicant"], b"{}")))
    written = 0
    for tenant, stored in sorted(by_tenant.items()):
        policy = _policy_or_none(engine, tenant, as_of, len(stored))
        if policy is not None:
            written += await _score_chunk(engine, tenant, as_of, policy, stored)
    return written


def _policy_or_none(engine: Any, tenant: str, as_of: dt.date, count: int) -> str | None:
    try:
        return policy_label(engine.chain(tenant, as_of))
    except (NotInForce, UnknownTenant) as error:
        log.warning("not scoring %d applicant(s) at %s: %s", count, tenant, error)
        return None


async def _score_chunk(engine: Any, tenant: str, as_of: dt.date, policy: str,
                       stored: list[tuple[int, bytes]]) -> int:
    """Score (applicant, stored facts JSON) pairs of one tenant in batch and store the results."""
    return await _store_counted(*_score_rows(engine, tenant, as_of, policy, stored))


def _score_rows(engine: Any, tenant: str, as_of: dt.date, policy: str,
                stored: list[tuple[int, bytes]]) -> tuple[list[int], list[tuple]]:
    """(applicant ids, recognised_score rows) of (applicant, stored facts JSON) pairs of one tenant."""
    scored_ids, facts = [], []
    for applicant, content in stored:
        try:
            facts.append(engine.decode_stored(content))
            scored_ids.append(applicant)
        except FactsError as error:
            log.warning("applicant %d: stored facts do not fit the facts schema (%s): %s",
                        applicant, error.pointer, error.message)
    if not scored_ids:
        return [], []
    scores = engine.score_columns(engine.load_batch(facts, tenant, as_of), tenant, as_of)
    now, encode = dt.datetime.now(dt.UTC), msgspec.json.encode
    return scored_ids, [(applicant, tenant, as_of, float(row["total"]), row["vetoed"], encode(row).decode(), policy,
                         now) for applicant, row in zip(scored_ids, scores.rows())]


async def _store_counted(applicant_ids: list[int], rows: list[tuple]) -> int:
    if rows:
        await store_scores(applicant_ids, rows)
    return len(rows)


SCORE_COLUMNS = ("applicant", "tenant", "as_of", "total", "vetoed", "result", "policy", "computed_at")


async def store_scores(applicant_ids: list[int], rows: list[tuple]) -> None:
    """Replace the applicants' rows (tuples in SCORE_COLUMNS order): one row per applicant,
    whatever ran before."""
    async with write_transaction():
        if is_postgres(piccolo_conf.DB):
            # Concurrent delete-then-insert under READ COMMITTED could leave two rows.
            await piccolo_conf.DB.run_ddl("LOCK TABLE recognised_score IN SHARE ROW EXCLUSIVE MODE")
        await RecognisedScore.delete().where(RecognisedScore.applicant.is_in(applicant_ids)).run()
        await insert_rows("recognised_score", SCORE_COLUMNS, rows)


async def forget_score(applicant_id: int) -> None:
    """A void score (terminated permit) is not kept as if it could still rank."""
    await RecognisedScore.delete().where(RecognisedScore.applicant == applicant_id).run()


def score_applicant(runtime: Runtime, facts: bytes | dict | None, at: str, as_of: dt.date | None = None) -> ScoreResult:
    """The explained single path: every indicator with its reason, as `at` sees the applicant."""
    as_of = as_of or clock.today()
    return runtime.engine.score(facts if facts is not None else b"{}", at=at, as_of=as_of)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
