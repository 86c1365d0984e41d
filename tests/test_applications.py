"""The application workflow (issue 4), over HTTP on SQLite and PostgreSQL, as the real roles would
drive it: acceptance with a unique number (Hangzhou rules §13), items routed to departments with
working-day deadlines from the packs (§14 Hangzhou 15; Xiangshan notice 10), determination by the
district migrant office (§15), result look-up (§16), objections and reviews (§17), and the
unhappy paths. Dates are pinned in 2026 (the calendar package has no 2027 schedule)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import pytest

from tierpoints import clock
from tierpoints.features.applicants.identity import check_digit
from tierpoints.features.applications import states
from tierpoints.features.applications.errors import StateConflict
from tierpoints.packs.problems import PackError
from tierpoints.store.tables import (
    Application,
    ApplicationItem,
    AuditEntry,
    Determination,
    Notification,
    Objection,
)

EXAMPLE = json.loads((Path(__file__).resolve().parents[1] / "examples/applicant-xiangshan.json").read_text())
NO_DECLARATIONS = {"offences": []}  # the applicant states there is nothing to declare (§11)


class Recorder:
    """A notification sender that keeps what it was given (the default writes to the log)."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    async def send(self, recipient: str, message: str) -> None:
        self.sent.append((recipient, message))


def pin(monkeypatch, day: str) -> dt.date:
    """The platform's today (the services read clock.today())."""
    date = dt.date.fromisoformat(day)
    monkeypatch.setattr(clock, "today", lambda: date)
    return date


def identity_number(sequence: int) -> str:
    first17 = f"33022519960301{sequence:03d}"
    return first17 + check_digit(first17)


async def applicant(platform, office: dict, tenant: str, sequence: int, with_account: bool = True):
    """An applicant registered by the district office, with their own login; (id, headers)."""
    username = f"applicant_{tenant}_{sequence}"
    headers = await platform.account(username, "applicant", tenant) if with_account else None
    body = {"name": "李明", "identity_number": identity_number(sequence), "permit_number": f"ZJ-{tenant}-{sequence}",
            "issued_on": "2024-01-15"}
    if with_account:
        body["account"] = username
    response = await platform.client.post(f"/api/v1/tenants/{tenant}/applicants", headers=office, json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"], headers


def claims(facts: dict) -> list[dict]:
    return [{"fact": fact, "value": value, "evidence": [f"certificate of {fact}"]} for fact, value in facts.items()]


async def reviewers(platform, tenant: str, departments) -> dict[str, dict]:
    """One reviewer login per department and tenant, made the first time it is needed."""
    known = platform.__dict__.setdefault("reviewer_logins", {})
    for department in departments:
        if (tenant, department) not in known:
            known[tenant, department] = await platform.account(f"rev_{tenant}_{department}", "department_reviewer",
                                                               tenant, department)
    return {d: known[tenant, d] for d in departments}


async def decide_all(platform, tenant: str, application: dict, corrections: dict | None = None) -> None:
    """Each department's reviewer takes its queue and approves (with a correction where given)."""
    corrections = corrections or {}
    by_department = defaultdict(list)
    for item in application["items"]:
        by_department[item["department"]].append(item)
    heads = await reviewers(platform, tenant, by_department)
    for department, items in by_department.items():
        queue = await platform.client.get(f"/api/v1/tenants/{tenant}/review-queue",
                                          params={"department": department}, headers=heads[department])
        assert queue.status_code == 200, queue.text
        assert {i["id"] for i in queue.json()} == {i["id"] for i in items}  # only its department's
        for item in items:
            body = {"corrected": corrections[item["fact"]]} if item["fact"] in corrections else None
            response = await platform.client.post(f"/api/v1/application-items/{item['id']}/approve",
                                                  headers=heads[department], json=body)
            assert response.status_code == 200, response.text
            assert response.json()["status"] == "approved"


# --- the numbers come from the packs ------------------------------------------------------------

def test_workflow_numbers_are_declared_in_the_packs(catalog):
    """§14 Hangzhou 15 working days; Xiangshan notice 10; §16 20; §17 15 / 7 / 15; a tenant without
    its own number inherits the nearest ancestor's (Ningbo declares none: Zhejiang's)."""
    review = catalog.workflow_number("xiangshan", "department_review")
    assert (review.working_days, review.tenant) == (10, "xiangshan")
    assert "10 working days" in review.source.clause
    assert catalog.workflow_number("hangzhou", "department_review").working_days == 15
    assert catalog.workflow_number("ningbo", "department_review").tenant == "zhejiang"
    assert catalog.workflow_number("xiangshan", "result_lookup").working_days == 20
    assert catalog.workflow_number("hangzhou", "review_request_window").working_days == 7
    assert catalog.workflow_number("zhejiang", "objection_window").values == "illustrative"
    assert {n.working_days for n in (catalog.workflow_number("hangzhou", "objection_answer"),
                                     catalog.workflow_number("hangzhou", "review_answer"))} == {15}


def test_a_number_no_tenant_declares_is_a_pack_problem(make_pack_tree):
    tree = make_pack_tree()
    text = tree.read("zhejiang/workflow.yaml")
    tree.write("zhejiang/workflow.yaml", text[:text.index("  review_answer:")])
    with pytest.raises(PackError) as raised:
        tree.load()
    assert any("review_answer" in p.message for p in raised.value.problems)
    tree.edit("xiangshan/workflow.yaml", "working_days: 10", "working_days: ten")
    with pytest.raises(PackError) as raised:
        tree.load()
    assert any(p.pointer == "/numbers/department_review/working_days" for p in raised.value.problems)


def test_states_in_one_place():
    """Issue 4 "State machine": approving a rejected item, determining with items pending are refused."""
    assert states.item_transition("approve", "pending") == "approved"
    assert states.application_transition("determine", "accepted") == "determined"
    for call in (lambda: states.item_transition("approve", "rejected"),
                 lambda: states.application_transition("determine", "accepted", pending_items=2),
                 lambda: states.application_transition("request_review", "determined")):
        with pytest.raises(StateConflict) as raised:
            call()
        assert raised.value.state in str(raised.value)


# --- whole applications -------------------------------------------------------------------------

async def test_xiangshan_application_from_submission_to_determination(platform, monkeypatch):
    """Xiangshan notice: departments review within 10 working days (here across Mid-Autumn and the
    National Day week, with the make-up Saturday 10 October); §13 acceptance notice at once, one
    application per Idempotency-Key; §15 the district office determines as Xiangshan sees the facts;
    §16 the result can be looked up from 20 working days after acceptance."""
    sender = platform.runtime.sender = Recorder()
    pin(monkeypatch, "2026-09-24")
    office = await platform.account("mo_xiangshan", "migrant_office_district", "xiangshan")
    applicant_id, own = await applicant(platform, office, "xiangshan", 1)

    body = {"claims": claims(EXAMPLE), "declarations": NO_DECLARATIONS}
    url = f"/api/v1/applicants/{applicant_id}/applications"
    first = await platform.client.post(url, json=body, headers={**own, "Idempotency-Key": "retry-1"})
    assert first.status_code == 201, first.text
    again = await platform.client.post(url, json=body, headers={**own, "Idempotency-Key": "retry-1"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert await Application.count().run() == 1
    changed = await platform.client.post(url, json={**body, "claims": body["claims"][:1]},
                                         headers={**own, "Idempotency-Key": "retry-1"})
    assert changed.status_code == 409, changed.text

    application = first.json()
    assert application["acceptance_number"] == f"XIANGSHAN-20260924-{application['id']:06d}"
    assert application["channel"] == "online" and application["status"] == "accepted"
    assert application["lookup_from"] == "2026-10-29"  # 20 working days (§16, Zhejiang's default)
    departments = platform.runtime.catalog.fact_departments()
    assert len(application["items"]) == len(EXAMPLE) + 1  # and the declared offences (none)
    for item in application["items"]:
        assert item["department"] in departments[item["fact"]]
        assert item["due"] == "2026-10-15", item  # 10 working days after 24 September
        assert "10 working days" in item["due_rule"] and "Xiangshan" in item["due_rule"]

    # before the deadline nothing is overdue; after it, the office sees the late items
    overdue = await platform.client.get("/api/v1/tenants/xiangshan/overdue-items", headers=office)
    assert overdue.status_code == 200 and overdue.json() == []
    pin(monkeypatch, "2026-10-16")
    overdue = (await platform.client.get("/api/v1/tenants/xiangshan/overdue-items", headers=office)).json()
    assert sum(group["count"] for group in overdue) == len(application["items"])
    assert {g["department"] for g in overdue} == {i["department"] for i in application["items"]}

    await decide_all(platform, "xiangshan", application, corrections={"blood_donations": 2})
    determined = await platform.client.post(f"/api/v1/applications/{application['id']}/determine", headers=office)
    assert determined.status_code == 200, determined.text
    result = determined.json()
    assert result["status"] == "determined"
    expected = platform.runtime.engine.score({**EXAMPLE, "blood_donations": 2, "offences": []}, at="xiangshan",
                                             as_of=dt.date(2026, 10, 16))
    assert result["determination"]["total"] == expected.total
    assert [t["tenant"] for t in result["determination"]["result"]["tiers"]] == ["zhejiang", "ningbo", "xiangshan"]
    assert not result["determination"]["vetoed"]
    # §15: the applicant is notified through the outbox
    assert len(sender.sent) == 1 and sender.sent[0][0] == "account:applicant_xiangshan_1"
    assert "2026-10-29" in sender.sent[0][1]
    assert await Notification.count().where(Notification.status == "sent").run() == 1

    # §16: the applicant sees the result from the look-up day on
    mine = (await platform.client.get(f"/api/v1/applications/{application['id']}", headers=own)).json()
    assert mine["determination"] is None and mine["result_available"] is False
    pin(monkeypatch, "2026-10-29")
    mine = (await platform.client.get(f"/api/v1/applications/{application['id']}", headers=own)).json()
    assert mine["determination"]["total"] == expected.total
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id).run()]
    assert "application.accepted" in actions and "application.determined" in actions
    assert actions.count("application_item.approved") == len(application["items"])


async def test_hangzhou_application_with_objection_and_review(platform, monkeypatch):
    """Hangzhou rules §13 (an agent applies at the window with proof), §14 15 working days across
    Spring Festival with the make-up Saturdays 14 and 28 February, §15 determination, §17 objection
    answered by the district office with a correction (the points recomputed, the old determination
    kept), a review asked within 7 working days and answered by the city office."""
    pin(monkeypatch, "2026-02-10")
    office = await platform.account("mo_hangzhou", "migrant_office_district", "hangzhou")
    clerk = await platform.account("clerk_hangzhou", "window_clerk", "hangzhou")
    city = await platform.account("mo_city_hangzhou", "migrant_office_city", "hangzhou")
    applicant_id, own = await applicant(platform, office, "hangzhou", 2)
    facts = {"birth_date": "1990-05-01", "education": "junior_college",
             "residence": [{"start": "2020-01-01", "end": None, "tenant": "hangzhou"}]}
    body = {"claims": claims(facts), "declarations": NO_DECLARATIONS,
            "agent": {"name": "王芳", "relationship": "close_relative", "proof": "marriage certificate"}}
    response = await platform.client.post(f"/api/v1/applicants/{applicant_id}/applications", json=body,
                                          headers=clerk)
    assert response.status_code == 201, response.text
    application = response.json()
    assert application["channel"] == "window" and application["agent"]["relationship"] == "close_relative"
    assert {i["due"] for i in application["items"]} == {"2026-03-09"}  # 15 wd after 10 February
    assert all("§14" in i["due_rule"] for i in application["items"])
    assert application["lookup_from"] == "2026-03-16"

    await decide_all(platform, "hangzhou", application)
    pin(monkeypatch, "2026-03-10")
    first = (await platform.client.post(f"/api/v1/applications/{application['id']}/determine", headers=office)).json()
    assert first["status"] == "determined"

    pin(monkeypatch, "2026-03-12")
    objected = await platform.client.post(f"/api/v1/applications/{application['id']}/objections", headers=own,
                                          json={"grounds": "my degree is a bachelor's"})
    assert objected.status_code == 201, objected.text
    objection = objected.json()["objections"][0]
    assert objection["due"] == "2026-04-02" and "§17" in objection["due_rule"]  # 15 wd, Qingming off
    city_too_early = await platform.client.post(
        f"/api/v1/applications/{application['id']}/objections/{objection['id']}/answer", headers=city,
        json={"answer": "not ours"})
    assert city_too_early.status_code == 403  # the district office answers objections
    answered = await platform.client.post(
        f"/api/v1/applications/{application['id']}/objections/{objection['id']}/answer", headers=office,
        json={"answer": "verified with the education bureau", "corrections": {"education": "bachelor"}})
    assert answered.status_code == 200, answered.text
    corrected = answered.json()
    assert corrected["status"] == "objection_answered"
    assert corrected["determination"]["total"] > first["determination"]["total"]
    assert corrected["history"][0]["id"] == first["determination"]["id"]  # kept, superseded
    assert corrected["history"][0]["superseded_by"] == corrected["determination"]["id"]
    assert "application.corrected" in [r["action"] for r in await AuditEntry.select(AuditEntry.action).run()]

    pin(monkeypatch, "2026-03-20")  # within 7 working days of the answer (12 March → 23 March)
    review = await platform.client.post(f"/api/v1/applications/{application['id']}/objections", headers=own,
                                        json={"grounds": "still too low", "stage": "review"})
    assert review.status_code == 201, review.text
    review_id = review.json()["objections"][1]["id"]
    district = await platform.client.post(
        f"/api/v1/applications/{application['id']}/objections/{review_id}/answer", headers=office,
        json={"answer": "no"})
    assert district.status_code == 403  # the city office answers reviews
    final = await platform.client.post(
        f"/api/v1/applications/{application['id']}/objections/{review_id}/answer", headers=city,
        json={"answer": "the corrected points stand"})
    assert final.status_code == 200 and final.json()["status"] == "review_answered"
    assert await Determination.count().run() == 2


async def test_veto_makes_the_determination_vetoed(platform, monkeypatch):
    """Hangzhou rules §11: a declared one-vote veto circumstance (a criminal conviction), verified by
    public security, disqualifies whatever the points."""
    pin(monkeypatch, "2026-05-11")
    office = await platform.account("mo_hz", "migrant_office_district", "hangzhou")
    applicant_id, own = await applicant(platform, office, "hangzhou", 3)
    body = {"claims": claims({"education": "master"}),
            "declarations": {"offences": [{"kind": "criminal_conviction", "date": "2021-03-01"}]}}
    application = (await platform.client.post(f"/api/v1/applicants/{applicant_id}/applications", json=body,
                                              headers=own)).json()
    assert [i["declared"] for i in application["items"]] == [False, True]
    assert json.loads(json.dumps(application["declarations"])) == body["declarations"]
    await decide_all(platform, "hangzhou", application)
    result = (await platform.client.post(f"/api/v1/applications/{application['id']}/determine",
                                         headers=office)).json()
    assert result["determination"]["vetoed"] is True
    assert result["determination"]["result"]["vetoes"][0]["indicator"] == "criminal_record"


async def test_unhappy_paths(platform, monkeypatch):
    """§14 a reviewer decides only its department's items, only in its jurisdiction (403); §15
    determining with items pending is 409 naming the state, nothing changed; a decision is final
    (approving a rejected item 409); §12 a suspended permit cannot apply (409); §17 an objection
    after the window is refused naming the deadline; bad input is 422 naming the field."""
    pin(monkeypatch, "2026-06-01")
    office = await platform.account("mo_xs", "migrant_office_district", "xiangshan")
    applicant_id, own = await applicant(platform, office, "xiangshan", 4)
    url = f"/api/v1/applicants/{applicant_id}/applications"

    bad = await platform.client.post(url, headers=own, json={"claims": [{"fact": "education", "value": "phd"}],
                                                             "declarations": {}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/claims/0/value"
    bad = await platform.client.post(url, headers=own, json={"claims": [{"fact": "offences", "value": []}],
                                                             "declarations": {}})
    assert bad.status_code == 422 and "declarations" in bad.json()["detail"]
    stranger = await platform.account("applicant_other", "applicant", "xiangshan")
    assert (await platform.client.post(url, headers=stranger, json={"claims": [], "declarations": NO_DECLARATIONS})
            ).status_code == 403
    foreign_clerk = await platform.account("clerk_hz", "window_clerk", "hangzhou")
    assert (await platform.client.post(url, headers=foreign_clerk,
                                       json={"claims": [], "declarations": NO_DECLARATIONS})).status_code == 403

    body = {"claims": claims({"education": "bachelor", "birth_date": "1996-03-01"}), "declarations": NO_DECLARATIONS}
    application = (await platform.client.post(url, headers=own, json=body)).json()
    items = {i["fact"]: i for i in application["items"]}
    education = await platform.account("rev_xs_education", "department_reviewer", "xiangshan", "education")
    police = await platform.account("rev_xs_police", "department_reviewer", "xiangshan", "public_security")
    ningbo_police = await platform.account("rev_nb_police", "department_reviewer", "ningbo", "public_security")

    # wrong department, foreign jurisdiction
    wrong = await platform.client.post(f"/api/v1/application-items/{items['birth_date']['id']}/approve",
                                       headers=education)
    assert wrong.status_code == 403, wrong.text
    foreign = await platform.client.post(f"/api/v1/application-items/{items['birth_date']['id']}/approve",
                                         headers=ningbo_police)
    assert foreign.status_code == 403, foreign.text
    queue = await platform.client.get("/api/v1/tenants/xiangshan/review-queue",
                                      params={"department": "public_security"}, headers=ningbo_police)
    assert queue.status_code == 403
    queue = await platform.client.get("/api/v1/tenants/xiangshan/review-queue",
                                      params={"department": "public_security"}, headers=education)
    assert queue.status_code == 403
    assert (await platform.client.get("/api/v1/tenants/xiangshan/overdue-items",
                                      headers=ningbo_police)).status_code == 403
    assert (await platform.client.get("/api/v1/tenants/zhejiang/overdue-items",
                                      headers=police)).status_code == 403

    # determining with items pending
    entries = await AuditEntry.count().run()
    pending = await platform.client.post(f"/api/v1/applications/{application['id']}/determine", headers=office)
    assert pending.status_code == 409 and pending.json()["state"] == "accepted"
    assert "pending" in pending.json()["detail"]
    assert await Determination.count().run() == 0 and await AuditEntry.count().run() == entries

    # reject, then approving the rejected item is refused
    no_reason = await platform.client.post(f"/api/v1/application-items/{items['education']['id']}/reject",
                                           headers=education, json={"reason": " "})
    assert no_reason.status_code == 422
    rejected = await platform.client.post(f"/api/v1/application-items/{items['education']['id']}/reject",
                                          headers=education, json={"reason": "the certificate is not verifiable"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    again = await platform.client.post(f"/api/v1/application-items/{items['education']['id']}/approve",
                                       headers=education)
    assert again.status_code == 409 and again.json()["state"] == "rejected"
    assert (await ApplicationItem.select(ApplicationItem.status).where(
        ApplicationItem.id == items["education"]["id"]).first().run())["status"] == "rejected"

    for fact in ("birth_date", "offences"):  # the declared offences (none) are verified too
        assert (await platform.client.post(f"/api/v1/application-items/{items[fact]['id']}/approve",
                                           headers=police)).status_code == 200
    determined = await platform.client.post(f"/api/v1/applications/{application['id']}/determine", headers=office)
    assert determined.status_code == 200, determined.text

    # an objection after the (illustrative) 15-working-day window
    pin(monkeypatch, "2026-07-01")
    late = await platform.client.post(f"/api/v1/applications/{application['id']}/objections", headers=own,
                                      json={"grounds": "too late"})
    assert late.status_code == 409, late.text
    # 15 working days after 1 June, the Dragon Boat Festival (19 June) off
    assert late.json()["deadline"] == "2026-06-23" and "2026-06-23" in late.json()["detail"]
    assert await Objection.count().run() == 0
    # a review before any objection answer is a state conflict
    early = await platform.client.post(f"/api/v1/applications/{application['id']}/objections", headers=own,
                                       json={"grounds": "x", "stage": "review"})
    assert early.status_code == 409 and early.json()["state"] == "determined"

    # a suspended permit cannot apply
    suspended = await platform.client.post(f"/api/v1/applicants/{applicant_id}/permit/suspend", headers=office,
                                           json={"reason": "left the county"})
    assert suspended.status_code == 200, suspended.text
    count = await Application.count().run()
    refused = await platform.client.post(url, headers=own, json=body)
    assert refused.status_code == 409 and refused.json()["state"] == "suspended"
    assert await Application.count().run() == count


async def test_late_review_request_is_refused(platform, monkeypatch):
    """Hangzhou rules §17: a review may be asked within 7 working days of the objection's answer;
    applications after the deadline are not accepted (409 naming the deadline)."""
    pin(monkeypatch, "2026-04-01")
    office = await platform.account("mo_hz2", "migrant_office_district", "hangzhou")
    applicant_id, own = await applicant(platform, office, "hangzhou", 5)
    application = (await platform.client.post(f"/api/v1/applicants/{applicant_id}/applications", headers=own,
                                              json={"claims": claims({"education": "bachelor"}),
                                                    "declarations": NO_DECLARATIONS})).json()
    await decide_all(platform, "hangzhou", application)
    base = f"/api/v1/applications/{application['id']}"
    assert (await platform.client.post(f"{base}/determine", headers=office)).status_code == 200
    objection = (await platform.client.post(f"{base}/objections", headers=own, json={"grounds": "re-check"})).json()
    objection_id = objection["objections"][0]["id"]
    pin(monkeypatch, "2026-04-08")
    assert (await platform.client.post(f"{base}/objections/{objection_id}/answer", headers=office,
                                       json={"answer": "checked"})).status_code == 200
    pin(monkeypatch, "2026-04-20")  # the window closed on 17 April (7 working days after 8 April)
    late = await platform.client.post(f"{base}/objections", headers=own, json={"grounds": "x", "stage": "review"})
    assert late.status_code == 409, late.text
    assert late.json()["deadline"] == "2026-04-17" and "not accepted" in late.json()["detail"]
