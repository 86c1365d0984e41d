"""Several stateless instances on one PostgreSQL (issue 8): two real `tierpoints serve` processes;
a role revoked or a version published on one is honoured by the other within a second, told by
PostgreSQL itself (LISTEN/NOTIFY, store/notify.py), not by polling on every request."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from conftest import POSTGRES_URL

from tierpoints import clock
from tierpoints.features.applicants.identity import check_digit

PASSWORD = "a long enough password"
TODAY = "2026-11-30"  # the servers' and the test's "today": deadlines stay inside the published calendar


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Server processes inherit it (TIERPOINTS_TODAY); clock.today() here reads it too."""
    monkeypatch.setenv("TIERPOINTS_TODAY", TODAY)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def on_server(statements: list[str]) -> None:
    """Run statements (CREATE/DROP DATABASE) on the test PostgreSQL server; skip (fail in CI)
    when it is not reachable."""
    import asyncpg

    async def run() -> None:
        try:
            connection = await asyncio.wait_for(asyncpg.connect(POSTGRES_URL), timeout=5)
        except (TimeoutError, OSError, asyncpg.PostgresError) as error:
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL is not reachable: {error}")
            pytest.skip(f"PostgreSQL is not reachable: {error}")
        for statement in statements:
            await connection.execute(statement)
        await connection.close()

    asyncio.run(run())


@pytest.fixture
def cluster(tmp_path):
    """A fresh database, migrated and synced by the CLI, two accounts, two server processes."""
    name = f"tierpoints_instances_{uuid.uuid4().hex[:8]}"
    on_server([f'CREATE DATABASE "{name}"'])
    env = {**os.environ, "DATABASE_URL": POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}",
           "TIERPOINTS_DATA": str(tmp_path), "TIERPOINTS_SECRET": "instances-" + uuid.uuid4().hex}
    cli = [sys.executable, "-m", "tierpoints.cli"]
    for args in (["db", "migrate"], ["packs", "sync"]):
        subprocess.run(cli + args, env=env, check=True, capture_output=True)
    for username, role, tenant in (("zj_admin", "province_admin", "zhejiang"), ("xs_admin", "county_admin", "xiangshan")):
        subprocess.run(cli + ["accounts", "add", "--tenant", tenant, "--role", role, "--password-stdin", username],
                       env=env, input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    ports = [free_port(), free_port()]
    servers = [subprocess.Popen(cli + ["serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for port in ports]
    try:
        for port in ports:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health").json()["listening"]:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "an instance did not come up"
                time.sleep(0.1)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        on_server([f'DROP DATABASE "{name}" WITH (FORCE)'])


def login(base: str, username: str) -> dict[str, str]:
    token = httpx.post(f"{base}/api/v1/auth/token", json={"username": username, "password": PASSWORD}).json()
    return {"authorization": f"Bearer {token['access_token']}"}


def until(check, seconds: float = 1.0) -> float:
    """Seconds until `check()` holds (fails after `seconds`)."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        time.sleep(0.02)
    return time.monotonic() - started


def test_a_revoked_role_is_refused_on_the_other_instance_within_a_second(cluster):
    first, second = cluster
    county = login(second, "xs_admin")
    accounts = f"{second}/api/v1/tenants/xiangshan/accounts"
    assert httpx.get(accounts, headers=county).status_code == 200
    assert httpx.get(f"{second}/health").json() == {"status": "ok", "database": "ok", "tenants": 4,
                                                    "listening": True}
    revoked = httpx.delete(f"{first}/api/v1/tenants/xiangshan/accounts/xs_admin/roles/county_admin",
                           headers=login(first, "zj_admin"))
    assert revoked.status_code == 204, revoked.text
    until(lambda: httpx.get(accounts, headers=county).status_code == 403)


def test_a_version_published_on_one_instance_is_in_force_on_the_other_within_a_second(cluster):
    first, second = cluster
    admin = login(first, "xs_admin")
    sets = f"{first}/api/v1/tenants/xiangshan/indicator-sets"
    draft = httpx.post(f"{sets}/drafts", headers=admin, json={}).json()
    effective = (clock.today() + dt.timedelta(days=1)).isoformat()  # the platform's (China's) tomorrow
    published = httpx.post(f"{sets}/drafts/{draft['id']}/publish", headers=admin, json={"effective_from": effective})
    assert published.status_code == 200, published.text
    until(lambda: effective in httpx.get(f"{second}/api/v1/tenants").text)


def test_public_pages_read_from_the_replica(tmp_path):
    """Issue 8: a read replica for public pages (DATABASE_REPLICA_URL). The "replica" here is a
    second database that has not caught up: a round published on the primary is not public yet,
    while its tenant's admin (reading the primary) sees it."""
    names = [f"tierpoints_primary_{uuid.uuid4().hex[:8]}", f"tierpoints_replica_{uuid.uuid4().hex[:8]}"]
    on_server([f'CREATE DATABASE "{name}"' for name in names])
    primary, replica = (POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}" for name in names)
    base = {**os.environ, "TIERPOINTS_DATA": str(tmp_path), "TIERPOINTS_SECRET": "replica-" + uuid.uuid4().hex}
    cli = [sys.executable, "-m", "tierpoints.cli"]
    port = free_port()
    server = None
    try:
        for url in (primary, replica):
            for args in (["db", "migrate"], ["packs", "sync"]):
                subprocess.run(cli + args, env={**base, "DATABASE_URL": url}, check=True, capture_output=True)
        env = {**base, "DATABASE_URL": primary}
        subprocess.run(cli + ["accounts", "add", "--tenant", "xiangshan", "--role", "county_admin", "--password-stdin",
                              "xs_admin"], env=env, input=PASSWORD + "\n", text=True, check=True, capture_output=True)
        for args in (["open", "--tenant", "xiangshan", "--service", "rent_subsidy", "--quota", "1", "--snapshot",
                      clock.today().isoformat(), "--as", "xs_admin"], ["publish", "1", "--as", "xs_admin"]):
            subprocess.run(cli + ["rounds", *args], env=env, check=True, capture_output=True)
        server = subprocess.Popen(cli + ["serve", "--port", str(port)], env={**env, "DATABASE_REPLICA_URL": replica},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/health")
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert httpx.get(f"{url}/api/v1/rounds/1").status_code == 404  # the replica has not caught up
        assert httpx.get(f"{url}/api/v1/tenants/xiangshan/rounds").json() == []
        inside = httpx.get(f"{url}/api/v1/rounds/1", headers=login(url, "xs_admin"))
        assert inside.status_code == 200 and inside.json()["status"] == "publicity"  # the primary
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        on_server([f'DROP DATABASE "{name}" WITH (FORCE)' for name in names])


def test_fifty_concurrent_clients_on_two_instances_lose_and_duplicate_nothing(cluster):
    """Issue 8: 50 concurrent clients across two instances — the same application sent to both
    with one Idempotency-Key is one application (Hangzhou rules §13: one acceptance number);
    an item approved on both at once is decided once (the other: 409); an application determined
    on both at once has one determination (§15); two drafts published for the same date at once:
    one version (the other: 409)."""
    first, second = cluster
    admin = login(first, "xs_admin")
    for username, role, department in (("clerk", "window_clerk", None), ("office", "migrant_office_district", None),
                                       ("education", "department_reviewer", "education")):
        created = httpx.post(f"{first}/api/v1/tenants/xiangshan/accounts", headers=admin, json={
            "username": username, "password": PASSWORD, "role": role, "department": department})
        assert created.status_code == 201, created.text
    clerk, office, reviewer = (login(first, name) for name in ("clerk", "office", "education"))
    people = []
    for n in range(25):
        first17 = f"33022519900101{n:03d}"
        response = httpx.post(f"{first}/api/v1/tenants/xiangshan/applicants", headers=office, json={
            "name": "李明", "identity_number": first17 + check_digit(first17), "permit_number": f"C-{n}",
            "issued_on": "2024-01-15"})
        assert response.status_code == 201, response.text
        people.append(response.json()["id"])

    async def both(method: str, paths: list[str], headers: dict, json=None, extra=None) -> list[list[httpx.Response]]:
        """Every path sent to both instances at once: 2 × len(paths) concurrent clients."""
        async with httpx.AsyncClient(timeout=30) as client:
            calls = [client.request(method, base + path, headers={**headers, **(extra(i) if extra else {})}, json=json)
                     for i, path in enumerate(paths) for base in (first, second)]
            responses = await asyncio.gather(*calls)
        return [responses[i:i + 2] for i in range(0, len(responses), 2)]

    body = {"claims": [{"fact": "education", "value": "bachelor", "evidence": ["degree certificate"]}],
            "declarations": {}}
    applied = asyncio.run(both("POST", [f"/api/v1/applicants/{p}/applications" for p in people], clerk, body,
                               extra=lambda i: {"Idempotency-Key": f"window-{i}"}))
    for pair in applied:
        assert sorted(r.status_code for r in pair) == [200, 201], [r.text for r in pair]
        assert pair[0].json()["id"] == pair[1].json()["id"]
    for person in people:
        listed = httpx.get(f"{second}/api/v1/applicants/{person}/applications", headers=office).json()
        assert len(listed) == 1
    items = [pair[0].json()["items"][0]["id"] for pair in applied]
    decided = asyncio.run(both("POST", [f"/api/v1/application-items/{i}/approve" for i in items], reviewer))
    assert all(sorted(r.status_code for r in pair) == [200, 409] for pair in decided)
    applications = [pair[0].json()["id"] for pair in applied]
    determined = asyncio.run(both("POST", [f"/api/v1/applications/{a}/determine" for a in applications], office))
    assert all(sorted(r.status_code for r in pair) == [200, 409] for pair in determined)
    for application in applications:
        view = httpx.get(f"{first}/api/v1/applications/{application}", headers=office).json()
        assert view["status"] == "determined" and view["determination"] is not None and view["history"] == []

    sets = "/api/v1/tenants/xiangshan/indicator-sets/drafts"
    drafts = [httpx.post(base + sets, headers=admin, json={}).json()["id"] for base in (first, second)]
    effective = (clock.today() + dt.timedelta(days=2)).isoformat()

    async def publish_both() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as client:
            return await asyncio.gather(*[client.post(f"{base}{sets}/{draft}/publish", headers=admin,
                                                      json={"effective_from": effective})
                                          for base, draft in zip((first, second), drafts, strict=True)])

    assert sorted(r.status_code for r in asyncio.run(publish_both())) == [200, 409]
