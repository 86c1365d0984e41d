"""Determined points over time (issue 4, parts 5-7), over HTTP on SQLite and PostgreSQL:
adjustment of unused points (Hangzhou rules §18), validity on a date (§21) and minors using a
parent's or guardian's points (§2), as a tenant recognises them."""

from __future__ import annotations

import datetime as dt
import json

from test_applications import EXAMPLE, NO_DECLARATIONS, applicant, claims, decide_all, pin

from tierpoints.features.applicants.identity import check_digit
from tierpoints.features.points import validity
from tierpoints.store.tables import AuditEntry, Determination, Guardianship


async def determined(platform, office, applicant_id: int, own: dict, tenant: str, facts: dict) -> dict:
    """One application through the real roles: applied online, every item approved, determined."""
    body = {"claims": claims(facts), "declarations": NO_DECLARATIONS}
    response = await platform.client.post(f"/api/v1/applicants/{applicant_id}/applications", json=body, headers=own)
    assert response.status_code == 201, response.text
    await decide_all(platform, tenant, response.json())
    result = await platform.client.post(f"/api/v1/applications/{response.json()['id']}/determine", headers=office)
    assert result.status_code == 200, result.text
    return result.json()


async def points(platform, headers, applicant_id: int, **params) -> dict:
    response = await platform.client.get(f"/api/v1/applicants/{applicant_id}/points", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_adjustment_supersedes_unused_points_and_keeps_both(platform, monkeypatch):
    """Hangzhou rules §18: points not yet used may be re-applied for (adjusted); the new
    determination supersedes the old one, both kept; used points make the next one a new application."""
    pin(monkeypatch, "2026-03-02")
    office = await platform.account("mo_xs", "migrant_office_district", "xiangshan")
    applicant_id, own = await applicant(platform, office, "xiangshan", 21)
    first = await determined(platform, office, applicant_id, own, "xiangshan", {"education": "junior_college"})
    assert first["kind"] == "application" and first["determination"]["occasion"] == "determination"

    pin(monkeypatch, "2026-04-01")
    url = f"/api/v1/applicants/{applicant_id}/applications"
    body = {"claims": claims({"education": "bachelor"}), "declarations": NO_DECLARATIONS}
    adjustment = await platform.client.post(url, json=body, headers=own)
    assert adjustment.status_code == 201 and adjustment.json()["kind"] == "adjustment"
    await decide_all(platform, "xiangshan", adjustment.json())
    second = (await platform.client.post(f"/api/v1/applications/{adjustment.json()['id']}/determine",
                                         headers=office)).json()
    assert second["determination"]["occasion"] == "adjustment"
    assert second["determination"]["total"] == first["determination"]["total"] + 2  # bachelor 10 vs college 8

    rows = await Determination.select().order_by(Determination.id).run()
    assert [r["superseded_by"] for r in rows] == [rows[1]["id"], None]  # both kept, the old superseded
    now = await points(platform, office, applicant_id)
    assert (now["status"], now["determination"], now["total"]) == ("valid", rows[1]["id"], second["determination"]["total"]), now
    before = await points(platform, office, applicant_id, as_of="2026-03-15")  # what counted then
    assert (before["determination"], before["total"]) == (rows[0]["id"], first["determination"]["total"])

    # Points used for a service (issue 5's allocation marks them) are no longer valid; re-applying
    # is then a new application, not an adjustment.
    await Determination.update({Determination.used_on: dt.date(2026, 4, 20), Determination.used_for: "school 2026"}).where(
        Determination.id == rows[1]["id"]).run()
    pin(monkeypatch, "2026-05-06")
    used = await points(platform, office, applicant_id)
    assert used["status"] == validity.USED and used["total"] is None and "school 2026" in used["reason"]
    fresh = await platform.client.post(url, json=body, headers=own)
    assert fresh.status_code == 201 and fresh.json()["kind"] == "application"
    kinds = await AuditEntry.select(AuditEntry.detail).where(AuditEntry.action == "application.accepted").order_by(
        AuditEntry.id).run()
    assert [json.loads(k["detail"])["kind"] for k in kinds] == ["application", "adjustment", "application"]


async def test_validity_on_a_date_follows_the_permit(platform, monkeypatch):
    """Hangzhou rules §21: a suspended permit makes the points temporarily invalid (not counted) and
    they revive with it; void for good after three consecutive years suspended (detected as of a
    date) or when terminated on one of the grounds (1)-(4), e.g. death; a vetoed determination never
    counts. Past dates read the permit's history."""
    pin(monkeypatch, "2026-03-02")
    office = await platform.account("mo_xs", "migrant_office_district", "xiangshan")
    applicant_id, own = await applicant(platform, office, "xiangshan", 22)
    result = await determined(platform, office, applicant_id, own, "xiangshan", EXAMPLE)
    total = result["determination"]["total"]
    permit = f"/api/v1/applicants/{applicant_id}/permit"
    assert (await points(platform, own, applicant_id))["total"] == total  # the applicant sees their own

    assert (await platform.client.post(f"{permit}/suspend", headers=office, json={"reason": "left"})).status_code == 200
    suspended = await points(platform, office, applicant_id)
    assert suspended["status"] == "suspended" and suspended["total"] is None and "§21" in suspended["reason"]
    three_years = await points(platform, office, applicant_id, as_of="2029-03-02")
    assert three_years["status"] == "void" and "three consecutive years" in three_years["reason"]
    assert (await points(platform, office, applicant_id, as_of="2029-03-01"))["status"] == "suspended"
    assert (await platform.client.post(f"{permit}/restore", headers=office, json={})).status_code == 200
    assert (await points(platform, office, applicant_id))["total"] == total  # revived

    pin(monkeypatch, "2026-06-01")
    died = await platform.client.post(f"{permit}/terminate", headers=office, json={"ground": "died"})
    assert died.status_code == 200, died.text
    void = await points(platform, office, applicant_id)
    assert void["status"] == "void" and "the holder died" in void["reason"] and void["total"] is None
    # termination is recorded now (the real clock); a date before it still shows the points valid
    assert (await points(platform, office, applicant_id, as_of="2026-03-03"))["status"] == "valid"


async def test_recognition_of_determined_points_at_another_tenant(platform, monkeypatch):
    """DOMAIN "Tiers": Xiangshan's determined points seen by Ningbo keep the province's and Ningbo's
    tiers; seen by Hangzhou the province's travel and Hangzhou's own indicators apply to the same
    verified facts — Ningbo's and Xiangshan's stay behind."""
    pin(monkeypatch, "2026-03-02")
    office = await platform.account("mo_xs", "migrant_office_district", "xiangshan")
    applicant_id, own = await applicant(platform, office, "xiangshan", 23)
    result = await determined(platform, office, applicant_id, own, "xiangshan", EXAMPLE)
    tiers = {t["tenant"]: t["points"] for t in result["determination"]["result"]["tiers"]}
    at_ningbo = await points(platform, office, applicant_id, at="ningbo")
    at_hangzhou = await points(platform, office, applicant_id, at="hangzhou")
    assert at_ningbo["total"] == tiers["zhejiang"] + tiers["ningbo"]
    as_hangzhou = platform.runtime.engine.score({**EXAMPLE, "offences": []}, at="hangzhou", as_of=dt.date(2026, 3, 2))
    assert [t.tenant for t in as_hangzhou.tiers] == ["zhejiang", "hangzhou"]  # Ningbo's and Xiangshan's stay behind
    assert as_hangzhou.tiers[0].points == tiers["zhejiang"]
    assert at_hangzhou["total"] == as_hangzhou.total
    assert at_hangzhou["determined_total"] == result["determination"]["total"]
    unknown = await platform.client.get(f"/api/v1/applicants/{applicant_id}/points", headers=office,
                                        params={"at": "atlantis"})
    assert unknown.status_code == 422 and "/at" in unknown.text


def child_identity(sequence: int, born: str = "20150601") -> str:
    first17 = f"330225{born}{sequence:03d}"
    return first17 + check_digit(first17)


async def test_a_minor_uses_the_higher_valid_points_of_its_parents(platform, monkeypatch):
    """Hangzhou rules §2: a certificate holder under 16 enjoys services on the higher points of the
    father or mother (or other legal guardian) who holds a valid residence permit — as the tenant
    in question recognises them; at 16 the child's own points count."""
    pin(monkeypatch, "2026-03-02")
    office = await platform.account("mo_xs", "migrant_office_district", "xiangshan")
    father, father_login = await applicant(platform, office, "xiangshan", 24)
    mother, mother_login = await applicant(platform, office, "xiangshan", 25)
    lower = await determined(platform, office, father, father_login, "xiangshan", {"education": "senior_high"})
    higher = await determined(platform, office, mother, mother_login, "xiangshan", EXAMPLE)
    assert higher["determination"]["total"] > lower["determination"]["total"]
    child = await platform.client.post("/api/v1/tenants/xiangshan/applicants", headers=office, json={
        "name": "李小明", "identity_number": child_identity(1), "permit_number": "ZJ-xiangshan-child-1",
        "issued_on": "2025-09-01"})
    assert child.status_code == 201, child.text
    child_id = child.json()["id"]
    guardians = f"/api/v1/applicants/{child_id}/guardians"
    for parent, relationship in ((father, "father"), (mother, "mother")):
        added = await platform.client.post(guardians, headers=office, json={
            "guardian": parent, "relationship": relationship, "proof": "birth certificate"})
        assert added.status_code == 201, added.text

    seen = await points(platform, office, child_id)
    assert seen["minor"] is True and seen["status"] == "valid" and "§2" in seen["reason"]
    assert (seen["via_guardian"], seen["total"]) == (mother, higher["determination"]["total"])
    assert {g["guardian"]: g["status"] for g in seen["guardians"]} == {father: "valid", mother: "valid"}
    at_hangzhou = await points(platform, office, child_id, at="hangzhou")  # as Hangzhou recognises them
    parents_at_hangzhou = [(await points(platform, office, p, at="hangzhou"))["total"] for p in (father, mother)]
    assert at_hangzhou["total"] == max(parents_at_hangzhou)
    # a school-place round ranks the child, alone, on the mother's points (read from the ranking bases)
    county = await platform.account("xs_admin", "county_admin", "xiangshan")
    opened = await platform.client.post("/api/v1/tenants/xiangshan/rounds", headers=county, json={
        "service": "school_place", "quota": 5, "snapshot": "2026-03-02"})
    assert opened.status_code == 201, opened.text
    page = (await platform.client.get(f"/api/v1/rounds/{opened.json()['id']}/ranking", headers=county)).json()
    assert [(e["masked_name"], e["total"], e["on_parents_points"]) for e in page["entries"]] == [
        ("李**", higher["determination"]["total"], True)]

    # the mother's permit suspended: only the father's valid points count
    await platform.client.post(f"/api/v1/applicants/{mother}/permit/suspend", headers=office, json={})
    seen = await points(platform, office, child_id)
    assert (seen["via_guardian"], seen["total"]) == (father, lower["determination"]["total"])
    await platform.client.post(f"/api/v1/applicants/{father}/permit/suspend", headers=office, json={})
    none = await points(platform, office, child_id)
    assert none["status"] == "none" and none["total"] is None and "no parent or guardian" in none["reason"]
    # from the 16th birthday on, the child's own (here: none determined) points
    grown = await points(platform, office, child_id, as_of="2031-06-01")
    assert grown["minor"] is False and grown["status"] == "none" and grown["guardians"] == []


async def test_recording_guardians_is_checked_authorised_and_audited(platform, monkeypatch):
    """Hangzhou rules §2 names father, mother or other legal guardian: the relationship is one of
    those, proved, one father and one mother, an adult guardian, a minor child; recorded by the
    child's migrant office only (403 elsewhere), audited; refusals store nothing."""
    pin(monkeypatch, "2026-03-02")
    office = await platform.account("mo_xs", "migrant_office_district", "xiangshan")
    elsewhere = await platform.account("mo_hz", "migrant_office_district", "hangzhou")
    father, _ = await applicant(platform, office, "xiangshan", 26, with_account=False)
    uncle, _ = await applicant(platform, office, "xiangshan", 27, with_account=False)
    child = (await platform.client.post("/api/v1/tenants/xiangshan/applicants", headers=office, json={
        "name": "李小红", "identity_number": child_identity(2), "permit_number": "ZJ-xiangshan-child-2",
        "issued_on": "2025-09-01"})).json()["id"]
    sibling = (await platform.client.post("/api/v1/tenants/xiangshan/applicants", headers=office, json={
        "name": "李小华", "identity_number": child_identity(3, "20120101"), "permit_number": "ZJ-xiangshan-child-3",
        "issued_on": "2025-09-01"})).json()["id"]
    url = f"/api/v1/applicants/{child}/guardians"

    async def add(headers, **body):
        return await platform.client.post(url, headers=headers, json={"proof": "birth certificate", **body})

    bad = await add(office, guardian=father, relationship="neighbour")
    assert bad.status_code == 422 and "/relationship" in bad.text
    assert (await add(office, guardian=father, relationship="father", proof=" ")).status_code == 422
    assert (await add(office, guardian=child, relationship="guardian")).status_code == 422
    minor = await add(office, guardian=sibling, relationship="guardian")
    assert minor.status_code == 422 and "is a minor" in minor.text
    assert (await add(office, guardian=999_999, relationship="father")).status_code == 404
    assert (await add(elsewhere, guardian=father, relationship="father")).status_code == 403
    adult = await platform.client.post(f"/api/v1/applicants/{father}/guardians", headers=office,
                                       json={"guardian": uncle, "relationship": "guardian", "proof": "court order"})
    assert adult.status_code == 409 and "not a minor" in adult.text
    assert await Guardianship.count().run() == 0

    assert (await add(office, guardian=father, relationship="father")).status_code == 201
    second_father = await add(office, guardian=uncle, relationship="father")
    assert second_father.status_code == 409 and "father" in second_father.text
    assert (await add(office, guardian=father, relationship="guardian")).status_code == 409
    assert (await add(office, guardian=uncle, relationship="guardian", proof="court order")).status_code == 201
    listed = (await platform.client.get(url, headers=office)).json()
    assert [(g["guardian"], g["relationship"]) for g in listed] == [(father, "father"), (uncle, "guardian")]
    entries = await AuditEntry.select(AuditEntry.actor, AuditEntry.tenant).where(
        AuditEntry.action == "guardianship.recorded").run()
    assert entries == [{"actor": "mo_xs", "tenant": "xiangshan"}] * 2
