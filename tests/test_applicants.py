"""Applicants across districts (issue 3), over HTTP on SQLite and PostgreSQL: registration with a
masked identity, the residence permit's states and moves, facts recorded by department
reviewers, and the score as each jurisdiction recognises it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

from tierpoints.features.applicants.errors import PermitStateError
from tierpoints.features.applicants.identity import check_digit
from tierpoints.features.applicants.permits import next_status, validity
from tierpoints.features.applicants.scores import recompute_scores
from tierpoints.store.tables import (
    Applicant,
    ApplicantFacts,
    AuditEntry,
    PermitEvent,
    RecognisedScore,
)

EXAMPLE = json.loads((Path(__file__).resolve().parents[1] / "examples/applicant-xiangshan.json").read_text())
AS_OF = "2026-11-28"  # the README's worked example: Xiangshan 114.5, Hangzhou 128.5


def identity_number(sequence: int = 123, born: str = "19960301", area: str = "330225") -> str:
    first17 = f"{area}{born}{sequence:03d}"
    return first17 + check_digit(first17)


async def register(platform, headers, tenant="xiangshan", sequence=123, permit=None, account=None):
    body = {"name": "李明", "identity_number": identity_number(sequence),
            "permit_number": permit or f"ZJ-{tenant}-{sequence}", "issued_on": "2024-01-15"}
    if account:
        body["account"] = account
    response = await platform.client.post(f"/api/v1/tenants/{tenant}/applicants", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def record_example_facts(platform, applicant_id: int, tenant: str = "xiangshan") -> None:
    """Each department's reviewer in `tenant` records the example's facts it verifies."""
    departments = platform.runtime.catalog.fact_departments()
    by_department = defaultdict(dict)
    for fact, value in EXAMPLE.items():
        by_department[min(departments[fact])][fact] = value
    for department, facts in by_department.items():
        headers = await platform.account(f"rev_{tenant}_{department}_{applicant_id}", "department_reviewer",
                                         tenant, department)
        response = await platform.client.put(f"/api/v1/applicants/{applicant_id}/facts",
                                             headers=headers, json={"facts": facts})
        assert response.status_code == 200, response.text


def test_permit_states_in_one_place():
    """DOMAIN Validity: suspended points are temporarily invalid and revive with the permit; void for
    good once terminated or suspended three years in a row."""
    assert next_status("suspend", "valid") == "suspended" and next_status("restore", "suspended") == "valid"
    assert next_status("move", "suspended") == "suspended"  # a move keeps the state
    since, today = dt.date(2023, 3, 1), dt.date(2026, 2, 28)
    assert validity("suspended", since, today) == "suspended"
    assert validity("suspended", since, dt.date(2026, 3, 1)) == "void"
    assert validity("terminated", None, today) == "void"
    for action, status in [("restore", "valid"), ("suspend", "terminated"), ("move", "terminated")]:
        try:
            next_status(action, status)
        except PermitStateError as error:
            assert error.status == status
        else:
            raise AssertionError(f"{action} from {status} must be refused")
    try:
        next_status("restore", "suspended", since, dt.date(2026, 3, 1))
    except PermitStateError as error:
        assert "void" in str(error)
    else:
        raise AssertionError("three years suspended: the permit cannot revive")


def tiers(score: dict) -> dict[str, float]:
    return {tier["tenant"]: tier["points"] for tier in score["result"]["tiers"]}


async def test_registration_stores_only_a_digest_and_shows_the_number_masked(platform):
    """ISSUE: identity number stored so it can be looked up but shown masked."""
    clerk = await platform.account("xs_clerk", "window_clerk", "xiangshan")
    number = identity_number()
    created = await register(platform, clerk)
    assert created["identity_masked"] == number[:3] + "*" * 11 + number[-4:]
    assert created["permit"]["status"] == "valid" and created["permit"]["tenant"] == "xiangshan"
    row = await Applicant.select().where(Applicant.id == created["id"]).first().run()
    stored = json.dumps(row, default=str) + json.dumps(await AuditEntry.select().run(), default=str)
    assert number not in stored and number[6:14] not in stored  # neither the number nor the birth date
    found = await platform.client.post("/api/v1/tenants/xiangshan/applicants/search", headers=clerk,
                                       json={"identity_number": number.lower()})
    assert [a["id"] for a in found.json()] == [created["id"]]
    searched = await platform.client.post("/api/v1/tenants/xiangshan/applicants/search", headers=clerk,
                                          json={"identity_number": number})
    assert [a["id"] for a in searched.json()] == [created["id"]]  # the number kept out of the URL
    again = await platform.client.post("/api/v1/tenants/xiangshan/applicants", headers=clerk, json={
        "name": "李明", "identity_number": number, "permit_number": "other", "issued_on": "2024-01-15"})
    assert again.status_code == 409 and again.json()["errors"][0]["pointer"] == "/identity_number"
    assert number not in again.text


async def test_a_bad_identity_number_is_422_naming_the_field(platform):
    clerk = await platform.account("xs_clerk", "window_clerk", "xiangshan")
    good = identity_number()
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    for bad in ["12345", wrong_check, "330225" + "19961301" + "123" + "X", "03022519960301123X"]:
        response = await platform.client.post("/api/v1/tenants/xiangshan/applicants", headers=clerk, json={
            "name": "李明", "identity_number": bad, "permit_number": "P1", "issued_on": "2024-01-15"})
        assert response.status_code == 422, (bad, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["pointer"] == "/identity_number"
        assert bad not in response.text
    lookup = await platform.client.post("/api/v1/tenants/xiangshan/applicants/search", headers=clerk,
                                        json={"identity_number": wrong_check})
    assert lookup.status_code == 422


async def test_move_within_the_city_keeps_the_city_points_and_drops_the_county_ones(platform):
    """DOMAIN: municipal points travel within the city, county points stay behind when the holder moves."""
    office = await platform.account("xs_office", "migrant_office_district", "xiangshan")
    ningbo = await platform.account("nb_office", "migrant_office_district", "ningbo")
    applicant = await register(platform, office)
    await record_example_facts(platform, applicant["id"])
    url = f"/api/v1/applicants/{applicant['id']}"
    before = (await platform.client.get(f"{url}/score", headers=office, params={"as_of": AS_OF})).json()
    assert before["result"]["total"] == 114.5
    assert tiers(before) == {"zhejiang": 72.5, "ningbo": 28, "xiangshan": 14}
    moved = await platform.client.post(f"{url}/permit/move", headers=ningbo,
                                       json={"to_tenant": "ningbo", "reason": "moved to Haishu",
                                             "permit_number": applicant["permit"]["number"]})
    assert moved.status_code == 200, moved.text
    after = (await platform.client.get(f"{url}/score", headers=ningbo, params={"as_of": AS_OF})).json()
    assert after["at"] == "ningbo" and after["permit_tenant"] == "ningbo"
    assert tiers(after) == {"zhejiang": 72.5, "ningbo": 28}
    stored = await RecognisedScore.select().where(RecognisedScore.applicant == applicant["id"]).run()
    assert [(r["tenant"], r["policy"].split(",")) for r in stored] == [
        ("ningbo", ["zhejiang@2022-01-01", "ningbo@2022-01-01"])]


async def test_move_to_another_city_keeps_only_the_provincial_points(platform):
    """DOMAIN: provincial points travel everywhere; Xiangshan → Hangzhou keeps only Zhejiang's."""
    office = await platform.account("xs_office", "migrant_office_district", "xiangshan")
    hangzhou = await platform.account("hz_office", "migrant_office_city", "hangzhou")
    applicant = await register(platform, office)
    await record_example_facts(platform, applicant["id"])
    url = f"/api/v1/applicants/{applicant['id']}"
    number = applicant["permit"]["number"]
    refused = await platform.client.post(f"{url}/permit/move", headers=office,
                                         json={"to_tenant": "hangzhou", "permit_number": number})
    assert refused.status_code == 403  # the destination's office takes the permit over
    unproven = await platform.client.post(f"{url}/permit/move", headers=hangzhou,
                                          json={"to_tenant": "hangzhou", "permit_number": "ZJ-guessed"})
    assert unproven.status_code == 422 and unproven.json()["errors"][0]["pointer"] == "/permit_number"
    moved = await platform.client.post(f"{url}/permit/move", headers=hangzhou,
                                       json={"to_tenant": "hangzhou", "permit_number": number})
    assert moved.status_code == 200, moved.text
    score = (await platform.client.get(f"{url}/score", headers=hangzhou, params={"as_of": AS_OF})).json()
    assert tiers(score) == {"zhejiang": 72.5, "hangzhou": 56} and score["result"]["total"] == 128.5


async def test_moving_keeps_the_permit_history(platform):
    """ISSUE: moving the permit to another tenant keeps the history."""
    office = await platform.account("xs_office", "migrant_office_district", "xiangshan")
    ningbo = await platform.account("nb_city", "migrant_office_city", "ningbo")
    hangzhou = await platform.account("hz_city", "migrant_office_city", "hangzhou")
    applicant = await register(platform, office)
    url = f"/api/v1/applicants/{applicant['id']}/permit"
    number = applicant["permit"]["number"]
    assert (await platform.client.post(f"{url}/move", headers=ningbo,
                                       json={"to_tenant": "ningbo", "permit_number": number})).status_code == 200
    assert (await platform.client.post(f"{url}/move", headers=hangzhou, json={
        "to_tenant": "hangzhou", "reason": "new job", "permit_number": number})).status_code == 200
    permit = (await platform.client.get(url, headers=hangzhou)).json()
    assert permit["tenant"] == "hangzhou"
    assert [(e["action"], e["from_tenant"], e["to_tenant"]) for e in permit["history"]] == [
        ("issued", None, "xiangshan"), ("moved", "xiangshan", "ningbo"), ("moved", "ningbo", "hangzhou")]
    assert permit["history"][-1]["reason"] == "new job"
    again = await platform.client.post(f"{url}/move", headers=hangzhou,
                                       json={"to_tenant": "hangzhou", "permit_number": number})
    assert again.status_code == 422 and again.json()["errors"][0]["pointer"] == "/to_tenant"
    nowhere = await platform.client.post(f"{url}/move", headers=hangzhou,
                                         json={"to_tenant": "atlantis", "permit_number": number})
    assert nowhere.status_code == 422 and nowhere.json()["errors"][0]["pointer"] == "/to_tenant"


async def test_a_suspended_permit_makes_the_points_temporarily_invalid(platform):
    """Hangzhou rules §21: suspended → points temporarily invalid, revive with the permit;
    terminated on one of the grounds (1)-(4) → void for good, and a terminated permit cannot move
    or revive (409 naming the state)."""
    office = await platform.account("xs_office", "migrant_office_district", "xiangshan")
    ningbo = await platform.account("nb_office", "migrant_office_district", "ningbo")
    applicant = await register(platform, office)
    url = f"/api/v1/applicants/{applicant['id']}"
    assert (await platform.client.get(f"{url}/score", headers=office)).json()["valid"] is True
    assert (await platform.client.post(f"{url}/permit/suspend", headers=office, json={"reason": "left"})).status_code == 200
    suspended = (await platform.client.get(f"{url}/score", headers=office)).json()
    assert suspended["valid"] is False and suspended["validity"] == "suspended"
    twice = await platform.client.post(f"{url}/permit/suspend", headers=office, json={})
    assert twice.status_code == 409 and twice.json()["state"] == "suspended"
    assert (await platform.client.post(f"{url}/permit/restore", headers=office, json={})).status_code == 200
    assert (await platform.client.get(f"{url}/score", headers=office)).json()["valid"] is True
    unnamed = await platform.client.post(f"{url}/permit/terminate", headers=office, json={"ground": "moved"})
    assert unnamed.status_code == 422 and "/ground" in unnamed.text and "permanent_resident" in unnamed.text
    early = await platform.client.post(f"{url}/permit/terminate", headers=office,
                                       json={"ground": "suspended_three_years"})
    assert early.status_code == 422 and "not three consecutive years" in early.text
    terminated = await platform.client.post(f"{url}/permit/terminate", headers=office,
                                            json={"ground": "permanent_resident", "reason": "hukou granted"})
    assert terminated.status_code == 200 and terminated.json()["history"][-1]["ground"] == "permanent_resident"
    void = (await platform.client.get(f"{url}/score", headers=office)).json()
    assert void["valid"] is False and void["validity"] == "void"
    assert await RecognisedScore.count().where(RecognisedScore.applicant == applicant["id"]).run() == 0
    move = await platform.client.post(f"{url}/permit/move", headers=ningbo,
                                      json={"to_tenant": "ningbo", "permit_number": applicant["permit"]["number"]})
    assert move.status_code == 409 and "terminated" in move.json()["detail"]
    restore = await platform.client.post(f"{url}/permit/restore", headers=office, json={})
    assert restore.status_code == 409 and restore.json()["state"] == "terminated"


async def test_a_county_admin_cannot_see_another_citys_applicants(platform):
    """ISSUE: a county admin cannot see another county's applicants (nor another city's)."""
    xs_admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    xs_clerk = await platform.account("xs_clerk", "window_clerk", "xiangshan")
    hz_clerk = await platform.account("hz_clerk", "window_clerk", "hangzhou")
    local = await register(platform, xs_clerk, "xiangshan", sequence=1)
    remote = await register(platform, hz_clerk, "hangzhou", sequence=2)
    assert (await platform.client.get(f"/api/v1/applicants/{local['id']}", headers=xs_admin)).status_code == 200
    denied = await platform.client.get(f"/api/v1/applicants/{remote['id']}", headers=xs_admin)
    assert denied.status_code == 403
    listed = await platform.client.get("/api/v1/tenants/xiangshan/applicants", headers=xs_admin)
    assert [a["id"] for a in listed.json()] == [local["id"]]
    by_number = await platform.client.post("/api/v1/tenants/xiangshan/applicants/search", headers=xs_admin,
                                           json={"identity_number": identity_number(2)})
    assert by_number.json() == []
    assert (await platform.client.get("/api/v1/tenants/hangzhou/applicants", headers=xs_admin)).status_code == 403
    for path in ("permit", "facts", "score"):
        response = await platform.client.get(f"/api/v1/applicants/{remote['id']}/{path}", headers=xs_admin)
        assert response.status_code == 403, path
    public = await platform.client.get(f"/api/v1/applicants/{local['id']}")
    assert public.status_code == 401
    assert (await platform.client.get("/api/v1/applicants/999999", headers=xs_admin)).status_code == 404


async def test_a_province_admin_lists_applicants_below_it(platform):
    """roles.yaml: reading goes down — a provincial admin reads applicants of every city and county."""
    admin = await platform.account("zj_admin", "province_admin", "zhejiang")
    nb_clerk = await platform.account("nb_clerk", "window_clerk", "ningbo")
    xs_clerk = await platform.account("xs_clerk", "window_clerk", "xiangshan")
    first = await register(platform, nb_clerk, "ningbo", sequence=1)
    second = await register(platform, xs_clerk, "xiangshan", sequence=2)
    listed = await platform.client.get("/api/v1/tenants/zhejiang/applicants", headers=admin)
    assert [a["id"] for a in listed.json()] == [first["id"], second["id"]]
    # a clerk's grant is "own": the Ningbo clerk does not reach Xiangshan's applicants
    clerk_list = await platform.client.get("/api/v1/tenants/ningbo/applicants", headers=nb_clerk)
    assert [a["id"] for a in clerk_list.json()] == [first["id"]]
    page = await platform.client.get("/api/v1/tenants/zhejiang/applicants", headers=admin,
                                     params={"after": first["id"], "limit": 1})
    assert [a["id"] for a in page.json()] == [second["id"]]


async def test_a_reviewer_records_only_the_facts_of_its_department(platform):
    """ISSUE: a department reviewer verifies only the items of its own department in its jurisdiction."""
    clerk = await platform.account("xs_clerk", "window_clerk", "xiangshan")
    education = await platform.account("xs_edu", "department_reviewer", "xiangshan", "education")
    applicant = await register(platform, clerk)
    url = f"/api/v1/applicants/{applicant['id']}/facts"
    ok = await platform.client.put(url, headers=education, json={"facts": {"education": "bachelor"}})
    assert ok.status_code == 200, ok.text
    assert ok.json()["facts"] == {"education": "bachelor"} and ok.json()["revision"] == 1
    denied = await platform.client.put(url, headers=education, json={"facts": {
        "education": "master", "social_insurance": EXAMPLE["social_insurance"]}})
    assert denied.status_code == 403 and denied.json()["fact"] == "social_insurance"
    assert "social_insurance" in denied.json()["detail"]
    bad = await platform.client.put(url, headers=education, json={"facts": {"education": "phd"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/facts/education"
    unknown = await platform.client.put(url, headers=education, json={"facts": {"shoe_size": 42}})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["pointer"] == "/facts/shoe_size"
    elsewhere = await platform.account("nb_edu", "department_reviewer", "ningbo", "education")
    other = await platform.client.put(url, headers=elsewhere, json={"facts": {"education": "master"}})
    assert other.status_code == 403  # Ningbo's own scope does not reach a Xiangshan permit
    assert await ApplicantFacts.count().where(ApplicantFacts.applicant == applicant["id"]).run() == 1


async def test_facts_are_merged_into_new_revisions_and_read_per_department(platform):
    """ISSUE: recording facts keeps the history; a reviewer sees only its own department's items."""
    clerk = await platform.account("xs_clerk", "window_clerk", "xiangshan")
    education = await platform.account("xs_edu", "department_reviewer", "xiangshan", "education")
    housing = await platform.account("xs_housing", "department_reviewer", "xiangshan", "housing")
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    applicant = await register(platform, clerk)
    url = f"/api/v1/applicants/{applicant['id']}/facts"
    await platform.client.put(url, headers=education, json={"facts": {"education": "bachelor"}})
    await platform.client.put(url, headers=housing, json={"facts": {"housing": EXAMPLE["housing"]}})
    await platform.client.put(url, headers=education, json={"facts": {"education": "master"}})
    everything = (await platform.client.get(url, headers=admin)).json()
    assert everything["revision"] == 3
    assert everything["facts"] == {"education": "master", "housing": EXAMPLE["housing"]}
    assert (await platform.client.get(url, headers=education)).json()["facts"] == {"education": "master"}
    first = (await platform.client.get(url, headers=admin, params={"revision": 1})).json()
    assert first["facts"] == {"education": "bachelor"} and first["recorded_by"] == "xs_edu"
    cleared = await platform.client.put(url, headers=education, json={"facts": {"education": None}})
    assert cleared.json()["facts"] == {}
    assert (await platform.client.get(url, headers=admin)).json()["facts"] == {"housing": EXAMPLE["housing"]}


async def test_concurrent_recordings_each_get_their_own_revision(platform):
    """Concurrency: reviewers recording at once lose nothing — one revision each, all facts merged."""
    clerk = await platform.account("xs_clerk", "window_clerk", "xiangshan")
    applicant = await register(platform, clerk)
    by_department = {"education": {"education": "bachelor"}, "housing": {"housing": EXAMPLE["housing"]},
                     "health": {"blood_donations": 3}, "civil_affairs": {"donations": EXAMPLE["donations"]},
                     "migrant_office": {"spring_festival_stay": True}}
    reviewers = {d: await platform.account(f"xs_{d}", "department_reviewer", "xiangshan", d) for d in by_department}
    url = f"/api/v1/applicants/{applicant['id']}/facts"
    responses = await asyncio.gather(*(
        platform.client.put(url, headers=reviewers[d], json={"facts": f}) for d, f in by_department.items()))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    revisions = await ApplicantFacts.select(ApplicantFacts.revision).where(
        ApplicantFacts.applicant == applicant["id"]).order_by(ApplicantFacts.revision).run()
    assert [r["revision"] for r in revisions] == [1, 2, 3, 4, 5]
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    merged = (await platform.client.get(url, headers=admin)).json()["facts"]
    assert merged == {k: v for facts in by_department.values() for k, v in facts.items()}
    assert await RecognisedScore.count().where(RecognisedScore.applicant == applicant["id"]).run() == 1


async def test_an_applicant_sees_their_own_record_and_score_only(platform):
    """ISSUE: an applicant sees only their own records."""
    clerk = await platform.account("xs_clerk", "window_clerk", "xiangshan")
    mine = await platform.account("li_ming", "applicant", "xiangshan")
    await platform.account("wang_fang", "applicant", "xiangshan")
    me = await register(platform, clerk, sequence=1, account="li_ming")
    other = await register(platform, clerk, sequence=2, account="wang_fang")
    await record_example_facts(platform, me["id"])
    own = await platform.client.get(f"/api/v1/applicants/{me['id']}", headers=mine)
    assert own.status_code == 200 and own.json()["account"] == "li_ming"
    score = await platform.client.get(f"/api/v1/applicants/{me['id']}/score", headers=mine,
                                      params={"as_of": AS_OF, "at": "hangzhou"})
    assert score.status_code == 200 and score.json()["result"]["total"] == 128.5
    reasons = [i["reason"] for t in score.json()["result"]["tiers"] for i in t["indicators"]]
    assert "bachelor: 10" in reasons  # the explained path
    facts = await platform.client.get(f"/api/v1/applicants/{me['id']}/facts", headers=mine)
    assert facts.json()["facts"] == EXAMPLE
    assert (await platform.client.get(f"/api/v1/applicants/{me['id']}/permit", headers=mine)).status_code == 200
    for path in ("", "/score", "/facts", "/permit"):
        response = await platform.client.get(f"/api/v1/applicants/{other['id']}{path}", headers=mine)
        assert response.status_code == 403, path
    own_move = await platform.client.post(f"/api/v1/applicants/{me['id']}/permit/suspend", headers=mine, json={})
    assert own_move.status_code == 403
    write = await platform.client.put(f"/api/v1/applicants/{me['id']}/facts", headers=mine,
                                      json={"facts": {"education": "phd_or_more"}})
    assert write.status_code == 403
    taken = await platform.client.post("/api/v1/tenants/xiangshan/applicants", headers=clerk, json={
        "name": "x", "identity_number": identity_number(3), "permit_number": "P3", "issued_on": "2024-01-15",
        "account": "li_ming"})
    assert taken.status_code == 409 and taken.json()["errors"][0]["pointer"] == "/account"


async def test_every_change_leaves_an_audit_entry(platform):
    """ISSUE Audit: every change to a fact or a permit is appended to the audit log."""
    office = await platform.account("xs_office", "migrant_office_district", "xiangshan")
    ningbo = await platform.account("nb_office", "migrant_office_district", "ningbo")
    education = await platform.account("nb_edu", "department_reviewer", "ningbo", "education")
    applicant = await register(platform, office)
    url = f"/api/v1/applicants/{applicant['id']}"
    await platform.client.post(f"{url}/permit/move", headers=ningbo,
                               json={"to_tenant": "ningbo", "permit_number": applicant["permit"]["number"]})
    await platform.client.put(f"{url}/facts", headers=education, json={"facts": {"education": "bachelor"}})
    for action in ("suspend", "restore", "terminate"):
        body = {"ground": "died"} if action == "terminate" else {}
        assert (await platform.client.post(f"{url}/permit/{action}", headers=ningbo, json=body)).status_code == 200
    entries = await AuditEntry.select(AuditEntry.action, AuditEntry.actor, AuditEntry.tenant).where(
        AuditEntry.subject == f"applicant/{applicant['id']}").order_by(AuditEntry.id).run()
    assert [(e["action"], e["actor"], e["tenant"]) for e in entries] == [
        ("applicant.registered", "xs_office", "xiangshan"),
        ("permit.moved", "nb_office", "ningbo"),
        ("facts.recorded", "nb_edu", "ningbo"),
        ("permit.suspended", "nb_office", "ningbo"),
        ("permit.restored", "nb_office", "ningbo"),
        ("permit.terminated", "nb_office", "ningbo"),
    ]
    assert await PermitEvent.count().run() == 5
    # refused changes leave nothing behind
    refused = await platform.client.post(f"{url}/permit/restore", headers=ningbo, json={})
    assert refused.status_code == 409
    assert await AuditEntry.count().where(AuditEntry.subject == f"applicant/{applicant['id']}").run() == 6


async def test_recompute_scores_upserts_one_row_per_applicant(platform):
    """ISSUE: publishing triggers recomputation of the affected applicants' recognised scores, in batch."""
    office = await platform.account("xs_office", "migrant_office_district", "xiangshan")
    hz_office = await platform.account("hz_office", "migrant_office_district", "hangzhou")
    first = await register(platform, office, "xiangshan", sequence=1)
    second = await register(platform, office, "xiangshan", sequence=2)
    third = await register(platform, hz_office, "hangzhou", sequence=3)
    await record_example_facts(platform, first["id"])
    progress = []
    as_of = dt.date(2026, 11, 28)
    assert await recompute_scores(platform.runtime, on_progress=lambda d, t: progress.append((d, t)),
                                  as_of=as_of) == 3
    assert progress[0] == (0, 3) and progress[-1] == (3, 3)
    assert await recompute_scores(platform.runtime, as_of=as_of) == 3  # again: still one row each
    rows = await RecognisedScore.select().order_by(RecognisedScore.applicant).run()
    assert [(r["applicant"], r["tenant"]) for r in rows] == [
        (first["id"], "xiangshan"), (second["id"], "xiangshan"), (third["id"], "hangzhou")]
    assert rows[0]["total"] == 114.5 and rows[0]["as_of"] == as_of and not rows[0]["vetoed"]
    assert json.loads(rows[0]["result"])["total"] == 114.5
    assert rows[0]["policy"] == "zhejiang@2022-01-01,ningbo@2022-01-01,xiangshan@2022-06-17"
    assert await recompute_scores(platform.runtime, tenants=["hangzhou"], as_of=as_of) == 1
    assert await recompute_scores(platform.runtime, applicant_ids=[second["id"]], as_of=as_of) == 1
    assert await recompute_scores(platform.runtime, tenants=[], as_of=as_of) == 0
    assert await RecognisedScore.count().run() == 3


async def test_bad_input_is_a_problem_detail_never_a_500(platform):
    """ISSUE: bad input → 4xx with problem details, never a 500."""
    office = await platform.account("xs_office", "migrant_office_district", "xiangshan")
    applicant = await register(platform, office)
    url = f"/api/v1/applicants/{applicant['id']}"
    body = {"name": "x", "identity_number": identity_number(9), "permit_number": "P9", "issued_on": "2024-01-15"}
    cases = [
        (platform.client.post("/api/v1/tenants/xiangshan/applicants", headers=office,
                              json={**body, "name": "a\x00b"}), 422, "/name"),
        (platform.client.post("/api/v1/tenants/xiangshan/applicants", headers=office,
                              json={**body, "issued_on": "2999-01-01"}), 422, "/issued_on"),
        (platform.client.post("/api/v1/tenants/xiangshan/applicants", headers=office,
                              json={**body, "account": "nobody"}), 422, "/account"),
        (platform.client.post("/api/v1/tenants/xiangshan/applicants", headers=office,
                              json={**body, "permit_number": applicant["permit"]["number"]}), 409, "/permit_number"),
        (platform.client.post(f"{url}/permit/suspend", headers=office, json={"reason": "\x00"}), 422, "/reason"),
        (platform.client.get(f"{url}/score", headers=office, params={"at": "mars"}), 422, "/at"),
        (platform.client.get("/api/v1/applicants/99999999999", headers=office), 400, "/applicant_id"),
    ]
    for request, status, pointer in cases:
        response = await request
        assert response.status_code == status, (pointer, response.text)
        assert response.json()["errors"][0]["pointer"] == pointer
    no_body = await platform.client.post(f"{url}/permit/suspend", headers=office)
    assert no_body.status_code == 200  # the reason is optional, and so is the body


def test_cli_recomputes_scores_with_progress(tmp_path, monkeypatch):
    """ISSUE: recomputation of recognised scores in batch, with progress shown in the CLI (SQLite)."""
    import asyncio

    from click.testing import CliRunner

    from tierpoints.cli import main
    from tierpoints.store.tables import ResidencePermit

    monkeypatch.setenv("TIERPOINTS_DATA", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    runner = CliRunner()
    for command in (["db", "migrate"], ["packs", "sync"]):
        assert runner.invoke(main, command, catch_exceptions=False).exit_code == 0

    async def add_applicants() -> None:  # the CLI left its SQLite file active
        now = dt.datetime.now(dt.UTC)
        for index, tenant in enumerate(["xiangshan", "ningbo", "hangzhou"]):
            applicant = Applicant(name=f"a{index}", name_masked="a*", identity_lookup=f"digest{index}", identity_masked="m",
                                  created_at=now)
            await applicant.save().run()
            await ResidencePermit(applicant=applicant.id, number=f"P{index}", tenant=tenant, status="valid",
                                  issued_on=dt.date(2024, 1, 1), updated_at=now).save().run()

    asyncio.run(add_applicants())
    result = runner.invoke(main, ["scores", "recompute", "--tenant", "ningbo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "recomputing" in result.output and "recomputed 2 recognised score(s)" in result.output
    everyone = runner.invoke(main, ["scores", "recompute", "--as-of", "2026-11-28"], catch_exceptions=False)
    assert "recomputed 3 recognised score(s)" in everyone.output
    assert asyncio.run(RecognisedScore.count().run()) == 3
    unknown = runner.invoke(main, ["scores", "recompute", "--tenant", "mars"])
    assert unknown.exit_code == 2 and "mars" in unknown.output


async def test_the_public_learns_nothing_about_which_applicants_exist(platform):
    """Issue #3: the public sees nothing personal — not even whether an applicant id exists."""
    office = await platform.account("xs_office", "migrant_office_district", "xiangshan")
    applicant = await register(platform, office)
    for applicant_id in (applicant["id"], applicant["id"] + 1000):
        for path in ("", "/permit", "/facts", "/score"):
            response = await platform.client.get(f"/api/v1/applicants/{applicant_id}{path}")
            assert response.status_code == 401, (applicant_id, path)
