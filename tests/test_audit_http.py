"""The audit log over HTTP (issue #3 "Audit"): who changed what, visible down the tree only."""

from __future__ import annotations


async def test_a_city_reads_its_countys_audit_entries_and_a_sibling_city_does_not(platform):
    ningbo = await platform.account("nb_admin", "city_admin", "ningbo")
    hangzhou = await platform.account("hz_admin", "city_admin", "hangzhou")
    county = await platform.account("xs_admin", "county_admin", "xiangshan")
    created = await platform.client.post("/api/v1/tenants/xiangshan/accounts", headers=county, json={
        "username": "xs_clerk", "password": "a long enough password", "role": "window_clerk"})
    assert created.status_code == 201
    entries = (await platform.client.get("/api/v1/tenants/ningbo/audit", headers=ningbo)).json()
    clerk = [e for e in entries if e["subject"] == "account/xs_clerk"]
    assert clerk and clerk[0]["actor"] == "xs_admin" and clerk[0]["tenant"] == "xiangshan"
    assert clerk[0]["action"] == "account.created" and len(clerk[0]["hash"]) == 64
    assert (await platform.client.get("/api/v1/tenants/ningbo/audit", headers=hangzhou)).status_code == 403
    own = (await platform.client.get("/api/v1/tenants/xiangshan/audit", headers=county)).json()
    assert {e["tenant"] for e in own} == {"xiangshan"}
    page = (await platform.client.get("/api/v1/tenants/ningbo/audit", headers=ningbo,
                                      params={"after": entries[0]["id"], "limit": 1})).json()
    assert len(page) == 1 and page[0]["id"] > entries[0]["id"]
