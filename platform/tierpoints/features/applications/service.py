"""The life of a points application (Hangzhou rules §12-§17; Xiangshan differs in numbers):
accept at once with a unique number, route each claimed fact to the department that verifies
it with a working-day deadline, decide items, determine the points, notify, objections and
reviews. Every number comes from the tenant's workflow pack (tenants/<id>/workflow.yaml);
every change runs in one write transaction with its audit entry.

Each use case takes `today` (default clock.today(), the Chinese calendar day).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import uuid
from typing import Any

import asyncpg
import msgspec

from tierpoints import audit, clock
from tierpoints.authz import PermissionDenied
from tierpoints.authz.authorizer import facts_object
from tierpoints.calendar.working_days import Deadline
from tierpoints.engine.facts import FactsError
from tierpoints.engine.results import ScoreResult
from tierpoints.features.applicants.errors import PermitStateError
from tierpoints.features.applicants.facts import departments_of, latest_revision, store_facts
from tierpoints.features.applicants.permits import TERMINATED, VALID
from tierpoints.features.applicants.records import ApplicantRecord, load, require
from tierpoints.features.applicants.scores import score_applicant
from tierpoints.features.applications import notifications, states
from tierpoints.features.applications.errors import (
    ApplicationDataError,
    ApplicationError,
    ApplicationNotFound,
    IdempotencyConflict,
    StateConflict,
    WindowClosed,
)
from tierpoints.features.applications.schemas import (
    AgentView,
    ApplicationView,
    DeterminationView,
    ItemView,
    NewApplication,
    ObjectionView,
    OverdueGroup,
)
from tierpoints.features.auth import Actor, authorize
from tierpoints.packs.catalog import NoWorkflowNumber
from tierpoints.packs.models import WorkflowNumber, simple_rules
from tierpoints.rounds.candidates import basis_of, key_layout, key_vector, residence_facts
from tierpoints.runtime import Runtime
from tierpoints.store import piccolo_conf
from tierpoints.store.db import is_postgres
from tierpoints.store.tables import Application, ApplicationItem, Determination, Objection, RankingBasis
from tierpoints.store.transactions import write_transaction

TEXT_LENGTH = 2000
KEY_LENGTH = 200


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def clean_text(value: str, pointer: str, required: bool = True, length: int = TEXT_LENGTH) -> str:
    value = value.strip()
    if required and not value:
        raise ApplicationDataError(pointer, "must not be empty")
    if len(value) > length:
        raise ApplicationDataError(pointer, f"longer than {length} characters")
    return value


def number(runtime: Runtime, tenant: str, name: str) -> WorkflowNumber:
    try:
        return runtime.catalog.workflow_number(tenant, name)
    except NoWorkflowNumber as error:  # the packs' load-time checks prevent it once any is declared
        raise ApplicationError(str(error)) from None


def deadline(runtime: Runtime, tenant: str, name: str, start: dt.date) -> Deadline:
    """N working days of the tenant's workflow number `name` after `start`, with its rule."""
    rule = number(runtime, tenant, name)
    return Deadline.after(start, rule.working_days, rule.rule(name))


def declaration_facts(runtime: Runtime) -> set[str]:
    """Facts read by deduction and veto indicators: the applicant declares them (§11)."""
    return {
        leaf.fact
        for versions in runtime.catalog.indicator_sets.values() for indicator_set in versions
        for indicator in indicator_set.indicators if indicator.category in ("deduction", "veto")
        for leaf in simple_rules(indicator.rule)
    }


def check_fact_value(runtime: Runtime, fact: str, value: Any, pointer: str) -> None:
    if value is None:
        raise ApplicationDataError(pointer, "a value is required")
    try:
        runtime.engine.validate({fact: value})
    except FactsError as error:
        rest = error.pointer.split("/", 2)[2] if error.pointer.count("/") >= 2 else ""
        raise ApplicationDataError(pointer + (f"/{rest}" if rest else ""), error.message) from None


def verifying_department(runtime: Runtime, fact: str, pointer: str) -> str:
    if fact not in runtime.catalog.facts:
        raise ApplicationDataError(pointer, f"unknown fact {fact!r} (facts: {', '.join(runtime.catalog.facts)})")
    departments = departments_of(runtime, fact)
    if not departments:
        raise ApplicationDataError(pointer, f"no indicator reads {fact!r}: no department verifies it")
    return departments[0]


def check_corrections(runtime: Runtime, corrections: dict[str, Any]) -> None:
    """Corrected facts (an answered objection, a checked publicity objection): each a fact some
    department verifies, with a value that fits the facts schema (422 naming /corrections/<fact>)."""
    for fact, value in corrections.items():
        pointer = "/corrections/" + fact.replace("~", "~0").replace("/", "~1")
        verifying_department(runtime, fact, pointer)
        check_fact_value(runtime, fact, value, pointer)


# --- reading ------------------------------------------------------------------------------------

async def _application(application_id: int, lock: bool = False) -> dict[str, Any]:
    query = Application.select().where(Application.id == application_id)
    if lock and is_postgres(piccolo_conf.DB):  # SQLite's BEGIN IMMEDIATE serialises already
        query = query.lock_rows()
    rows = await query.run()
    if not rows:
        raise ApplicationNotFound(f"no application {application_id}")
    return rows[0]


def _item_view(row: dict[str, Any], today: dt.date) -> ItemView:
    return ItemView(
        id=row["id"], application=row["application"], tenant=row["tenant"], fact=row["fact"],
        claimed=msgspec.json.decode(row["claimed"]), evidence=msgspec.json.decode(row["evidence"]),
        declared=row["declared"], department=row["department"], status=row["status"], due=row["due"],
        due_rule=row["due_rule"], overdue=row["status"] == states.PENDING and today > row["due"],
        decided_by=row["decided_by"], decided_at=row["decided_at"],
        corrected=None if row["corrected"] is None else msgspec.json.decode(row["corrected"]),
        reason=row["reason"],
    )


def _determination_view(row: dict[str, Any]) -> DeterminationView:
    return DeterminationView(
        id=row["id"], occasion=row["occasion"], as_of=row["as_of"], total=row["total"],
        vetoed=row["vetoed"], facts_revision=row["facts_revision"], determined_by=row["determined_by"],
        determined_at=row["determined_at"], superseded_by=row["superseded_by"],
        result=msgspec.json.decode(row["result"], type=ScoreResult),
    )


def _objection_view(row: dict[str, Any]) -> ObjectionView:
    return ObjectionView(
        id=row["id"], stage=row["stage"], status=row["status"], grounds=row["grounds"],
        filed_by=row["filed_by"], filed_on=row["filed_on"], due=row["due"], due_rule=row["due_rule"],
        answer=row["answer"], answered_by=row["answered_by"], answered_on=row["answered_on"],
    )


async def _view(row: dict[str, Any], today: dt.date, own: bool) -> ApplicationView:
    items = await ApplicationItem.select().where(ApplicationItem.application == row["id"]).order_by(
        ApplicationItem.id).run()
    determinations = await Determination.select().where(Determination.application == row["id"]).order_by(
        Determination.id, ascending=False).run()
    objections = await Objection.select().where(Objection.application == row["id"]).order_by(Objection.id).run()
    available = not own or today >= row["lookup_from"]
    views = [_determination_view(d) for d in determinations] if available else []
    current = views[0] if views and row["status"] in states.HAS_RESULT else None
    agent = None
    if row["agent_name"] is not None:
        agent = AgentView(name=row["agent_name"], relationship=row["agent_relationship"],
                          proof=row["agent_proof"] or "")
    return ApplicationView(
        id=row["id"], applicant=row["applicant"], tenant=row["tenant"], status=row["status"], kind=row["kind"],
        acceptance_number=row["acceptance_number"], channel=row["channel"], accepted_by=row["accepted_by"],
        agent=agent, declarations=msgspec.json.decode(row["declarations"]),
        accepted_on=row["accepted_on"], accepted_at=row["accepted_at"], lookup_from=row["lookup_from"],
        lookup_rule=row["lookup_rule"], items=[_item_view(i, today) for i in items],
        determination=current, result_available=available, history=views[1:] if current else views,
        objections=[_objection_view(o) for o in objections],
    )


async def read(runtime: Runtime, actor: Actor, application_id: int, today: dt.date | None = None) -> ApplicationView:
    """The applicant (the result from the look-up day on, §16), or applications:read there."""
    today = today or clock.today()
    row = await _application(application_id)
    record = await load(row["applicant"])
    own = record.is_own(actor)
    if not own:
        authorize(runtime, actor, row["tenant"], "applications", "read")
    return await _view(row, today, own)


async def list_for_applicant(runtime: Runtime, actor: Actor, applicant_id: int,
                             today: dt.date | None = None) -> list[ApplicationView]:
    today = today or clock.today()
    record = await load(applicant_id)
    own = record.is_own(actor)
    rows = await Application.select().where(Application.applicant == applicant_id).order_by(Application.id).run()
    if not own:
        username = actor.require_login()
        rows = [r for r in rows if runtime.authorizer.can(username, r["tenant"], "applications", "read")]
        if not rows and not (record.tenant and runtime.authorizer.can(username, record.tenant, "applications", "read")):
            raise PermissionDenied(username, record.tenant or "(no permit)", "applications", "read")
    return [await _view(r, today, own) for r in rows]


# --- applying (§12-§14) -------------------------------------------------------------------------

def _routed(runtime: Runtime, data: NewApplication) -> list[tuple[str, Any, list[str], bool, str]]:
    """(fact, value, evidence, declared, department) for every claim and declaration."""
    declared_only = declaration_facts(runtime)
    found, seen = [], set()
    if not data.claims and not data.declarations:
        raise ApplicationDataError("/claims", "claims no fact")
    for index, claim in enumerate(data.claims):
        pointer = f"/claims/{index}"
        department = verifying_department(runtime, claim.fact, pointer + "/fact")
        if claim.fact in declared_only:
            raise ApplicationDataError(pointer + "/fact", f"{claim.fact!r} is a deduction or veto "
                                       "circumstance: state it under /declarations")
        if claim.fact in seen:
            raise ApplicationDataError(pointer + "/fact", f"{claim.fact!r} is claimed twice")
        seen.add(claim.fact)
        check_fact_value(runtime, claim.fact, claim.value, pointer + "/value")
        evidence = [clean_text(e, f"{pointer}/evidence/{i}", length=500) for i, e in enumerate(claim.evidence)]
        found.append((claim.fact, claim.value, evidence, False, department))
    for fact, value in data.declarations.items():
        pointer = "/declarations/" + fact.replace("~", "~0").replace("/", "~1")
        department = verifying_department(runtime, fact, pointer)
        if fact not in declared_only:
            raise ApplicationDataError(pointer, f"{fact!r} is no deduction or veto circumstance: claim it "
                                       f"under /claims (declarations: {', '.join(sorted(declared_only))})")
        check_fact_value(runtime, fact, value, pointer)
        found.append((fact, value, [], True, department))
    return found


async def apply(runtime: Runtime, actor: Actor, applicant_id: int, data: NewApplication,
                idempotency_key: str | None = None, today: dt.date | None = None) -> tuple[ApplicationView, bool]:
    """Accept an application at once (§13): online by the applicant's own account, or at the
    window of the permit's tenant (applications:apply). Returns (the application, created):
    a retry with the same Idempotency-Key returns the application made the first time."""
    today = today or clock.today()
    record = await load(applicant_id)
    own = record.is_own(actor)
    username = actor.require_login() if own else require(runtime, actor, record, "applications", "apply",
                                                          own_allowed=False)
    key = None
    if idempotency_key is not None:
        key = idempotency_key.strip()
        if not key or len(key) > KEY_LENGTH:
            raise ApplicationDataError("/headers/Idempotency-Key", f"1 to {KEY_LENGTH} characters")
        key = f"{username}:{key}"
    digest = hashlib.sha256(msgspec.json.encode([applicant_id, data])).hexdigest()
    if key is not None:
        replay = await _replay(key, digest, today, own)
        if replay is not None:
            return replay, False
    routed = _routed(runtime, data)
    agent = data.agent
    if agent is not None:
        agent_name = clean_text(agent.name, "/agent/name", length=200)
        agent_proof = clean_text(agent.proof, "/agent/proof")
    try:
        async with write_transaction():
            if key is not None and await Application.exists().where(Application.idempotency_key == key).run():
                created = None
            else:
                created = await _accept(runtime, username, applicant_id, own, key, digest, routed,
                                        (agent_name, agent.relationship, agent_proof) if agent else None, today)
    except (asyncpg.UniqueViolationError, sqlite3.IntegrityError):
        if key is None:
            raise
        created = None  # the same key won the race in another request: that one is the application
    if created is None:
        replay = await _replay(key, digest, today, own)
        assert replay is not None
        return replay, False
    return await _view(await _application(created), today, own), True


async def _replay(key: str, digest: str, today: dt.date, own: bool) -> ApplicationView | None:
    row = await Application.select().where(Application.idempotency_key == key).first().run()
    if row is None:
        return None
    if row["request_digest"] != digest:
        raise IdempotencyConflict(f"this Idempotency-Key was used for a different application "
                                  f"({row['acceptance_number']}); use a new key for a new application")
    return await _view(row, today, own)


async def _accept(runtime: Runtime, username: str, applicant_id: int, own: bool, key: str | None, digest: str,
                  routed: list, agent: tuple[str, str, str] | None, today: dt.date) -> int:
    record = await load(applicant_id, lock=True)
    permit = record.permit
    if permit is None or permit["status"] != VALID:  # §12: a valid residence permit
        raise PermitStateError("apply for points with", permit["status"] if permit else "missing", (VALID,))
    tenant = permit["tenant"]
    if not own:  # the lock may have waited for a move: the window must be the permit's
        authorize(runtime, Actor(username), tenant, "applications", "apply")
    kind = await _kind(applicant_id)
    review = deadline(runtime, tenant, "department_review", today)
    lookup = deadline(runtime, tenant, "result_lookup", today)
    now = dt.datetime.now(dt.UTC)
    application = Application(
        applicant=applicant_id, tenant=tenant, status=states.ACCEPTED, kind=kind,
        acceptance_number=f"pending-{uuid.uuid4().hex}", idempotency_key=key, request_digest=digest,
        channel="online" if own else "window", accepted_by=username,
        agent_name=agent[0] if agent else None, agent_relationship=agent[1] if agent else None,
        agent_proof=agent[2] if agent else None,
        declarations=_json({fact: value for fact, value, _, declared, _ in routed if declared}),
        accepted_on=today, accepted_at=now, lookup_from=lookup.due, lookup_rule=lookup.rule, updated_at=now,
    )
    await application.save().run()
    acceptance_number = f"{tenant.upper()}-{today:%Y%m%d}-{application.id:06d}"
    await Application.update({Application.acceptance_number: acceptance_number}).where(
        Application.id == application.id).run()
    await ApplicationItem.insert(*[
        ApplicationItem(application=application.id, tenant=tenant, fact=fact, claimed=_json(value),
                        evidence=_json(evidence), declared=declared, department=department,
                        status=states.PENDING, due=review.due, due_rule=review.rule, reason="")
        for fact, value, evidence, declared, department in routed
    ]).run()
    await audit.record(username, tenant, "application.accepted", f"application/{application.id}", {
        "applicant": applicant_id, "acceptance_number": acceptance_number, "kind": kind, "channel": application.channel,
        "agent": agent[1] if agent else None, "facts": sorted(f for f, *_ in routed),
        "review_due": review.due.isoformat(), "lookup_from": lookup.due.isoformat(),
    })
    return application.id


async def _kind(applicant_id: int) -> str:
    """An adjustment when the applicant holds determined points not yet used (§18)."""
    current = await Determination.select(Determination.used_on).where(
        (Determination.application.applicant == applicant_id) & Determination.superseded_by.is_null()
    ).order_by(Determination.id, ascending=False).first().run()
    return states.ADJUSTMENT if current is not None and current["used_on"] is None else states.FIRST_APPLICATION


# --- department review (§14) --------------------------------------------------------------------

def _known_department(runtime: Runtime, department: str) -> None:
    if department not in runtime.catalog.departments:
        raise ApplicationDataError("/department", f"unknown department {department!r} "
                                   f"(departments: {', '.join(runtime.catalog.departments)})")


async def queue(runtime: Runtime, actor: Actor, tenant: str, department: str,
                today: dt.date | None = None) -> list[ItemView]:
    """The pending items of one department in one tenant, earliest deadline first: for whoever
    may read that department's facts there (its reviewers, the migrant office, admins)."""
    today = today or clock.today()
    runtime.catalog.tenant(tenant)
    _known_department(runtime, department)
    authorize(runtime, actor, tenant, facts_object(department), "read")
    rows = await ApplicationItem.select().where(
        (ApplicationItem.tenant == tenant) & (ApplicationItem.department == department)
        & (ApplicationItem.status == states.PENDING)
    ).order_by(ApplicationItem.due).order_by(ApplicationItem.id).run()
    return [_item_view(r, today) for r in rows]


async def overdue(runtime: Runtime, actor: Actor, tenant: str, today: dt.date | None = None) -> list[OverdueGroup]:
    """Pending items past their deadline in the tenant and below, per tenant and department,
    as far as the caller may read each department's facts there."""
    today = today or clock.today()
    runtime.catalog.tenant(tenant)
    username = actor.require_login()
    tenants = sorted(t for t in runtime.catalog.tree.area(tenant) if t in runtime.catalog.tenants)
    readable = {(t, d) for t in tenants for d in runtime.catalog.departments
                if runtime.authorizer.can(username, t, facts_object(d), "read")}
    if not any(t == tenant for t, _ in readable):  # asked where the caller reads nothing: 403
        raise PermissionDenied(username, tenant, "facts", "read")
    rows = await ApplicationItem.select().where(
        (ApplicationItem.status == states.PENDING) & (ApplicationItem.due < today)
        & ApplicationItem.tenant.is_in(sorted({t for t, _ in readable}))
    ).order_by(ApplicationItem.due).order_by(ApplicationItem.id).run()
    groups: dict[tuple[str, str], list[ItemView]] = {}
    for row in rows:
        if (row["tenant"], row["department"]) in readable:
            groups.setdefault((row["tenant"], row["department"]), []).append(_item_view(row, today))
    return [OverdueGroup(tenant=t, department=d, count=len(items), items=items)
            for (t, d), items in sorted(groups.items())]


async def _item(item_id: int, lock: bool = False) -> dict[str, Any]:
    query = ApplicationItem.select().where(ApplicationItem.id == item_id)
    if lock and is_postgres(piccolo_conf.DB):
        query = query.lock_rows()
    rows = await query.run()
    if not rows:
        raise ApplicationNotFound(f"no application item {item_id}")
    return rows[0]


async def decide(runtime: Runtime, actor: Actor, item_id: int, action: str, corrected: Any = None,
                 text: str = "", today: dt.date | None = None) -> ItemView:
    """approve (the claimed or a corrected value becomes a verified fact) | reject (with a reason),
    by a reviewer of the item's department in the item's jurisdiction (§14)."""
    today = today or clock.today()
    item = await _item(item_id)
    username = authorize(runtime, actor, item["tenant"], facts_object(item["department"]), "record")
    if action == "reject":
        text = clean_text(text, "/reason")
    else:
        text = clean_text(text, "/note", required=False)
        if corrected is not None:
            check_fact_value(runtime, item["fact"], corrected, "/corrected")
    async with write_transaction():
        item = await _item(item_id, lock=True)
        label = f"item {item_id} ({item['fact']}, {item['department']})"
        status = states.item_transition(action, item["status"], label)
        application = await _application(item["application"])
        now = dt.datetime.now(dt.UTC)
        await ApplicationItem.update({
            ApplicationItem.status: status, ApplicationItem.decided_by: username, ApplicationItem.decided_at: now,
            ApplicationItem.corrected: None if corrected is None or action == "reject" else _json(corrected),
            ApplicationItem.reason: text,
        }).where(ApplicationItem.id == item_id).run()
        context = {"application": application["id"], "item": item_id}
        if status == states.APPROVED:
            value = corrected if corrected is not None else msgspec.json.decode(item["claimed"])
            await store_facts(runtime, username, application["applicant"], {item["fact"]: value}, context)
        await audit.record(username, item["tenant"], f"application_item.{status}", f"application_item/{item_id}", {
            **context, "fact": item["fact"], "department": item["department"],
            "corrected": corrected is not None and status == states.APPROVED,
            "late": today > item["due"], "reason": text,
        })
    return _item_view(await _item(item_id), today)


# --- determination (§15-§16) --------------------------------------------------------------------

async def record_determination(runtime: Runtime, username: str, application: dict[str, Any], today: dt.date,
                     occasion: str) -> dict[str, Any]:
    """Score the applicant's verified facts as the application's tenant sees them; the new
    determination supersedes the applicant's earlier ones (kept)."""
    latest = await latest_revision(application["applicant"])
    facts = latest["content"].encode() if latest else b"{}"
    result = score_applicant(runtime, facts, application["tenant"], today)
    determination = Determination(
        application=application["id"], tenant=application["tenant"], as_of=today, total=float(result.total),
        vetoed=result.vetoed, result=_json(result), facts_revision=latest["revision"] if latest else 0,
        occasion=occasion, determined_by=username, determined_at=dt.datetime.now(dt.UTC), superseded_by=None,
    )
    await determination.save().run()
    basis = basis_of(result, residence_facts.decode(facts))
    layout = key_layout(runtime.catalog, determination.tenant)
    await RankingBasis(
        determination=determination.id, applicant=application["applicant"], tenant=determination.tenant,
        as_of=today, vetoed=result.vetoed, facts_revision=determination.facts_revision,
        basis=msgspec.json.encode(basis).decode(), key_layout=layout.name, key_vector=key_vector(layout, basis, today),
    ).save().run()
    earlier = await Determination.select(Determination.id).where(
        (Determination.application.applicant == application["applicant"])
        & Determination.superseded_by.is_null() & (Determination.id != determination.id)).run()
    if earlier:
        await Determination.update({Determination.superseded_by: determination.id}).where(
            Determination.id.is_in([row["id"] for row in earlier])).run()
    await audit.record(username, application["tenant"], "application.determined", f"application/{application['id']}", {
        "determination": determination.id, "occasion": occasion, "total": float(result.total),
        "vetoed": result.vetoed, "facts_revision": determination.facts_revision,
        "supersedes": [row["id"] for row in earlier],
    })
    return {"id": determination.id, "total": float(result.total), "vetoed": result.vetoed}


async def _notify(record: ApplicantRecord, application: dict[str, Any], message: str) -> None:
    recipient = f"account:{record.account}" if record.account else f"applicant/{record.id}"
    await notifications.enqueue(recipient, f"application/{application['id']}",
                                f"Points application {application['acceptance_number']}: {message}")


async def _permit_not_void(applicant_id: int, action: str) -> ApplicantRecord:
    record = await load(applicant_id, lock=True)
    if record.permit is None or record.permit["status"] == TERMINATED:  # §21: void for good
        raise PermitStateError(action, record.permit["status"] if record.permit else "missing",
                               ("valid", "suspended"))
    return record


async def determine(runtime: Runtime, actor: Actor, application_id: int,
                    today: dt.date | None = None) -> ApplicationView:
    """The district migrant office of the application's tenant, once every item is decided (§15)."""
    today = today or clock.today()
    row = await _application(application_id)
    username = authorize(runtime, actor, row["tenant"], "applications", "determine")
    async with write_transaction():
        row = await _application(application_id, lock=True)
        pending = await ApplicationItem.count().where(
            (ApplicationItem.application == application_id) & (ApplicationItem.status == states.PENDING)).run()
        status = states.application_transition("determine", row["status"], pending,
                                                f"application {row['acceptance_number']}")
        record = await _permit_not_void(row["applicant"], "determine points for")
        await record_determination(runtime, username, row, today,
                         "adjustment" if row["kind"] == states.ADJUSTMENT else "determination")
        await _set_status(row["id"], status)
        await _notify(record, row, f"your points have been determined; look the result up from "
                                   f"{row['lookup_from']} ({row['lookup_rule']})")
    await notifications.dispatch(runtime.sender)
    return await _view(await _application(application_id), today, own=False)


async def _set_status(application_id: int, status: str) -> None:
    await Application.update({Application.status: status, Application.updated_at: dt.datetime.now(dt.UTC)}).where(
        Application.id == application_id).run()


# --- objections and reviews (§17) ---------------------------------------------------------------

async def _open_objection(application_id: int, stage: str) -> dict[str, Any] | None:
    return await Objection.select().where(
        (Objection.application == application_id) & (Objection.stage == stage)
    ).order_by(Objection.id, ascending=False).first().run()


async def object_to(runtime: Runtime, actor: Actor, application_id: int, grounds: str, stage: str,
                    today: dt.date | None = None) -> ApplicationView:
    """The applicant asks the district office to re-check (stage objection) or, against its
    answer, the city office to review (stage review) — online, or in person at that office,
    which then files it (Hangzhou rules §17): `take_objection` / `take_review_request`."""
    today = today or clock.today()
    row = await _application(application_id)
    record = await load(row["applicant"])
    own = record.is_own(actor)
    action = "take_objection" if stage == "objection" else "take_review_request"
    username = actor.require_login() if own else authorize(runtime, actor, row["tenant"], "applications", action)
    grounds = clean_text(grounds, "/grounds")
    async with write_transaction():
        row = await _application(application_id, lock=True)
        label = f"application {row['acceptance_number']}"
        tenant = row["tenant"]
        if stage == "objection":
            status = states.application_transition("object", row["status"], label=label)
            determined = await Determination.select().where(Determination.application == application_id).order_by(
                Determination.id, ascending=False).first().run()
            window = deadline(runtime, tenant, "objection_window", determined["as_of"])
            answer = deadline(runtime, tenant, "objection_answer", today)
            what = f"an objection to the determination of {determined['as_of']}"
        else:
            status = states.application_transition("request_review", row["status"], label=label)
            answered = await _open_objection(application_id, "objection")
            window = deadline(runtime, tenant, "review_request_window", answered["answered_on"])
            answer = deadline(runtime, tenant, "review_answer", today)
            what = f"a review of the objection answered on {answered['answered_on']}"
        if today > window.due:
            raise WindowClosed(f"{what} could be filed until {window.due}; {today} is too late "
                               f"({window.rule}; requests after the deadline are not accepted)",
                               row["status"], window.due, window.rule)
        objection = Objection(application=application_id, stage=stage, status="open", grounds=grounds,
                              filed_by=username, filed_on=today, filed_at=dt.datetime.now(dt.UTC),
                              due=answer.due, due_rule=answer.rule)
        await objection.save().run()
        await _set_status(application_id, status)
        await audit.record(username, tenant, f"application.{'objected' if stage == 'objection' else 'review_requested'}",
                           f"application/{application_id}", {"objection": objection.id, "due": answer.due.isoformat()})
    return await _view(await _application(application_id), today, own)


async def answer(runtime: Runtime, actor: Actor, application_id: int, objection_id: int, text: str,
                 corrections: dict[str, Any], today: dt.date | None = None) -> ApplicationView:
    """The district office answers an objection, the city office a review (§17); corrections
    are recorded as verified facts and the points recomputed (a new determination)."""
    today = today or clock.today()
    row = await _application(application_id)
    objection = await Objection.select().where(
        (Objection.id == objection_id) & (Objection.application == application_id)).first().run()
    if objection is None:
        raise ApplicationNotFound(f"application {application_id} has no objection {objection_id}")
    action = "answer_objection" if objection["stage"] == "objection" else "answer_review"
    username = authorize(runtime, actor, row["tenant"], "applications", action)
    text = clean_text(text, "/answer")
    check_corrections(runtime, corrections)
    async with write_transaction():
        row = await _application(application_id, lock=True)
        objection = await Objection.select().where(Objection.id == objection_id).first().run()
        if objection["status"] != "open":
            raise StateConflict(f"cannot answer objection {objection_id}: it is {objection['status']}",
                                objection["status"])
        status = states.application_transition(action, row["status"], label=f"application {row['acceptance_number']}")
        record = await _permit_not_void(row["applicant"], "correct points for")
        context = {"application": application_id, "objection": objection_id}
        result = None
        if corrections:
            await store_facts(runtime, username, row["applicant"], corrections, context)
            result = await record_determination(runtime, username, row, today, objection["stage"])
            await audit.record(username, row["tenant"], "application.corrected", f"application/{application_id}",
                               {**context, "facts": sorted(corrections), "determination": result["id"]})
        await Objection.update({
            Objection.status: "answered", Objection.answer: text, Objection.answered_by: username,
            Objection.answered_on: today, Objection.answered_at: dt.datetime.now(dt.UTC),
        }).where(Objection.id == objection_id).run()
        await _set_status(application_id, status)
        await audit.record(username, row["tenant"], f"application.{objection['stage']}_answered",
                           f"application/{application_id}", {**context, "corrected": bool(corrections),
                                                             "late": today > objection["due"]})
        outcome = f"points corrected to {result['total']:g}" if result else "the determination stands"
        follow = ""
        if objection["stage"] == "objection":
            window = deadline(runtime, row["tenant"], "review_request_window", today)
            follow = f"; a review by the city office may be asked until {window.due}"
        await _notify(record, row, f"your {objection['stage']} was answered: {outcome}{follow}")
    await notifications.dispatch(runtime.sender)
    return await _view(await _application(application_id), today, own=False)
