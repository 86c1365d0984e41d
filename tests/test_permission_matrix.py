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

Each role is held at a home tenant; a case's target tenant is the home's own, parent, child or
sibling tenant (only the relations that exist there are generated). There is no second county
under Ningbo in the real packs, so the matrix runs over a copy of tenants/ with one more:
Ninghai, Xiangshan's sibling.

    zhejiang ─┬─ ningbo ─┬─ xiangshan
              │          └─ ninghai  (matrix only)
              └─ hangzhou

Allowed means not 401/403, and here always 2xx: every case sets up what the call needs in the
target tenant (an applicant registered there, a draft there, a suspended permit to restore, ...).
Denied means 403 for a logged-in caller and 401 for the public.
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
from tierpoints.app import create_app
from tierpoints.features.applicants import registry
from tierpoints.features.applicants.identity import check_digit
from tierpoints.features.applicants.records import load
from tierpoints.features.applicants.schemas import NewApplicant
from tierpoints.features.publishing import service as publishing
from tierpoints.packs.sources import folder_packs
from tierpoints.runtime import build_runtime
from tierpoints.settings import Settings
from tierpoints.store import db as store_db
from tierpoints.store.policy import sync_packs
from tierpoints.store.tables import ALL_TABLES, AuditEntry, PermitEvent, ResidencePermit

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

TABLE = """
METHOD PATH                                                            prov city cnty mo-d mo-c rev  clrk appl pub
GET    /api/v1/tenants                                                 *    *    *    *    *    *    *    *    *
GET    /api/v1/tenants/{tenant}/indicators                             *    *    *    *    *    *    *    *    *
POST   /api/v1/tenants/{tenant}/simulate                               *    *    *    *    *    *    *    *    *
POST   /api/v1/auth/token                                              *    *    *    *    *    *    *    *    *
GET    /schema/openapi.json                                            *    *    *    *    *    *    *    *    *
GET    /api/v1/me                                                      *    *    *    *    *    *    *    *    -
GET    /api/v1/tenants/{tenant}/accounts                               oc   oc   o    -    -    -    -    -    -
POST   /api/v1/tenants/{tenant}/accounts                               oc   oc   o    -    -    -    -    -    -
GET    /api/v1/tenants/{tenant}/audit                                  oc   oc   o    -    -    -    -    -    -
GET    /api/v1/tenants/{tenant}/indicator-sets                         *    *    *    *    *    *    *    *    *
POST   /api/v1/tenants/{tenant}/indicator-sets/drafts                  o    o    o    -    -    -    -    -    -
GET    /api/v1/tenants/{tenant}/indicator-sets/drafts/{draft}          oc   oc   o    -    -    -    -    -    -
PUT    /api/v1/tenants/{tenant}/indicator-sets/drafts/{draft}          o    o    o    -    -    -    -    -    -
POST   /api/v1/tenants/{tenant}/indicator-sets/drafts/{draft}/validate oc   oc   o    -    -    -    -    -    -
POST   /api/v1/tenants/{tenant}/indicator-sets/drafts/{draft}/publish  o    o    o    -    -    -    -    -    -
POST   /api/v1/tenants/{tenant}/applicants                             -    -    -    o    -    -    o    -    -
GET    /api/v1/tenants/{tenant}/applicants                             oc   oc   o    o    oc   o    o    -    -
POST   /api/v1/tenants/{tenant}/applicants/search                      oc   oc   o    o    oc   o    o    -    -
GET    /api/v1/applicants/{applicant}                                  oc   oc   o    o    oc   o    o    o    -
GET    /api/v1/applicants/{applicant}/permit                           oc   oc   o    o    oc   -    o    o    -
POST   /api/v1/applicants/{applicant}/permit/move                      -    -    -    o    oc   -    -    -    -
POST   /api/v1/applicants/{applicant}/permit/suspend                   -    -    -    o    oc   -    -    -    -
POST   /api/v1/applicants/{applicant}/permit/restore                   -    -    -    o    oc   -    -    -    -
POST   /api/v1/applicants/{applicant}/permit/terminate                 -    -    -    o    oc   -    -    -    -
PUT    /api/v1/applicants/{applicant}/facts                            -    -    -    -    -    o    -    -    -
GET    /api/v1/applicants/{applicant}/facts                            oc   oc   o    o    oc   o    -    o    -
GET    /api/v1/applicants/{applicant}/score                            oc   oc   o    o    oc   -    -    o    -
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


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # the template
    role: str
    relation: str
    tenant: str | None  # the target tenant (None: the path names none)
    allowed: bool

    @property
    def id(self) -> str:
        short = self.path.removeprefix("/api/v1").lstrip("/")
        short = short.replace("tenants/{tenant}/indicator-sets/", "").replace("tenants/{tenant}/", "")
        return f"{self.method} {short}|{self.role}|{self.relation}"  # "POST drafts|county_admin|sibling"


def _parse(table: str) -> list[Case]:
    header, *rows = [line.split() for line in table.strip().splitlines()]
    columns = header[2:]
    assert columns == list(ROLES), columns
    cases = []
    for method, path, *cells in rows:
        assert len(cells) == len(columns), (method, path)
        tenant_bound = "{tenant}" in path or "{applicant}" in path
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
    assert set(tree.load().tenants) == {"zhejiang", "ningbo", "hangzhou", "xiangshan", "ninghai"}
    return tree


# --- the platform over that tree, its accounts built once per database ----------------------

@dataclass
class World:
    platform: Platform
    engine: Any
    headers: dict[str, dict[str, str]]  # role → Authorization header ({} for the public)
    own_record: int = 0  # the applicant role's own applicant record (in its home tenant)
    serial: itertools.count = field(default_factory=lambda: itertools.count(1))
    # targets shared by the calls that must not change them (one per tenant and kind)
    shared: dict[tuple[str, str], Any] = field(default_factory=dict)

    @property
    def client(self) -> httpx.AsyncClient:
        return self.platform.client

    def next(self) -> int:
        return next(self.serial)

    def new_applicant(self, account: str | None = None) -> dict[str, Any]:
        """A registration body with an identity number and permit number not used before."""
        n = self.next()
        first17 = f"330225{(dt.date(1980, 1, 1) + dt.timedelta(days=n)):%Y%m%d}{n % 1000:03d}"
        body = {"name": f"申请人{n}", "identity_number": first17 + check_digit(first17),
                "permit_number": f"MX-{uuid.uuid4().hex[:12]}", "issued_on": "2024-01-15"}
        return {**body, "account": account} if account else body

    async def register(self, tenant: str, account: str | None = None) -> tuple[int, str]:
        """An applicant with a valid permit issued by `tenant` (set up directly, not over HTTP)."""
        body = self.new_applicant(account)
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


async def prepare(world: World, case: Case) -> Call:
    path, tenant = case.path, case.tenant
    key = f"{case.method} {path}"
    if "{applicant}" in path:
        if path.endswith("/permit/move"):  # the relation is the destination's: come from elsewhere
            source = "hangzhou" if tenant != "hangzhou" else "xiangshan"
            applicant_id = await _applicant(world, case, source)
            permit = (await load(applicant_id)).permit
            return Call(_fill(path, applicant=applicant_id),
                        json={"to_tenant": tenant, "reason": "moved", "permit_number": permit["number"]})
        restore = path.endswith("/permit/restore")
        url = _fill(path, applicant=await _applicant(world, case, tenant, suspended=restore))
        if path.endswith(("/permit/suspend", "/permit/restore", "/permit/terminate")):
            return Call(url, json={"reason": "matrix"})
        if case.method == "PUT" and path.endswith("/facts"):
            return Call(url, json={"facts": {"education": "bachelor"}})
        return Call(url)
    if "{draft}" in path:
        draft = await (world.draft(tenant) if _changes(case) else world.shared_draft(tenant))
        url = _fill(path, tenant=tenant, draft=draft["id"])
        if case.method == "PUT":
            return Call(url, json=draft["content"], headers={"If-Match": f'"{draft["revision"]}"'})
        if path.endswith("/publish"):  # a date no other case publishes
            effective = clock.today() + dt.timedelta(days=30 + world.next())
            return Call(url, json={"effective_from": effective.isoformat()})
        return Call(url)
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


# --- the cases -------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_permission(world: World, case: Case):
    store_db.activate(world.engine)  # the cases of both databases run in one process
    call = await prepare(world, case)
    entries = await AuditEntry.count().run()
    response = await world.client.request(case.method, call.url, json=call.json, params=call.params,
                                          headers={**world.headers[case.role], **call.headers})
    where = f"{case.role} at {case.tenant or '-'} ({case.relation}): {case.method} {call.url}"
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
    listed = {(case.method, _template(case.path)) for case in CASES if case.path.startswith("/api/")}
    assert served == listed
    for role, _ in ROLES.values():  # and every role has a column, every relation its cases
        relations = {case.relation for case in CASES if case.role == role and case.tenant}
        assert relations == set(RELATIVES[dict(ROLES.values())[role]]), role
