"""Use cases of a service round (Hangzhou rules §19-§20): open and rank, publish for the
service's working days, take and check objections (a correction ranks again: a new version,
the old kept), allocate the quota when publicity closes with no objection open.

Every change is authorised for the actor's role in the round's tenant and audited in the same
transaction. Rankings are immutable: a RankingVersion is only ever added.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any

import msgspec

from tierpoints import audit, clock
from tierpoints.calendar.working_days import Deadline
from tierpoints.features.applicants.facts import store_facts
from tierpoints.features.applicants.records import load
from tierpoints.features.applications.service import (
    check_corrections,
    clean_text,
    record_determination,
)
from tierpoints.features.auth import Actor, authorize
from tierpoints.features.rounds import population
from tierpoints.features.rounds.errors import RoundDataError, RoundNotFound, RoundStateConflict
from tierpoints.features.rounds.schemas import (
    NewPublicityObjection,
    NewRound,
    ObjectionCheck,
    PublicEntry,
    PublicityObjectionView,
    RankingPage,
    RoundView,
    VersionDiff,
    VersionView,
)
from tierpoints.packs.catalog import UnknownService
from tierpoints.packs.models import Service
from tierpoints.rounds.candidates import ranking_inputs
from tierpoints.rounds.ranking import Ranking, diff, rank
from tierpoints.rounds.ranking import allocate as allocate_quota
from tierpoints.runtime import Runtime
from tierpoints.store import db, piccolo_conf
from tierpoints.store.db import is_postgres
from tierpoints.store.entries import store_entries
from tierpoints.store.tables import (
    Application,
    Determination,
    PublicityObjection,
    RankingBasis,
    RankingEntry,
    RankingVersion,
    ServiceRound,
)
from tierpoints.store.transactions import write_transaction

RANKED, PUBLICITY, ALLOCATED = "ranked", "publicity", "allocated"
PUBLISHED = (PUBLICITY, ALLOCATED)  # the public sees these
MAX_QUOTA = 10_000_000
PAGE = 100


# --- reading ------------------------------------------------------------------------------------

def node_for(actor: Actor) -> str | None:
    """The public's reads may go to the read replica (DATABASE_REPLICA_URL); the rest: the primary."""
    return db.read_node() if actor.username is None else None


async def _round(round_id: int, lock: bool = False, node: str | None = None) -> dict[str, Any]:
    query = ServiceRound.select().where(ServiceRound.id == round_id)
    if lock and is_postgres(piccolo_conf.DB):
        query = query.lock_rows()
    rows = await query.run(node=node)
    if not rows:
        raise RoundNotFound(f"no round {round_id}")
    return rows[0]


def _service(runtime: Runtime, row: dict[str, Any]) -> Service:
    return runtime.catalog.service(row["tenant"], row["service"])


async def _versions(round_id: int, node: str | None = None) -> list[dict[str, Any]]:
    return await RankingVersion.select(
        RankingVersion.version, RankingVersion.content_hash, RankingVersion.entries, RankingVersion.refused_count,
        RankingVersion.reason, RankingVersion.created_by, RankingVersion.created_at,
    ).where(RankingVersion.round == round_id).order_by(RankingVersion.version).run(node=node)


PARSED_KEPT = 4  # parsed versions kept per process (one of a million entries is ~100 MB parsed)
_parsed: OrderedDict[str, Ranking] = OrderedDict()  # by content hash: versions never change


async def version_row(round_id: int, version: int | None, node: str | None = None) -> dict[str, Any]:
    """A version's short columns (id, version, content_hash, entries), not its document; the
    newest when `version` is None."""
    query = RankingVersion.select(
        RankingVersion.id, RankingVersion.version, RankingVersion.content_hash, RankingVersion.entries,
    ).where(RankingVersion.round == round_id)
    if version is not None:
        query = query.where(RankingVersion.version == version)
    row = await query.order_by(RankingVersion.version, ascending=False).first().run(node=node)
    if row is None:
        raise RoundNotFound(f"round {round_id} has no ranking version {version}")
    return row


async def stored_ranking(round_id: int, version: int | None = None, node: str | None = None) -> tuple[int, Ranking]:
    """A version parsed from its snapshot document (checked against its hash); the document is
    read only when this process has not parsed that hash yet."""
    row = await version_row(round_id, version, node)
    ranking = _parsed.get(row["content_hash"])
    if ranking is None:
        stored = await RankingVersion.select(RankingVersion.document).where(
            RankingVersion.id == row["id"]).first().run(node=node)
        ranking = Ranking.from_document(stored["document"].encode(), expected_hash=row["content_hash"])
        _parsed[row["content_hash"]] = ranking
        while len(_parsed) > PARSED_KEPT:
            _parsed.popitem(last=False)
    else:
        _parsed.move_to_end(row["content_hash"])
    return row["version"], ranking


def _may_read(runtime: Runtime, actor: Actor, row: dict[str, Any]) -> None:
    """Published rounds are public (§19: rankings are made public); others need rounds:read."""
    if row["status"] not in PUBLISHED:
        authorize(runtime, actor, row["tenant"], "rounds", "read")


async def _view(runtime: Runtime, row: dict[str, Any], node: str | None = None) -> RoundView:
    service = _service(runtime, row)
    versions = [VersionView(version=v["version"], content_hash=v["content_hash"], entries=v["entries"],
                            refused=v["refused_count"], reason=v["reason"],
                            created_by=v["created_by"], created_at=v["created_at"]) for v in await _versions(row["id"], node)]
    return RoundView(
        id=row["id"], tenant=row["tenant"], service=row["service"],
        service_name={"zh": service.name.zh, "en": service.name.en}, quota=row["quota"], snapshot=row["snapshot"],
        status=row["status"], publicity_from=row["publicity_from"], publicity_until=row["publicity_until"],
        publicity_rule=row["publicity_rule"], versions=versions,
        allocation=None if row["allocation"] is None else msgspec.json.decode(row["allocation"]),
    )


async def read(runtime: Runtime, actor: Actor, round_id: int) -> RoundView:
    row = await _round(round_id, node=node_for(actor))
    _may_read(runtime, actor, row)
    return await _view(runtime, row, node_for(actor))


async def listed(runtime: Runtime, actor: Actor, tenant: str) -> list[RoundView]:
    """The tenant's published rounds; all of them for whoever may read its rounds."""
    runtime.catalog.tenant(tenant)
    query = ServiceRound.select().where(ServiceRound.tenant == tenant).order_by(ServiceRound.id)
    if actor.username is None or not runtime.authorizer.can(actor.username, tenant, "rounds", "read"):
        query = query.where(ServiceRound.status.is_in(list(PUBLISHED)))
    return [await _view(runtime, row, node_for(actor)) for row in await query.run(node=node_for(actor))]


async def ranking_page(runtime: Runtime, actor: Actor, round_id: int, version: int | None, offset: int,
                       limit: int, acceptance_number: str | None) -> RankingPage:
    """Masked entries (§19 publicity), paginated; `acceptance_number` finds one's own entry —
    the applicant's, or a child's ranked on that applicant's points."""
    node = node_for(actor)
    row = await _round(round_id, node=node)
    _may_read(runtime, actor, row)
    stored = await version_row(round_id, version, node)
    where = (RankingEntry.version == stored["id"]) & (RankingEntry.position >= offset) & (
        RankingEntry.position < offset + limit)
    if acceptance_number is not None:
        found = await Application.select(Application.applicant).where(
            Application.acceptance_number == acceptance_number.strip().upper()).first().run(node=node)
        who = found["applicant"] if found else -1
        where = (RankingEntry.version == stored["id"]) & (
            (RankingEntry.applicant == who) | (RankingEntry.points_of == who))
    entries = [PublicEntry(
        rank=entry["rank"], masked_name=entry["masked_name"], masked_identity=entry["masked_identity"],
        total=entry["total"], tiers=msgspec.json.decode(entry["tiers"]), tie_breaks=msgspec.json.decode(entry["keys"]),
        on_parents_points=entry["points_of"] != entry["applicant"],
    ) for entry in await RankingEntry.select(
        RankingEntry.rank, RankingEntry.applicant, RankingEntry.points_of, RankingEntry.masked_name,
        RankingEntry.masked_identity, RankingEntry.total, RankingEntry.tiers, RankingEntry.keys,
    ).where(where).order_by(RankingEntry.position).run(node=node)]
    return RankingPage(round=round_id, version=stored["version"], content_hash=stored["content_hash"],
                       total_entries=stored["entries"], offset=offset if acceptance_number is None else 0,
                       entries=entries)



async def document(runtime: Runtime, actor: Actor, round_id: int, version: int | None) -> tuple[str, bytes]:
    """The stored snapshot (canonical JSON; its SHA-256 is the version's hash): rounds:read."""
    row = await _round(round_id)
    authorize(runtime, actor, row["tenant"], "rounds", "read")
    _, ranking = await stored_ranking(round_id, version)
    return ranking.hash, ranking.document()


async def version_diff(runtime: Runtime, actor: Actor, round_id: int, version: int) -> VersionDiff:
    """Who moved between `version` and the one before it, and why (§20 corrections)."""
    row = await _round(round_id)
    _may_read(runtime, actor, row)
    if version < 2:
        raise RoundDataError("/version", "the first version has nothing before it to compare with")
    _, old = await stored_ranking(round_id, version - 1)
    _, new = await stored_ranking(round_id, version)
    reason = (await RankingVersion.select(RankingVersion.reason).where(
        (RankingVersion.round == round_id) & (RankingVersion.version == version)).first().run())["reason"]
    changes = diff(old, new)
    return VersionDiff(round=round_id, old_version=version - 1, new_version=version, reason=reason,
                       moves=changes.moves, unchanged=changes.unchanged)


# --- opening and ranking (§19) ------------------------------------------------------------------

async def _rank(runtime: Runtime, service: Service, snapshot: dt.date) -> tuple[Ranking, list]:
    candidates, refused = await population.build(runtime, service, snapshot)
    return rank(candidates, ranking_inputs(runtime.catalog, service, snapshot)), refused


async def _store_version(round_id: int, version: int, ranking: Ranking, refused: list, reason: str,
                         username: str) -> None:
    stored = RankingVersion(
        round=round_id, version=version, content_hash=ranking.hash, document=ranking.document().decode(),
        entries=len(ranking), refused=msgspec.json.encode(refused).decode(), refused_count=len(refused),
        reason=reason,
        created_by=username, created_at=dt.datetime.now(dt.UTC),
    )
    await stored.save().run()
    await store_entries(stored.id, ranking)  # what the public pages read


async def open_round(runtime: Runtime, actor: Actor, tenant: str, data: NewRound,
                     today: dt.date | None = None) -> RoundView:
    """rounds:open in the tenant that declares the service; ranks at once (version 1)."""
    today = today or clock.today()
    runtime.catalog.tenant(tenant)
    username = authorize(runtime, actor, tenant, "rounds", "open")
    try:
        service = runtime.catalog.service(tenant, data.service)
    except UnknownService as error:
        raise RoundDataError("/service", str(error)) from None
    if not 1 <= data.quota <= MAX_QUOTA:
        raise RoundDataError("/quota", f"a number of places from 1 to {MAX_QUOTA:,}")
    if data.snapshot > today:
        raise RoundDataError("/snapshot", f"{data.snapshot} is after today ({today}): points valid on a "
                                          "future day are not known yet")
    ranking, refused = await _rank(runtime, service, data.snapshot)
    async with write_transaction():
        row = ServiceRound(tenant=tenant, service=service.id, quota=data.quota, snapshot=data.snapshot, status=RANKED,
                           opened_by=username, opened_at=dt.datetime.now(dt.UTC))
        await row.save().run()
        await _store_version(row.id, 1, ranking, refused, "the first ranking", username)
        await audit.record(username, tenant, "round.opened", f"round/{row.id}", {
            "service": service.id, "quota": data.quota, "snapshot": data.snapshot.isoformat(),
            "ranked": len(ranking), "refused": len(refused), "hash": ranking.hash})
    return await read(runtime, actor, row.id)


async def publish(runtime: Runtime, actor: Actor, round_id: int, today: dt.date | None = None) -> RoundView:
    """rounds:publish: the ranking is public for the service's working days (§19: at least 7)."""
    today = today or clock.today()
    row = await _round(round_id)
    username = authorize(runtime, actor, row["tenant"], "rounds", "publish")
    service = _service(runtime, row)
    until = Deadline.after(today, service.publicity_working_days,
                           f"publicity: {service.publicity_working_days} working days ({row['tenant']} "
                           f"{service.id}; {service.source.document}, {service.source.clause})")
    async with write_transaction():
        row = await _round(round_id, lock=True)
        if row["status"] != RANKED:
            raise RoundStateConflict(f"round {round_id} is {row['status']}: only a ranked round is published",
                                     row["status"])
        await ServiceRound.update({ServiceRound.status: PUBLICITY, ServiceRound.publicity_from: today,
                                   ServiceRound.publicity_until: until.due,
                                   ServiceRound.publicity_rule: until.rule}).where(ServiceRound.id == round_id).run()
        await audit.record(username, row["tenant"], "round.published", f"round/{round_id}",
                           {"from": today.isoformat(), "until": until.due.isoformat()})
    return await read(runtime, actor, round_id)


# --- objections during publicity (§20) ----------------------------------------------------------

def _objection_view(row: dict[str, Any]) -> PublicityObjectionView:
    return PublicityObjectionView(
        id=row["id"], round=row["round"], version=row["version"], applicant=row["applicant"],
        grounds=row["grounds"], filed_by=row["filed_by"], filed_on=row["filed_on"], status=row["status"],
        answer=row["answer"], checked_by=row["checked_by"], checked_on=row["checked_on"],
        corrected_version=row["corrected_version"])


async def objections(runtime: Runtime, actor: Actor, round_id: int) -> list[PublicityObjectionView]:
    row = await _round(round_id)
    authorize(runtime, actor, row["tenant"], "rounds", "read")
    rows = await PublicityObjection.select().where(PublicityObjection.round == round_id).order_by(
        PublicityObjection.id).run()
    return [_objection_view(r) for r in rows]


async def object_to(runtime: Runtime, actor: Actor, round_id: int, data: NewPublicityObjection,
                    today: dt.date | None = None) -> PublicityObjectionView:
    """During publicity: the applicant about their own entry (or refusal), or an office that
    takes objections (rounds:take_objection) about anyone in the round."""
    today = today or clock.today()
    row = await _round(round_id)
    record = await load(data.applicant)
    username = actor.require_login() if record.is_own(actor) else \
        authorize(runtime, actor, row["tenant"], "rounds", "take_objection")
    grounds = clean_text(data.grounds, "/grounds")
    async with write_transaction():
        row = await _round(round_id, lock=True)
        _during_publicity(row, today, "raise an objection")
        version, ranking = await stored_ranking(round_id)
        refused = await RankingVersion.select(RankingVersion.refused).where(
            (RankingVersion.round == round_id) & (RankingVersion.version == version)).first().run()
        named = ranking.position_of(data.applicant) is not None or data.applicant in (
            r["applicant"] for r in msgspec.json.decode(refused["refused"]))
        if not named:
            raise RoundDataError("/applicant", f"applicant {data.applicant} is neither ranked nor refused in "
                                               f"round {round_id}")
        objection = PublicityObjection(round=round_id, version=version, applicant=data.applicant, grounds=grounds,
                                       filed_by=username, filed_on=today, status="open")
        await objection.save().run()
        await audit.record(username, row["tenant"], "round.objection_raised", f"round/{round_id}",
                           {"objection": objection.id, "applicant": data.applicant, "version": version})
    return _objection_view((await PublicityObjection.select().where(PublicityObjection.id == objection.id).run())[0])


def _during_publicity(row: dict[str, Any], today: dt.date, what: str) -> None:
    if row["status"] != PUBLICITY or today > row["publicity_until"]:
        when = (f"publicity ran until {row['publicity_until']}" if row["publicity_until"]
                else "it is not published")
        raise RoundStateConflict(f"cannot {what} in round {row['id']}: it is {row['status']} ({when}; "
                                 "Hangzhou rules §20: objections during the publicity period)", row["status"])


async def check_objection(runtime: Runtime, actor: Actor, round_id: int, objection_id: int, data: ObjectionCheck,
                          today: dt.date | None = None) -> PublicityObjectionView:
    """rounds:check_objection (the municipal office). Upheld with corrections: the facts are
    corrected, the applicant's points determined again as of the same day, and the round
    ranked again — a new version; the diff shows who moved."""
    today = today or clock.today()
    row = await _round(round_id)
    username = authorize(runtime, actor, row["tenant"], "rounds", "check_objection")
    if data.outcome not in ("upheld", "dismissed"):
        raise RoundDataError("/outcome", "upheld or dismissed")
    answer = clean_text(data.answer, "/answer")
    if data.corrections and data.outcome != "upheld":
        raise RoundDataError("/corrections", "only an upheld objection corrects facts")
    check_corrections(runtime, data.corrections)
    async with write_transaction():
        row = await _round(round_id, lock=True)
        objection = await PublicityObjection.select().where(
            (PublicityObjection.id == objection_id) & (PublicityObjection.round == round_id)).first().run()
        if objection is None:
            raise RoundNotFound(f"round {round_id} has no objection {objection_id}")
        if objection["status"] != "open":
            raise RoundStateConflict(f"objection {objection_id} is {objection['status']} already", objection["status"])
        if row["status"] != PUBLICITY:
            raise RoundStateConflict(f"round {round_id} is {row['status']}: objections are checked during "
                                     "publicity", row["status"])
        corrected_version = None
        if data.outcome == "upheld":
            if data.corrections:
                await _correct(runtime, username, objection["applicant"], data.corrections, row["snapshot"],
                               {"round": round_id, "objection": objection_id})
            service = _service(runtime, row)
            ranking, refused = await _rank(runtime, service, row["snapshot"])
            latest, _ = await stored_ranking(round_id)
            corrected_version = latest + 1
            await _store_version(round_id, corrected_version, ranking, refused,
                                 f"objection {objection_id} upheld: {answer}", username)
        await PublicityObjection.update({
            PublicityObjection.status: data.outcome, PublicityObjection.answer: answer,
            PublicityObjection.checked_by: username, PublicityObjection.checked_on: today,
            PublicityObjection.corrected_version: corrected_version,
        }).where(PublicityObjection.id == objection_id).run()
        await audit.record(username, row["tenant"], f"round.objection_{data.outcome}", f"round/{round_id}", {
            "objection": objection_id, "applicant": objection["applicant"], "corrected": sorted(data.corrections),
            "version": corrected_version})
    return _objection_view((await PublicityObjection.select().where(PublicityObjection.id == objection_id).run())[0])


async def _correct(runtime: Runtime, username: str, applicant: int, corrections: dict[str, Any],
                   snapshot: dt.date, context: dict[str, Any]) -> None:
    """Record the corrected facts and determine the points again as of the determination's own
    day, so the correction replaces the points the round ranked."""
    current = await Determination.select(Determination.application, Determination.as_of).where(
        (Determination.application.applicant == applicant) & (Determination.as_of <= snapshot)
    ).order_by(Determination.id, ascending=False).first().run()
    if current is None:
        raise RoundDataError("/corrections", f"applicant {applicant} has no determined points to correct")
    await store_facts(runtime, username, applicant, corrections, context)
    application = (await Application.select().where(Application.id == current["application"]).run())[0]
    await record_determination(runtime, username, application, current["as_of"], "publicity_correction")


# --- allocation (§20) ---------------------------------------------------------------------------

async def allocate(runtime: Runtime, actor: Actor, round_id: int, today: dt.date | None = None) -> RoundView:
    """rounds:allocate once publicity has closed with no objection open: the quota in rank order,
    the boundary group as the pack says; the granted applicants' own points are marked used."""
    today = today or clock.today()
    row = await _round(round_id)
    username = authorize(runtime, actor, row["tenant"], "rounds", "allocate")
    service = _service(runtime, row)
    async with write_transaction():
        row = await _round(round_id, lock=True)
        if row["status"] != PUBLICITY:
            raise RoundStateConflict(f"round {round_id} is {row['status']}: only a round that was published is "
                                     "allocated", row["status"])
        if today <= row["publicity_until"]:
            raise RoundStateConflict(f"publicity of round {round_id} runs until {row['publicity_until']} "
                                     f"({row['publicity_rule']}): allocate after it", row["status"])
        still_open = await PublicityObjection.count().where(
            (PublicityObjection.round == round_id) & (PublicityObjection.status == "open")).run()
        if still_open:
            raise RoundStateConflict(f"round {round_id} has {still_open} objection(s) not yet checked", row["status"])
        version, ranking = await stored_ranking(round_id)
        result = allocate_quota(ranking, row["quota"], service.boundary.resolve)
        used_for = f"{row['tenant']}/{service.id} round {round_id}"
        if service.ranks_by == "own_score" and result.granted:
            await _mark_used(result.granted, row["snapshot"], today, used_for)
        await ServiceRound.update({
            ServiceRound.status: ALLOCATED, ServiceRound.allocation: msgspec.json.encode(result).decode(),
            ServiceRound.allocated_by: username, ServiceRound.allocated_at: dt.datetime.now(dt.UTC),
        }).where(ServiceRound.id == round_id).run()
        await audit.record(username, row["tenant"], "round.allocated", f"round/{round_id}", {
            "version": version, "hash": ranking.hash, "granted": len(result.granted), "pending": len(result.pending),
            "over_quota": result.over_quota, "unfilled": result.unfilled})
    return await read(runtime, actor, round_id)


async def _mark_used(applicants: list[int], snapshot: dt.date, today: dt.date, used_for: str) -> None:
    """The determination each granted applicant was ranked with (in force on the snapshot)."""
    for start in range(0, len(applicants), population.CHUNK):
        part = applicants[start:start + population.CHUNK]
        whose = {r["id"]: r["applicant"] for r in await Application.select(Application.id, Application.applicant).where(
            Application.applicant.is_in(part)).run()}  # by the index, not a join over every determination
        rows = await Determination.select(Determination.id, Determination.application).where(
            Determination.application.is_in(list(whose)) & (Determination.as_of <= snapshot)).order_by(
            Determination.id).run() if whose else []
        ranked_with = {whose[r["application"]]: r["id"] for r in rows}
        await Determination.update({Determination.used_on: today, Determination.used_for: used_for}).where(
            Determination.id.is_in(list(ranked_with.values()))).run()
        await RankingBasis.update({RankingBasis.used_on: today, RankingBasis.used_for: used_for}).where(
            RankingBasis.determination.is_in(list(ranked_with.values()))).run()
