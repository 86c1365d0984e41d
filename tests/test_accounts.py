"""Accounts over HTTP on both databases: login, tokens, creating accounts within one's tenant."""

from __future__ import annotations

from tierpoints.store.tables import AuditEntry


async def test_login_me_and_bad_password(platform):
    headers = await platform.account("zj_admin", "province_admin", "zhejiang")
    me = await platform.client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["roles"] == [{"role": "province_admin", "tenant": "zhejiang", "department": None}]
    wrong = await platform.client.post("/api/v1/auth/token", json={"username": "zj_admin", "password": "nope nope nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    forged = await platform.client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.token"})
    assert forged.status_code == 401


async def test_county_admin_creates_accounts_in_its_county_only(platform):
    headers = await platform.account("xs_admin", "county_admin", "xiangshan")
    created = await platform.client.post(
        "/api/v1/tenants/xiangshan/accounts", headers=headers,
        json={"username": "xs_clerk", "password": "a long enough password", "role": "window_clerk"})
    assert created.status_code == 201, created.text
    elsewhere = await platform.client.post(
        "/api/v1/tenants/ningbo/accounts", headers=headers,
        json={"username": "nb_clerk", "password": "a long enough password", "role": "window_clerk"})
    assert elsewhere.status_code == 403
    assert await AuditEntry.count().where(AuditEntry.action == "account.created").run() == 2  # xs_admin + xs_clerk


async def test_account_requests_that_cannot_be_honoured_are_4xx(platform):
    headers = await platform.account("nb_admin", "city_admin", "ningbo")
    cases = [
        ({"username": "x1", "password": "short", "role": "window_clerk"}, 422, "/password"),
        ({"username": "x2", "password": "a long enough password", "role": "county_admin"}, 422, "/role"),
        ({"username": "x3", "password": "a long enough password", "role": "department_reviewer"}, 422, "/department"),
        ({"username": "nb_admin", "password": "a long enough password", "role": "window_clerk"}, 409, "/username"),
    ]
    for body, status, pointer in cases:
        response = await platform.client.post("/api/v1/tenants/ningbo/accounts", headers=headers, json=body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["errors"][0]["pointer"] == pointer
    unknown_field = await platform.client.post("/api/v1/tenants/ningbo/accounts", headers=headers,
                                               json={"username": "x4", "password": "p" * 12, "role": "window_clerk", "is_admin": True})
    assert unknown_field.status_code == 400


async def test_an_account_added_outside_the_server_works_at_once(platform):
    """README: `tierpoints accounts add` while the service runs — the new grant takes effect
    on the next request, without a restart (the CLI writes to the database, not the server)."""
    from tierpoints.accounts import service

    await service.create_account(platform.runtime.catalog, "cli_admin", "a long enough password",
                                 "province_admin", "zhejiang", None, actor="cli")
    headers = await platform.login("cli_admin", "a long enough password")
    listed = await platform.client.get("/api/v1/tenants/zhejiang/accounts", headers=headers)
    assert listed.status_code == 200
    assert [a["username"] for a in listed.json()] == ["cli_admin"]
