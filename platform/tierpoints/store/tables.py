"""The platform's tables. JSON documents are stored as text and decoded with msgspec,
so SQLite and PostgreSQL behave the same. Foreign keys never cascade: history is kept."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    Real,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class TenantRecord(Table, tablename="tenant"):
    """A jurisdiction, synced from its pack's manifest."""

    code = Varchar(length=64, unique=True, index=True)
    name_zh = Varchar(length=200)
    name_en = Varchar(length=200)
    tier = Varchar(length=16)
    parent = Varchar(length=64, null=True, default=None)
    cap = Real()
    manifest = Text()  # the manifest as JSON
    roles = Text(null=True, default=None)  # the roles it declares, as JSON (none: inherits)
    workflow = Text(null=True, default=None)  # its workflow numbers, as JSON (none: inherits)
    services = Text(null=True, default=None)  # its services and tie-break keys, as JSON (none: none)
    synced_at = Timestamptz()


class IndicatorSetVersion(Table, tablename="indicator_set_version"):
    """One version of a tenant's indicator set: draft → published → superseded."""

    tenant = Varchar(length=64, index=True)
    effective_from = Date()
    status = Varchar(length=16, index=True)  # draft | published | superseded
    content = Text()  # the indicator set document as JSON (the pack file's content)
    revision = Integer(default=1)  # bumped on every draft edit; If-Match compares it
    author = Varchar(length=100)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    published_at = Timestamptz(null=True, default=None)
    published_by = Varchar(length=100, null=True, default=None)


class Account(Table, tablename="account"):
    username = Varchar(length=100, unique=True, index=True)
    password_hash = Text()
    display_name = Varchar(length=200, default="")
    active = Boolean(default=True)
    created_at = Timestamptz()


class RoleAssignment(Table, tablename="role_assignment"):
    """An account holds a role in a tenant (a reviewer also for one department)."""

    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.restrict, index=True)
    role = Varchar(length=64)
    tenant = Varchar(length=64, index=True)
    department = Varchar(length=64, null=True, default=None)
    created_at = Timestamptz()
    created_by = Varchar(length=100)


class Applicant(Table, tablename="applicant"):
    """A migrant. The identity number is kept only as a keyed digest (to look it up) and masked."""

    name = Varchar(length=200)
    name_masked = Varchar(length=200, null=True, default=None)  # identity.mask_name: what rounds read
    identity_lookup = Varchar(length=64, unique=True, index=True)
    identity_masked = Varchar(length=32)
    born_on = Date(null=True, default=None)  # from the identity number: minors' rule (Hangzhou rules §2)
    account = ForeignKey(references=Account, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz()


class Guardianship(Table, tablename="guardianship"):
    """A parent or other legal guardian of a minor (Hangzhou rules §2), recorded with its proof."""

    child = ForeignKey(references=Applicant, null=False, on_delete=OnDelete.restrict, index=True)
    guardian = ForeignKey(references=Applicant, null=False, on_delete=OnDelete.restrict, index=True)
    relationship = Varchar(length=16)  # father | mother | guardian
    proof = Text()
    tenant = Varchar(length=64)  # where it was recorded
    recorded_by = Varchar(length=100)
    recorded_at = Timestamptz()


class ResidencePermit(Table, tablename="residence_permit"):
    applicant = ForeignKey(references=Applicant, null=False, on_delete=OnDelete.restrict, index=True)
    number = Varchar(length=64, unique=True)
    tenant = Varchar(length=64, index=True)  # the tenant whose area the holder lives in now
    status = Varchar(length=16)  # valid | suspended | terminated
    issued_on = Date()
    updated_at = Timestamptz()
    # the latest day any of its events took effect (PermitEvent.day): on a later date its state
    # is `status`, so a round reads the events only of permits changed after its snapshot;
    # NULL: an event without a day (kept from before `day`), read the events
    changed_on = Date(null=True, default=None)


class PermitEvent(Table, tablename="permit_event"):
    """The permit's history: issued, moved, suspended, restored, terminated."""

    permit = ForeignKey(references=ResidencePermit, null=False, on_delete=OnDelete.restrict, index=True)
    at = Timestamptz()
    day = Date(null=True, default=None)  # the Chinese calendar day it took effect (issued: the issue date)
    action = Varchar(length=16)
    from_tenant = Varchar(length=64, null=True, default=None)
    to_tenant = Varchar(length=64, null=True, default=None)
    status = Varchar(length=16)
    reason = Text(default="")
    ground = Varchar(length=32, null=True, default=None)  # why a permit was terminated (§21)
    actor = Varchar(length=100)


class ApplicantFacts(Table, tablename="applicant_facts"):
    """Verified facts, one row per revision (the newest is current)."""

    applicant = ForeignKey(references=Applicant, null=False, on_delete=OnDelete.restrict, index=True)
    revision = Integer()
    content = Text()  # facts JSON (policy_schemas/facts.schema.json)
    tenant = Varchar(length=64)  # where they were recorded
    recorded_by = Varchar(length=100)
    recorded_at = Timestamptz()


class RecognisedScore(Table, tablename="recognised_score"):
    """An applicant's score as their permit's tenant sees it, recomputed when policy changes."""

    applicant = ForeignKey(references=Applicant, null=False, on_delete=OnDelete.restrict, index=True)
    tenant = Varchar(length=64, index=True)
    as_of = Date()
    total = Real()
    vetoed = Boolean()
    result = Text()  # the engine's result JSON
    policy = Varchar(length=400)  # the indicator-set versions it was computed with
    computed_at = Timestamptz()


class Application(Table, tablename="application"):
    """A points application (Hangzhou rules §12-§18): accepted at once with a unique number."""

    applicant = ForeignKey(references=Applicant, null=False, on_delete=OnDelete.restrict, index=True)
    tenant = Varchar(length=64, index=True)  # the permit's tenant when accepted: the jurisdiction
    status = Varchar(length=24, index=True)  # features/applications/states.py
    kind = Varchar(length=16, default="application")  # application | adjustment (§18)
    acceptance_number = Varchar(length=64, unique=True)
    idempotency_key = Varchar(length=300, null=True, default=None, unique=True)  # caller + key
    request_digest = Varchar(length=64, default="")  # of the request the key was first used with
    channel = Varchar(length=16)  # online | window
    accepted_by = Varchar(length=100)
    agent_name = Varchar(length=200, null=True, default=None)
    agent_relationship = Varchar(length=32, null=True, default=None)
    agent_proof = Text(null=True, default=None)
    declarations = Text()  # deduction and veto circumstances the applicant declared, as JSON
    accepted_on = Date()
    accepted_at = Timestamptz()
    lookup_from = Date()  # the result can be looked up from this day
    lookup_rule = Text()
    updated_at = Timestamptz()


class ApplicationItem(Table, tablename="application_item"):
    """One claimed fact, routed to the department that verifies it, due by a working-day deadline."""

    application = ForeignKey(references=Application, null=False, on_delete=OnDelete.restrict, index=True)
    tenant = Varchar(length=64, index=True)  # the jurisdiction whose department reviews it
    fact = Varchar(length=64)
    claimed = Text()  # the claimed value, as JSON
    evidence = Text()  # the materials named for it, as JSON
    declared = Boolean(default=False)  # a deduction or veto circumstance the applicant declared
    department = Varchar(length=64, index=True)
    status = Varchar(length=16, index=True)  # pending | approved | rejected
    due = Date()
    due_rule = Text()
    decided_by = Varchar(length=100, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    corrected = Text(null=True, default=None)  # the value approved instead of the claimed one, as JSON
    reason = Text(default="")


class Determination(Table, tablename="determination"):
    """The points determined for an application; a later one supersedes it, both are kept."""

    application = ForeignKey(references=Application, null=False, on_delete=OnDelete.restrict, index=True)
    tenant = Varchar(length=64)
    as_of = Date()
    total = Real()
    vetoed = Boolean()
    result = Text()  # the engine's result JSON
    facts_revision = Integer()
    occasion = Varchar(length=32)  # determination | adjustment | objection | review
    determined_by = Varchar(length=100)
    determined_at = Timestamptz()
    superseded_by = Integer(null=True, default=None)  # the id of the determination replacing it
    used_on = Date(null=True, default=None)  # the points were used for a service (§18)
    used_for = Varchar(length=200, null=True, default=None)  # which service round


class RankingBasis(Table, tablename="ranking_basis"):
    """A determination's ranking inputs (rounds/candidates.py Basis), written with it: a round
    reads these short rows, not the long explained results and the facts. `used_on`/`used_for`
    mirror the determination's (one writer: features/rounds/service.py _mark_used)."""

    determination = ForeignKey(references=Determination, null=False, on_delete=OnDelete.restrict, unique=True)
    applicant = ForeignKey(references=Applicant, null=False, on_delete=OnDelete.restrict, index=True)
    tenant = Varchar(length=64)
    as_of = Date()
    vetoed = Boolean()
    facts_revision = Integer()
    used_on = Date(null=True, default=None)
    used_for = Varchar(length=200, null=True, default=None)
    basis = Text()  # Basis as compact JSON (an array)
    # the same for its tenant's rounds as float64s (rounds/candidates.py key_vector), read when
    # written under the layout in force; NULL when a key is not linear after as_of
    key_layout = Varchar(length=16, null=True, default=None)
    key_vector = Bytea(null=True, default=None)


class Objection(Table, tablename="objection"):
    """An objection to the district office, or a review request to the city office (§17)."""

    application = ForeignKey(references=Application, null=False, on_delete=OnDelete.restrict, index=True)
    stage = Varchar(length=16)  # objection | review
    status = Varchar(length=16)  # open | answered
    grounds = Text()
    filed_by = Varchar(length=100)
    filed_on = Date()
    filed_at = Timestamptz()
    due = Date()
    due_rule = Text()
    answer = Text(null=True, default=None)
    answered_by = Varchar(length=100, null=True, default=None)
    answered_on = Date(null=True, default=None)
    answered_at = Timestamptz(null=True, default=None)


class Notification(Table, tablename="notification"):
    """The outbox: written with the change it reports, sent afterwards by the configured sender."""

    recipient = Varchar(length=200)
    subject = Varchar(length=200)  # what it is about, e.g. application/12
    message = Text()
    status = Varchar(length=16, index=True)  # pending | sent | failed
    attempts = Integer(default=0)
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


class ServiceRound(Table, tablename="service_round"):
    """A round of a service (tenants/<id>/services.yaml): a quota shared out by rank (Hangzhou
    rules §19-§20). ranked → publicity → allocated; each ranking is a RankingVersion."""

    tenant = Varchar(length=64, index=True)  # the tenant that declares the service and runs the round
    service = Varchar(length=64)
    quota = Integer()
    snapshot = Date()  # the points valid on this date rank
    status = Varchar(length=16, index=True)  # ranked | publicity | allocated
    opened_by = Varchar(length=100)
    opened_at = Timestamptz()
    publicity_from = Date(null=True, default=None)
    publicity_until = Date(null=True, default=None)  # the last day of publicity (working days)
    publicity_rule = Text(null=True, default=None)
    allocation = Text(null=True, default=None)  # the allocation's JSON once allocated
    allocated_by = Varchar(length=100, null=True, default=None)
    allocated_at = Timestamptz(null=True, default=None)


class RankingVersion(Table, tablename="ranking_version"):
    """One immutable ranking of a round: the snapshot document and its SHA-256; a correction
    adds the next version, the earlier ones are kept."""

    round = ForeignKey(references=ServiceRound, null=False, on_delete=OnDelete.restrict, index=True)
    version = Integer()
    content_hash = Varchar(length=64)
    document = Text()  # rounds/ranking.py RankingDocument: canonical JSON, masked
    entries = Integer()
    refused = Text()  # JSON: the applicants not ranked and why
    refused_count = Integer(default=0)  # how many: the round views count without decoding them
    reason = Text()  # why this version: the first ranking, or the correction that made it
    created_by = Varchar(length=100)
    created_at = Timestamptz()


class RankingEntry(Table, tablename="ranking_entry"):
    """One entry of a ranking version, as the public pages show it: a page reads its rows by the
    index (version, position) instead of parsing the whole snapshot document, which stays the
    record the hash covers. Written with the version, never changed."""

    version = ForeignKey(references=RankingVersion, null=False, on_delete=OnDelete.restrict)
    position = Integer()  # 0 = listed first
    rank = Integer()
    applicant = Integer()
    points_of = Integer()  # whose points rank it (the applicant, or a parent for a child's place)
    masked_name = Varchar(length=64)
    masked_identity = Varchar(length=64)
    total = Real()
    tiers = Text()  # JSON object: each tier's points by tenant, in the ranking inputs' order
    keys = Text()  # JSON object: each tie-break's value by key, in their order


class PublicityObjection(Table, tablename="publicity_objection"):
    """An objection raised during publicity (Hangzhou rules §20), checked by the migrant office."""

    round = ForeignKey(references=ServiceRound, null=False, on_delete=OnDelete.restrict, index=True)
    version = Integer()  # the ranking version it was raised against
    applicant = Integer()  # the entry it is about
    grounds = Text()
    filed_by = Varchar(length=100)
    filed_on = Date()
    status = Varchar(length=16)  # open | upheld | dismissed
    answer = Text(null=True, default=None)
    checked_by = Varchar(length=100, null=True, default=None)
    checked_on = Date(null=True, default=None)
    corrected_version = Integer(null=True, default=None)  # the ranking version the correction made


class ImpactReport(Table, tablename="impact_report"):
    """What a draft indicator set would do to the applicants it reaches, computed in the
    background; the same draft revision and date reuse the report."""

    tenant = Varchar(length=64, index=True)
    draft = Integer(index=True)  # the IndicatorSetVersion id
    draft_revision = Integer()
    as_of = Date()
    status = Varchar(length=16)  # running | done | failed
    done = Integer(default=0)  # applicants scored so far
    total = Integer(default=0)  # applicants to score
    requested_by = Varchar(length=100)
    requested_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    report = Text(null=True, default=None)  # JSON (features/impact/schemas.py ImpactResult)
    error = Text(null=True, default=None)


class HolidaySchedule(Table, tablename="holiday_schedule"):
    """A year's holiday arrangement as the State Council's notice published it (calendar/
    schedules.py), loaded by an operator for a year chinese-calendar does not carry. The newest
    row of a year is in force; a corrected notice adds a row, the earlier ones are kept."""

    year = Integer(index=True)
    document = Text()  # YearSchedule as JSON
    notice_number = Varchar(length=100)
    loaded_by = Varchar(length=100)
    loaded_at = Timestamptz()


class AuditEntry(Table, tablename="audit_entry"):
    """Append-only; each entry's hash covers its content and the previous entry's hash."""

    at = Timestamptz()
    actor = Varchar(length=100)
    tenant = Varchar(length=64, null=True, default=None, index=True)
    action = Varchar(length=64)
    subject = Varchar(length=200)
    detail = Text()
    previous_hash = Varchar(length=64)
    hash = Varchar(length=64, unique=True)


ALL_TABLES: tuple[type[Table], ...] = (
    TenantRecord, IndicatorSetVersion, Account, RoleAssignment, Applicant, Guardianship, ResidencePermit,
    PermitEvent, ApplicantFacts, RecognisedScore, Application, ApplicationItem, Determination, RankingBasis,
    Objection, Notification, ServiceRound, RankingVersion, RankingEntry, PublicityObjection, ImpactReport,
    HolidaySchedule, AuditEntry,
)
