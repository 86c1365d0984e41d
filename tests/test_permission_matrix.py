"""The permission matrix over HTTP (issue 3): every endpoint × every role × the caller's own,
parent, child and sibling tenant, with the expected allow/deny, generated from TABLE below.

The expectations come from the product rules (issue 3, "the rules users expect", and the roles
the province declares in tenants/zhejiang/roles.yaml), not from what the code does today:

- a tier edits (drafts, publishes) only its own indicators: never a parent's, a sibling's or a
  child's; reading drafts goes down the tree for the province and city admins;
- province and city admins read drafts, applicants, permits, facts, scores and accounts in their
  tenant and below it (and manage accounts there); a county admin only in its county;
- migrant offices: the district office registers, reads and manages permits in its own tenant,
  the city office reads and manages permits in the city and below (it does not register);
  a permit moves when the destination's office (permits:manage there) takes it over;
- a department reviewer reads applicants and reads and records its own department's facts,
  in its own tenant only; a window clerk registers and reads applicants (and their permit)
  in its own tenant only;
- an applicant (an account linked to an applicant record, not a tenant grant) reads only their
  own record, permit, facts and score, and changes nothing;
- the public (no token) sees tenants, indicators, published indicator sets and simulations, and
  nothing personal: 401 for everything else.

Points applications (issue 4; Hangzhou implementation rules §12-§17 in ../shared/seeds; the
`applications` permissions of roles.yaml):

- the applicant applies online for their own record; the acceptance window (window clerk) and
  the district migrant office accept applications at the window of their own tenant (§12-§13);
- applications are read by the applicant (their own), the window and the district office of the
  tenant, the city office for the city and below, and the admins as they read applicants; a
  department reviewer reads no whole application, only its department's items (its queue);
- an item is approved or rejected by a reviewer of its department in its own tenant only (§14);
- the district migrant office determines the points in its own tenant, once every item is
  decided (§15);
- an objection is filed by the applicant online or at the district migrant office (§17: "apply
  for verification to the District Migrant Population Office"), not at the acceptance window;
  the district office answers it. A review against that answer is asked online or at the city
  office (§17: "apply to the Municipal Floating Population Office for review"), not at the
  district office whose answer it contests nor at the window; the city office answers it, for
  the city and below;
- a department's review queue and the overdue items are seen by whoever reads that
  department's facts there: its reviewers in their own tenant, the migrant offices and the
  admins as they read facts.

The matrix pins the platform's today to TODAY, a Monday in 2026, for the working-day deadlines
of applications (the calendar package has no data for 2027): every application of the matrix is
accepted on ACCEPTED_ON, so its item is overdue by TODAY, and decided, determined, objected to
and answered on TODAY (inside every window).

Each role is held at a home tenant; a case's target tenant is the home's own, parent, child or
sibling tenant (only the relations that exist there are generated). There is no second county
under Ningbo in the real packs, so the matrix runs over a copy of tenants/ with one more:
Ninghai, Xiangshan's sibling.

    zhejiang ─┬─ ningbo ─┬─ xiangshan
              │          └─ ninghai  (matrix only)
              └─ hangzhou

Allowed means not 401/403, and here always 2xx: every case sets up what the call needs in the
target tenant (an applicant registered there, a draft there, a suspended permit to restore, an
application whose items are decided to determine, an open objection to answer, ...). Denied means
403 for a logged-in caller and 401 for the public; a denied call finds its target in a state
where the action itself would be possible, so only the permission stands in its way.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from conftest import TENANTS, TEST_PASSWORD, PackTree, Platform
from tierpoints import clock
from tierpoints.accounts import service as account_service
from tierpoints.app import create_app
from tierpoints.features.applicants import registry
from tierpoints.features.applicants.identity import check_digit
from tierpoints.features.applicants.records import load
from tierpoints.features.applicants.schemas import NewApplicant
from tierpoints.features.applications import service as applications
from tierpoints.features.applications.schemas import Claim, NewApplication
from tierpoints.features.impact import service as impact
from tierpoints.features.impact.schemas import ImpactRequest
from tierpoints.features.rounds import service as rounds
from tierpoints.features.rounds.schemas import NewPublicityObjection, NewRound, ObjectionCheck
from tierpoints.features.auth import Actor
from tierpoints.features.publishing import service as publishing
from tierpoints.packs.sources import folder_packs
from tierpoints.runtime import build_runtime
from tierpoints.settings import Settings
from tierpoints.store import db as store_db
from tierpoints.store.policy import sync_packs
from tierpoints.store.tables import (
    ALL_TABLES,
    Account,
    AuditEntry,
    PermitEvent,
    ResidencePermit,
    RoleAssignment,
)
from tierpoints.store.transactions import write_transaction

# --- the table ------------------------------------------------------------------------------
#
# Columns: the roles, each held at its home tenant (ROLES below). A cell says in which tenants,
# relative to that home, the call is allowed:
#   o own   p parent   c child   s sibling   (letters combine: "oc" = own and child)
#   *  everywhere (every relation the role has)   -  nowhere
# For the applicant, "o" is their own record (the applicant linked to their account, whose
# permit is in their home tenant); in the other relations the target is someone else's record.
# Endpoints without a tenant or applicant in the path have one case per role ("*" or "-").
# For POST .../permit/move the relation is the destination's (to_tenant); the permit comes
# from another tenant.
# For /applications/{application}/… and /application-items/{item}/… the relation is the
# application's tenant (the permit's tenant when it was accepted; an item's is its application's).
# A path may end in "#qualifier" where one endpoint does two things that different roles do: the
# stage of an objection (#objection: to the district office; #review: against its answer, to the
# city office). Each is a row of its own; the qualifier is not sent (it picks the body, or which
# objection is answered). The application rows follow an application's life (determine, object,
# answer, ask for a review, answer it): the set-up moves one application per tenant along (any
# order works, only slower).

TABLE = """
METHOD PATH                                                                       prov city cnty mo-d mo-c rev  clrk appl pub
GET    /api/v1/tenants                                                            *    *    *    *    *    *    *    *    *
GET    /api/v1/tenants/{tenant}/indicators                                        *    *    *    *    *    *    *    *    *
POST   /api/v1/tenants/{tenant}/simulate                                          *    *    *    *    *    *    *    *    *
POST   /api/v1/auth/token                                                         *    *    *    *    *    *    *    *    *
GET    /schema/openapi.json                                                       *    *    *    *    *    *    *    *    *
GET    /api/v1/me                                                                 *    *    *    *    *    *    *    *    -
GET    /api/v1/tenants/{tenant}/accounts                                          oc   oc   o    -    -    -    -    -    -
POST   /api/v1/tenants/{tenant}/accounts                                          oc   oc   o    -    -    -    -    -    -
DELETE /api/v1/tenants/{tenant}/accounts/{username}/roles/{role}                  oc   oc   o    -    -    -    -    -    -
GET    /api/v1/tenants/{tenant}/audit                                             oc   oc   o    -    -    -    -    -    -
GET    /api/v1/tenants/{tenant}/indicator-sets                                    *    *    *    *    *    *    *    *    *
POST   /api/v1/tenants/{tenant}/indicator-sets/drafts                             o    o    o    -    -    -    -    -    -
GET    /api/v1/tenants/{tenant}/indicator-sets/drafts/{draft}                     oc   oc   o    -    -    -    -    -    -
PUT    /api/v1/tenants/{tenant}/indicator-sets/drafts/{draft}                     o    o    o    -    -    -    -    -    -
POST   /api/v1/tenants/{tenant}/indicator-sets/drafts/{draft}/validate            oc   oc   o    -    -    -    -    -    -
POST   /api/v1/tenants/{tenant}/indicator-sets/drafts/{draft}/publish             o    o    o    -    -    -    -    -    -
POST   /api/v1/tenants/{tenant}/indicator-sets/drafts/{draft}/impact              oc   oc   o    -    -    -    -    -    -
GET    /api/v1/tenants/{tenant}/impact-reports/{report}                           oc   oc   o    -    -    -    -    -    -
POST   /api/v1/tenants/{tenant}/applicants                                        -    -    -    o    -    -    o    -    -
GET    /api/v1/tenants/{tenant}/applicants                                        oc   oc   o    o    oc   o    o    -    -
POST   /api/v1/tenants/{tenant}/applicants/search                                 oc   oc   o    o    oc   o    o    -    -
GET    /api/v1/applicants/{applicant}                                             oc   oc   o    o    oc   o    o    o    -
GET    /api/v1/applicants/{applicant}/permit                                      oc   oc   o    o    oc   -    o    o    -
POST   /api/v1/applicants/{applicant}/permit/move                                 -    -    -    o    oc   -    -    -    -
POST   /api/v1/applicants/{applicant}/permit/suspend                              -    -    -    o    oc   -    -    -    -
POST   /api/v1/applicants/{applicant}/permit/restore                              -    -    -    o    oc   -    -    -    -
POST   /api/v1/applicants/{applicant}/permit/terminate                            -    -    -    o    oc   -    -    -    -
PUT    /api/v1/applicants/{applicant}/facts                                       -    -    -    -    -    o    -    -    -
GET    /api/v1/applicants/{applicant}/facts                                       oc   oc   o    o    oc   o    -    o    -
GET    /api/v1/applicants/{applicant}/score                                       oc   oc   o    o    oc   -    -    o    -
GET    /api/v1/applicants/{applicant}/points                                      oc   oc   o    o    oc   -    -    o    -
GET    /api/v1/applicants/{applicant}/guardians                                   oc   oc   o    o    oc   o    o    o    -
POST   /api/v1/applicants/{applicant}/guardians                                   -    -    -    o    oc   -    -    -    -
POST   /api/v1/applicants/{applicant}/applications                                -    -    -    o    -    -    o    o    -
GET    /api/v1/applicants/{applicant}/applications                                oc   oc   o    o    oc   -    o    o    -
GET    /api/v1/applications/{application}                                         oc   oc   o    o    oc   -    o    o    -
POST   /api/v1/applications/{application}/determine                               -    -    -    o    -    -    -    -    -
POST   /api/v1/applications/{application}/objections#objection                    -    -    -    o    -    -    -    o    -
POST   /api/v1/applications/{application}/objections/{objection}/answer#objection -    -    -    o    -    -    -    -    -
POST   /api/v1/applications/{application}/objections#review                       -    -    -    -    oc   -    -    o    -
POST   /api/v1/applications/{application}/objections/{objection}/answer#review    -    -    -    -    oc   -    -    -    -
POST   /api/v1/application-items/{item}/approve                                   -    -    -    -    -    o    -    -    -
POST   /api/v1/application-items/{item}/reject                                    -    -    -    -    -    o    -    -    -
GET    /api/v1/tenants/{tenant}/review-queue                                      oc   oc   o    o    oc   o    -    -    -
GET    /api/v1/tenants/{tenant}/overdue-items                                     oc   oc   o    o    oc   o    -    -    -
POST   /api/v1/tenants/{tenant}/rounds                                            o    o    o    -    -    -    -    -    -
GET    /api/v1/tenants/{tenant}/rounds                                            *    *    *    *    *    *    *    *    *
GET    /api/v1/rounds/{round}                                                     *    *    *    *    *    *    *    *    *
GET    /api/v1/rounds/{round}/ranking                                             *    *    *    *    *    *    *    *    *
GET    /api/v1/rounds/{round}/versions/{version}/diff                             *    *    *    *    *    *    *    *    *
GET    /api/v1/rounds/{round}/document                                            oc   oc   o    o    oc   -    -    -    -
GET    /api/v1/rounds/{round}/objections                                          oc   oc   o    o    oc   -    -    -    -
POST   /api/v1/rounds/{round}/publish                                             o    o    o    -    -    -    -    -    -
POST   /api/v1/rounds/{round}/objections                                          -    -    -    o    oc   -    -    o    -
POST   /api/v1/rounds/{round}/objections/{objection}/check                        -    -    -    -    oc   -    -    -    -
POST   /api/v1/rounds/{round}/allocate                                            o    o    o    -    -    -    -    -    -
"""

ROLES = {  # column → role, and where it is held (the reviewer for the education department)
    "prov": ("province_admin", "zhejiang"),
    "city": ("city_admin", "ningbo"),
    "cnty": ("county_admin", "xiangshan"),
    "mo-d": ("migrant_office_district", "xiangshan"),
    "mo-c": ("migrant_office_city", "ningbo"),
    "rev": ("department_reviewer", "ningbo"),
    "clrk": ("window_clerk", "ningbo"),
    "appl": ("applicant", "ningbo"),
    "pub": ("public", "ningbo"),  # holds nothing: "home" is only where the relations start
}
DEPARTMENT = "education"

RELATIVES = {  # home → relation → tenant
    "zhejiang": {"own": "zhejiang", "child": "ningbo"},
    "ningbo": {"own": "ningbo", "parent": "zhejiang", "child": "xiangshan", "sibling": "hangzhou"},
    "xiangshan": {"own": "xiangshan", "parent": "ningbo", "sibling": "ninghai"},
}
LETTERS = {"o": "own", "p": "parent", "c": "child", "s": "sibling"}
NO_TENANT = "any"  # the relation of an endpoint whose path names no tenant nor applicant
TARGETS = ("{tenant}", "{applicant}", "{application}", "{item}", "{round}")  # a path naming one has relations


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # the template
    role: str
    relation: str
    tenant: str | None  # the target tenant (None: the path names none)
    allowed: bool

    @property
    def endpoint(self) -> str:
        """The path without its #qualifier."""
        return self.path.partition("#")[0]

    @property
    def qualifier(self) -> str:
        return self.path.partition("#")[2]

    @property
    def id(self) -> str:
        short = self.path.removeprefix("/api/v1").lstrip("/")
        short = short.replace("tenants/{tenant}/indicator-sets/", "").replace("tenants/{tenant}/", "")
        short = short.replace("applications/{application}/", "applications/{a}/")
        return f"{self.method} {short}|{self.role}|{self.relation}"  # "POST drafts|county_admin|sibling"


def _parse(table: str) -> list[Case]:
    header, *rows = [line.split() for line in table.strip().splitlines()]
    columns = header[2:]
    assert columns == list(ROLES), columns
    cases = []
    for method, path, *cells in rows:
        assert len(cells) == len(columns), (method, path)
        tenant_bound = any(target in path for target in TARGETS)
        for column, cell in zip(columns, cells, strict=True):
            role, home = ROLES[column]
            relatives = RELATIVES[home]
            if not tenant_bound:
                assert cell in "*-", (method, path, column, cell)
                cases.append(Case(method, path, role, NO_TENANT, None, cell == "*"))
                continue
            if cell == "*":
                allowed = set(relatives)
            elif cell == "-":
                allowed = set()
            else:
                allowed = {LETTERS[letter] for letter in cell}
                # a letter for a relation the role's home lacks is a typo in the table
                assert allowed <= set(relatives), (method, path, column, cell)
            cases.extend(Case(method, path, role, relation, tenant, relation in allowed)
                         for relation, tenant in relatives.items())
    return cases


CASES = _parse(TABLE)


# --- a copy of tenants/ with a second Ningbo county ----------------------------------------

@pytest.fixture(scope="module")
def matrix_packs(tmp_path_factory) -> PackTree:
    """tenants/ copied, plus Ninghai: a county under Ningbo built from Xiangshan's pack, with
    one indicator of its own (Ningbo's `places` no longer lists it: it is a tenant now)."""
    root = tmp_path_factory.mktemp("matrix") / "tenants"
    root.mkdir()
    for pack in sorted(TENANTS.iterdir()):
        if (pack / "tenant.yaml").exists():
            shutil.copytree(pack, root / pack.name)
    tree = PackTree(root)
    tree.edit("ningbo/tenant.yaml", ", ninghai]", "]")
    shutil.copytree(root / "xiangshan", root / "ninghai")
    tree.edit("ninghai/tenant.yaml", "id: xiangshan", "id: ninghai")
    tree.edit("ninghai/tenant.yaml", "{zh: 象山县, en: Xiangshan County}", "{zh: 宁海县, en: Ninghai County}")
    indicators = "ninghai/indicators/2022-06-17.yaml"
    document = yaml.safe_load(tree.read(indicators))
    party = next(i for i in document["indicators"] if i["id"] == "party_member")
    document.update(tenant="ninghai", title={"zh": "宁海县县级个性指标", "en": "Ninghai county indicators"},
                    indicators=[{**party, "id": "ninghai_party_member",
                                 "name": {"zh": "宁海流动党员", "en": "Migrant party member in Ninghai"}}])
    tree.write(indicators, yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    tree.write("zhejiang/services.yaml", PROVINCIAL_SERVICE)  # so every tenant of the matrix runs rounds
    assert set(tree.load().tenants) == {"zhejiang", "ningbo", "hangzhou", "xiangshan", "ninghai"}
    return tree


PROVINCIAL_SERVICE = """
tie_break_keys:
  - id: province_basic_points
    name: {zh: 基础积分, en: Basic points}
    derive: {kind: category_points, category: basic}
    prefer: higher
    source: {document: Tierpoints test matrix, clause: illustrative}
    values: illustrative
services:
  - id: rent_subsidy
    name: {zh: 租赁补贴, en: Rent subsidy}
    kind: rent_subsidy
    source: {document: Tierpoints test matrix, clause: illustrative}
    values: illustrative
    eligibility:
      min_points: 0
      valid_permit: true
      not_vetoed: true
      source: {document: Tierpoints test matrix, clause: illustrative}
      values: illustrative
    ranks_by: own_score
    tie_breaks: [province_basic_points]
    publicity_working_days: 7
    boundary:
      resolve: admit_all
      source: {document: Tierpoints test matrix, clause: illustrative}
      values: illustrative
"""
ROUND_SERVICE = {"zhejiang": "rent_subsidy", "ningbo": "settlement", "hangzhou": "settlement",
                 "xiangshan": "rent_subsidy", "ninghai": "rent_subsidy"}  # a service ranking own points


# --- the platform over that tree, its accounts built once per database ----------------------

TODAY = dt.date(2026, 6, 1)  # a Monday; the calendar package has no 2027 schedule
ACCEPTED_ON = dt.date(2026, 5, 6)  # the day after the May Day holidays: items are overdue by TODAY


@pytest.fixture(scope="module", autouse=True)
def pinned_today():
    """The platform's today (the services read clock.today()), for setup and calls alike."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "today", lambda: TODAY)
        yield TODAY


# An application's life (features/applications/states.py; "decided": its one item approved or
# rejected, the application still accepted). A target is moved forward to the stage a call needs.
STAGES = ("accepted", "decided", "determined", "objected", "objection_answered", "under_review",
          "review_answered")
# Set-up only: the roles that decide, determine and answer, held by an account-less name in every
# tenant of the matrix (the authorizer alone is asked; it does not check where a role may be held).
SETUP = "matrix-setup"
SETUP_ROLES = (("department_reviewer", "education"), ("migrant_office_district", None))


@dataclass
class Target:
    """An application set up for cases, the ids their calls name, and how far it has come."""

    applicant: int
    owner: str  # the applicant's username
    tenant: str
    own: bool  # the applicant role's own record
    application: int
    item: int  # its one item: the claimed education, for the education department
    stage: str = "accepted"
    objection: int | None = None  # the open objection (stage objected) or review (under_review)

    def moved(self, response: dict[str, Any]) -> None:
        """Where a call that succeeded left it (its response: the item or the application)."""
        if "acceptance_number" not in response:  # an item, approved or rejected
            self.stage = "decided"
            return
        self.stage = response["status"]
        assert self.stage in STAGES[2:], response
        self.objection = response["objections"][-1]["id"] if self.stage in ("objected", "under_review") else None


@dataclass
class World:
    platform: Platform
    engine: Any
    headers: dict[str, dict[str, str]]  # role → Authorization header ({} for the public)
    own_record: int = 0  # the applicant role's own applicant record (in its home tenant)
    # per tenant, someone else's record (linked to a login of their own) holding the applications
    holders: dict[str, tuple[int, str]] = field(default_factory=dict)
    # (tenant, own) → applications left by allowed calls, to be moved on by the next ones
    spare: dict[tuple[str, bool], list[Target]] = field(default_factory=dict)
    serial: itertools.count = field(default_factory=lambda: itertools.count(1))
    # targets shared by the calls that must not change them (one per tenant and kind)
    shared: dict[tuple, Any] = field(default_factory=dict)

    @property
    def client(self) -> httpx.AsyncClient:
        return self.platform.client

    def next(self) -> int:
        return next(self.serial)

    def new_applicant(self, account: str | None = None, born: dt.date = dt.date(1980, 1, 1)) -> dict[str, Any]:
        """A registration body with an identity number and permit number not used before."""
        n = self.next()
        first17 = f"330225{(born + dt.timedelta(days=n)):%Y%m%d}{n % 1000:03d}"
        body = {"name": f"申请人{n}", "identity_number": first17 + check_digit(first17),
                "permit_number": f"MX-{uuid.uuid4().hex[:12]}", "issued_on": "2024-01-15"}
        return {**body, "account": account} if account else body

    async def register(self, tenant: str, account: str | None = None, minor: bool = False) -> tuple[int, str]:
        """An applicant with a valid permit issued by `tenant` (set up directly, not over HTTP)."""
        body = self.new_applicant(account, born=dt.date(2018, 1, 1) if minor else dt.date(1980, 1, 1))
        view = await registry.register(self.platform.runtime, "matrix-setup", tenant,
                                       NewApplicant(**{**body, "issued_on": dt.date(2024, 1, 15)}))
        return view.id, body["identity_number"]

    async def suspend(self, applicant_id: int) -> None:
        permit = (await load(applicant_id)).permit
        now = dt.datetime.now(dt.UTC)
        await ResidencePermit.update({ResidencePermit.status: "suspended", ResidencePermit.updated_at: now}) \
            .where(ResidencePermit.id == permit["id"]).run()
        await PermitEvent(permit=permit["id"], at=now, action="suspended", status="suspended",
                          from_tenant=permit["tenant"], to_tenant=permit["tenant"], reason="matrix setup",
                          actor="matrix-setup").save().run()

    async def shared_applicant(self, tenant: str, suspended: bool = False) -> tuple[int, str]:
        key = ("suspended" if suspended else "applicant", tenant)
        if key not in self.shared:
            self.shared[key] = await self.register(tenant)
            if suspended:
                await self.suspend(self.shared[key][0])
        return self.shared[key]

    async def shared_draft(self, tenant: str) -> dict[str, Any]:
        if ("draft", tenant) not in self.shared:
            self.shared["draft", tenant] = await self.draft(tenant)
        return self.shared["draft", tenant]

    async def draft(self, tenant: str) -> dict[str, Any]:
        """A draft in `tenant`: a copy of the version in force today."""
        row = await publishing.create_draft("matrix-setup", tenant, {})
        return {"id": row["id"], "revision": row["revision"], "content": json.loads(row["content"])}

    async def holder(self, tenant: str) -> tuple[int, str]:
        """(applicant id, their username): the record whose applications the cases in `tenant`
        are about, unless the caller is the applicant role at their own record."""
        if tenant not in self.holders:
            name = f"m_holder_{tenant}"
            await account_service.create_account(self.platform.runtime.catalog, name, TEST_PASSWORD,
                                                 "applicant", tenant, None, actor="matrix-setup")
            self.holders[tenant] = (await self.register(tenant, account=name))[0], name
        return self.holders[tenant]

    async def new_application(self, tenant: str, own: bool = False) -> Target:
        """An application in `tenant`, applied for online by the applicant's own login (§10, open
        to every rule) and accepted on ACCEPTED_ON: one item, pending, overdue by TODAY."""
        applicant_id, owner = (self.own_record, username("applicant")) if own else await self.holder(tenant)
        body = NewApplication(claims=[Claim(fact="education", value="bachelor", evidence=["degree certificate"])],
                              declarations={})
        view, _ = await applications.apply(self.platform.runtime, Actor(owner), applicant_id, body,
                                           today=ACCEPTED_ON)
        assert view.tenant == tenant and [i.department for i in view.items] == [DEPARTMENT], view
        return Target(applicant_id, owner, tenant, own, view.id, view.items[0].id)

    async def advance(self, target: Target, stage: str) -> None:
        """Move the application on to `stage` through the service layer: objections filed by the
        applicant's own login (online, §17), everything else by SETUP."""
        runtime, applicant, setup = self.platform.runtime, Actor(target.owner), Actor(SETUP)
        for step in STAGES[STAGES.index(target.stage) + 1:STAGES.index(stage) + 1]:
            if step == "decided":
                await applications.decide(runtime, setup, target.item, "approve")
            elif step == "determined":
                await applications.determine(runtime, setup, target.application)
            elif step in ("objected", "under_review"):
                kind = "objection" if step == "objected" else "review"
                filed = await applications.object_to(runtime, applicant, target.application, f"matrix {kind}", kind)
                target.objection = filed.objections[-1].id
            else:  # objection_answered, review_answered
                await applications.answer(runtime, setup, target.application, target.objection, "matrix answer", {})
                target.objection = None
            target.stage = step

    async def application(self, tenant: str, stage: str, own: bool, shared: bool) -> Target:
        """An application in `tenant` at `stage`: the one shared by the calls that must not change
        it (refused ones), or one of its own for a call that changes it (handed back by `moved`).
        The set-up runs in one transaction (the services' own nest in it): on SQLite, one
        connection instead of one per query."""
        reached = STAGES.index(stage)
        async with write_transaction():
            if shared:
                target = self.shared.get(("application", tenant, own))
                if target is None or STAGES.index(target.stage) > reached:  # moved past it: a new one
                    target = self.shared["application", tenant, own] = await self.new_application(tenant, own)
            else:
                spare = self.spare.setdefault((tenant, own), [])
                usable = [t for t in spare if STAGES.index(t.stage) <= reached]
                target = max(usable, key=lambda t: STAGES.index(t.stage)) if usable else None
                if target is None:
                    target = await self.new_application(tenant, own)
                else:
                    spare.remove(target)
            await self.advance(target, stage)
        return target

    async def round(self, tenant: str, stage: str, shared: bool) -> int:
        """A round of the tenant's ROUND_SERVICE at `stage` (ranked | publicity | closed: publicity
        over | corrected: publicity with a second version), opened after the tenant's shared
        applicant was registered (it is refused: no points determined, so objections may name it)."""
        if shared and ("round", tenant, stage) in self.shared:
            return self.shared["round", tenant, stage]
        runtime, setup = self.platform.runtime, Actor(SETUP)
        await self.shared_applicant(tenant)
        opened = await rounds.open_round(runtime, setup, tenant, NewRound(ROUND_SERVICE[tenant], 1, ACCEPTED_ON),
                                         today=ACCEPTED_ON)
        if stage != "ranked":  # published on the acceptance day: over by TODAY, unless published today
            await rounds.publish(runtime, setup, opened.id, today=ACCEPTED_ON if stage == "closed" else TODAY)
        if stage == "corrected":
            objection = await self.round_objection(opened.id, tenant)
            await rounds.check_objection(runtime, setup, opened.id, objection,
                                         ObjectionCheck(outcome="upheld", answer="matrix"))
        if shared:
            self.shared["round", tenant, stage] = opened.id
        return opened.id

    async def round_objection(self, round_id: int, tenant: str) -> int:
        applicant_id, _ = await self.shared_applicant(tenant)
        filed = await rounds.object_to(self.platform.runtime, Actor(SETUP), round_id,
                                       NewPublicityObjection(applicant=applicant_id, grounds="matrix"))
        return filed.id

    def moved(self, target: Target, response: dict[str, Any], shared: bool) -> None:
        target.moved(response)
        if not shared:
            self.spare.setdefault((target.tenant, target.own), []).append(target)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def matrix_engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture(scope="module")
async def world(matrix_engine, matrix_packs, tmp_path_factory):
    """The matrix's packs synced into an emptied database, the app over them, and one account
    per role (logged in once): the cases share it, each setting up its own targets."""
    store_db.activate(matrix_engine)
    for table in reversed(ALL_TABLES):
        await table.delete(force=True).run()
    await sync_packs(matrix_packs.load(), folder_packs(matrix_packs.root), actor="test")
    settings = Settings(data_dir=tmp_path_factory.mktemp("matrix-data"), database_url="(test)",
                        production=False, secret="test-secret-" + uuid.uuid4().hex)
    runtime = await build_runtime(settings)
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        platform = Platform(runtime, client)
        headers: dict[str, dict[str, str]] = {}
        for role, home in ROLES.values():
            if role != "public":
                department = DEPARTMENT if role == "department_reviewer" else None
                headers[role] = await platform.account(username(role), role, home, department)
        headers["public"] = {}
        world = World(platform, matrix_engine, headers)
        world.own_record, _ = await world.register(ROLES["appl"][1], account=username("applicant"))
        # The set-up's own roles, written straight into the tables (no audit entry): the
        # service reloads grants from the database, so in-memory ones would not survive.
        now = dt.datetime.now(dt.UTC)
        setup = Account(username=SETUP, password_hash="!", display_name=SETUP, active=True, created_at=now)
        await setup.save().run()
        grants = [(role, tenant, department) for tenant in sorted(runtime.catalog.tenants)
                  for role, department in SETUP_ROLES]
        grants.append(("migrant_office_city", "zhejiang", None))  # reviews and round objections, below
        grants += [("city_admin", tenant, None) for tenant in sorted(runtime.catalog.tenants)]  # rounds
        for role, tenant, department in grants:
            await RoleAssignment(account=setup.id, role=role, tenant=tenant, department=department,
                                 created_at=now, created_by=SETUP).save().run()
        await runtime.refresh_grants()
        yield world
    # the suite's other tests empty the tables they use: nothing to clean up here


def username(role: str) -> str:
    return f"m_{role}"


# --- what each endpoint needs in the target tenant ------------------------------------------

@dataclass
class Call:
    url: str
    json: Any = None
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    target: Target | None = None  # the application the call is about (moved on by its success)
    shared: bool = False  # the target is shared (the call must not change it)


def _fill(path: str, **values: Any) -> str:
    for key, value in values.items():
        path = path.replace("{" + key + "}", str(value))
    assert "{" not in path, path
    return path


def _changes(case: Case) -> bool:
    """An allowed call that changes its target needs a target of its own; every other call
    (reads, and refused changes, which must change nothing) shares one per tenant."""
    return case.allowed and case.method != "GET"


async def _applicant(world: World, case: Case, tenant: str, suspended: bool = False) -> int:
    """The applicant an /applicants/{id} call is about: the applicant's own record, or someone
    whose permit is in `tenant` (suspended, for a restore)."""
    if case.role == "applicant" and (case.relation == "own" or case.path.endswith("/move")):
        return world.own_record  # not even their own permit can they move, suspend, ...
    if _changes(case):
        applicant_id, _ = await world.register(tenant)
        if suspended:
            await world.suspend(applicant_id)
        return applicant_id
    return (await world.shared_applicant(tenant, suspended))[0]


# endpoint → the stage its target application must be in for the call to be possible
# (None for the application's #qualifier: STAGE_BY_QUALIFIER)
APPLICATION_STAGE = {
    "POST /api/v1/applicants/{applicant}/applications": "accepted",  # (the applicant is the target)
    "GET /api/v1/applicants/{applicant}/applications": "accepted",
    "GET /api/v1/applications/{application}": "accepted",
    "POST /api/v1/applications/{application}/determine": "decided",
    "POST /api/v1/applications/{application}/objections": None,
    "POST /api/v1/applications/{application}/objections/{objection}/answer": None,
    "POST /api/v1/application-items/{item}/approve": "accepted",
    "POST /api/v1/application-items/{item}/reject": "accepted",
}
STAGE_BY_QUALIFIER = {  # what is objected to / answered
    ("POST /api/v1/applications/{application}/objections", "objection"): "determined",
    ("POST /api/v1/applications/{application}/objections", "review"): "objection_answered",
    ("POST /api/v1/applications/{application}/objections/{objection}/answer", "objection"): "objected",
    ("POST /api/v1/applications/{application}/objections/{objection}/answer", "review"): "under_review",
}
APPLICATION_BODY = {"claims": [{"fact": "education", "value": "bachelor", "evidence": ["degree certificate"]}],
                    "declarations": {}}


async def prepare_application(world: World, case: Case, key: str) -> Call:
    """An application endpoint: its target application at the stage the call needs, one of its
    own when the call is allowed and changes it, else the one shared per tenant and owner."""
    own = case.role == "applicant" and case.relation == "own"  # their own record (in their home)
    stage = APPLICATION_STAGE[key] or STAGE_BY_QUALIFIER[key, case.qualifier]
    if key == "POST /api/v1/applicants/{applicant}/applications":  # a record, not an application
        applicant_id = world.own_record if own else (await world.holder(case.tenant))[0]
        return Call(_fill(case.endpoint, applicant=applicant_id), json=APPLICATION_BODY)
    shared = not _changes(case)
    target = await world.application(case.tenant, stage, own, shared)
    url = _fill(case.endpoint, applicant=target.applicant, application=target.application, item=target.item,
                objection=target.objection)
    body = None
    if key.endswith("/objections"):
        body = {"grounds": "matrix grounds", "stage": case.qualifier}
    elif key.endswith("/answer"):
        body = {"answer": "matrix answer"}
    elif key.endswith("/approve"):
        body = {"note": "matrix"}
    elif key.endswith("/reject"):
        body = {"reason": "matrix"}
    return Call(url, json=body, target=target if case.method != "GET" else None, shared=shared)


async def prepare(world: World, case: Case) -> Call:
    path, tenant = case.path, case.tenant
    key = f"{case.method} {case.endpoint}"
    if key in APPLICATION_STAGE:
        return await prepare_application(world, case, key)
    if "{round}" in path or key.endswith("/rounds"):
        return await prepare_round(world, case, key)
    if key in ("GET /api/v1/tenants/{tenant}/review-queue", "GET /api/v1/tenants/{tenant}/overdue-items"):
        await world.application(tenant, "accepted", own=False, shared=True)  # an item pending, overdue
        params = {"department": DEPARTMENT} if key.endswith("/review-queue") else {}
        return Call(_fill(path, tenant=tenant), params=params)
    if "{applicant}" in path:
        if path.endswith("/permit/move"):  # the relation is the destination's: come from elsewhere
            source = "hangzhou" if tenant != "hangzhou" else "xiangshan"
            applicant_id = await _applicant(world, case, source)
            permit = (await load(applicant_id)).permit
            return Call(_fill(path, applicant=applicant_id),
                        json={"to_tenant": tenant, "reason": "moved", "permit_number": permit["number"]})
        if case.method == "POST" and path.endswith("/guardians"):  # about a minor, naming an adult
            child = world.own_record if case.role == "applicant" and case.relation == "own" else \
                (await world.register(tenant, minor=True))[0]
            guardian, _ = await world.register(tenant)
            return Call(_fill(path, applicant=child),
                        json={"guardian": guardian, "relationship": "mother", "proof": "birth certificate"})
        restore = path.endswith("/permit/restore")
        url = _fill(path, applicant=await _applicant(world, case, tenant, suspended=restore))
        if path.endswith(("/permit/suspend", "/permit/restore")):
            return Call(url, json={"reason": "matrix"})
        if path.endswith("/permit/terminate"):
            return Call(url, json={"reason": "matrix", "ground": "no_longer_qualifies"})
        if case.method == "PUT" and path.endswith("/facts"):
            return Call(url, json={"facts": {"education": "bachelor"}})
        return Call(url)
    if "{report}" in path:  # a finished preview of the tenant's shared draft
        if ("report", tenant) not in world.shared:
            draft = await world.shared_draft(tenant)
            view, _ = await impact.start(world.platform.runtime, Actor(SETUP), tenant, draft["id"], ImpactRequest(),
                                         background=False)
            world.shared["report", tenant] = view.id
        return Call(_fill(path, tenant=tenant, report=world.shared["report", tenant]))
    if "{draft}" in path:
        draft = await (world.draft(tenant) if _changes(case) else world.shared_draft(tenant))
        url = _fill(path, tenant=tenant, draft=draft["id"])
        if case.method == "PUT":
            return Call(url, json=draft["content"], headers={"If-Match": f'"{draft["revision"]}"'})
        if path.endswith("/publish"):  # a date no other case publishes
            effective = clock.today() + dt.timedelta(days=30 + world.next())
            return Call(url, json={"effective_from": effective.isoformat()})
        return Call(url)
    if key == "DELETE /api/v1/tenants/{tenant}/accounts/{username}/roles/{role}":
        # a reviewer of the tenant: one of its own for an allowed call, else one shared per tenant
        shared_key = ("reviewer", tenant)
        if _changes(case) or shared_key not in world.shared:
            name = f"m_reviewer_{world.next()}"
            await account_service.create_account(world.platform.runtime.catalog, name, TEST_PASSWORD,
                                                 "department_reviewer", tenant, DEPARTMENT, actor="matrix-setup")
            if not _changes(case):
                world.shared[shared_key] = name
        name = name if _changes(case) else world.shared[shared_key]
        return Call(_fill(case.path, tenant=tenant, username=name, role="department_reviewer"))
    url = _fill(path, tenant=tenant) if tenant else path
    if key == "POST /api/v1/auth/token":
        who = case.role if case.role != "public" else "window_clerk"
        return Call(url, json={"username": username(who), "password": TEST_PASSWORD})
    if key == "POST /api/v1/tenants/{tenant}/simulate":
        return Call(url, json=EXAMPLE, params={"as_of": "2026-11-28"})
    if key == "POST /api/v1/tenants/{tenant}/accounts":
        return Call(url, json={"username": f"m_new_{world.next()}", "password": "a long enough password",
                               "role": "department_reviewer", "department": DEPARTMENT})
    if key == "POST /api/v1/tenants/{tenant}/indicator-sets/drafts":
        return Call(url, json={})
    if key == "POST /api/v1/tenants/{tenant}/applicants":
        return Call(url, json=world.new_applicant())
    if key == "POST /api/v1/tenants/{tenant}/applicants/search":
        _, number = await world.shared_applicant(tenant)
        return Call(url, json={"identity_number": number})
    return Call(url)


EXAMPLE = json.loads((Path(__file__).resolve().parents[1] / "examples/applicant-xiangshan.json").read_text())

ROUND_STAGE = {  # endpoint → the stage of the round it needs
    "POST /api/v1/rounds/{round}/publish": "ranked",
    "POST /api/v1/rounds/{round}/allocate": "closed",
    "GET /api/v1/rounds/{round}/versions/{version}/diff": "corrected",
}


async def prepare_round(world: World, case: Case, key: str) -> Call:
    """A round endpoint: a round of its own for an allowed change, else one shared per tenant
    and stage; reads see a published round (public) with a second version."""
    tenant = case.tenant
    if key == "POST /api/v1/tenants/{tenant}/rounds":
        return Call(_fill(case.path, tenant=tenant),
                    json={"service": ROUND_SERVICE[tenant], "quota": 1, "snapshot": TODAY.isoformat()})
    if key == "GET /api/v1/tenants/{tenant}/rounds":
        return Call(_fill(case.path, tenant=tenant))
    round_id = await world.round(tenant, ROUND_STAGE.get(key, "publicity"), shared=not _changes(case))
    if key == "POST /api/v1/rounds/{round}/objections":
        own = case.role == "applicant" and case.relation == "own"
        applicant_id = world.own_record if own else (await world.shared_applicant(tenant))[0]
        return Call(_fill(case.path, round=round_id), json={"applicant": applicant_id, "grounds": "matrix"})
    if key == "POST /api/v1/rounds/{round}/objections/{objection}/check":
        shared_key = ("round objection", tenant)
        if _changes(case) or shared_key not in world.shared:
            objection = await world.round_objection(round_id, tenant)
            if not _changes(case):
                world.shared[shared_key] = objection
        objection = objection if _changes(case) else world.shared[shared_key]
        return Call(_fill(case.path, round=round_id, objection=objection),
                    json={"outcome": "dismissed", "answer": "matrix"})
    return Call(_fill(case.path, round=round_id, version=2))


# --- the cases -------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_permission(world: World, case: Case):
    store_db.activate(world.engine)  # the cases of both databases run in one process
    call = await prepare(world, case)
    entries = await AuditEntry.count().run()
    response = await world.client.request(case.method, call.url, json=call.json, params=call.params,
                                          headers={**world.headers[case.role], **call.headers})
    where = f"{case.role} at {case.tenant or '-'} ({case.relation}): {case.method} {call.url}"
    if response.is_success and call.target:  # (also when it should have been refused)
        world.moved(call.target, response.json(), call.shared)
    if case.allowed:
        assert 200 <= response.status_code < 300, f"expected allowed, {where} → {response.status_code} {response.text}"
    else:
        expected = 401 if case.role == "public" else 403
        assert response.status_code == expected, \
            f"expected {expected}, {where} → {response.status_code} {response.text[:300]}"
        assert await AuditEntry.count().run() == entries, f"a refused call left an audit entry: {where}"


def _template(path: str) -> str:
    """/api/v1/tenants/{tenant_id:str}/… and /api/v1/tenants/{tenant}/… → /api/v1/tenants/{}/…"""
    return "/".join("{}" if part.startswith("{") else part for part in path.split("/"))


def test_the_table_lists_every_endpoint_of_the_api():
    """A new endpoint without a row in TABLE fails here."""
    app = create_app(None)  # only the routes are looked at
    served = {(method, _template(route.path)) for route in app.routes if route.path.startswith("/api/")
              for method in route.methods if method not in {"OPTIONS", "HEAD"}}
    listed = {(case.method, _template(case.endpoint)) for case in CASES if case.path.startswith("/api/")}
    assert served == listed
    for role, _ in ROLES.values():  # and every role has a column, every relation its cases
        relations = {case.relation for case in CASES if case.role == role and case.tenant}
        assert relations == set(RELATIVES[dict(ROLES.values())[role]]), role
