"""The HTTP API (issue #2 §4): same JSON as the CLI, problem details for bad input, never a 500."""

from __future__ import annotations

import msgspec
import pytest
from litestar.testing import TestClient

from tierpoints.app import create_app
from tierpoints.authz import Authorizer
from tierpoints.runtime import Runtime
from tierpoints.settings import Settings

WORKED_EXAMPLE_1 = {
    "birth_date": "1996-03-01", "education": "bachelor", "qualifications": ["skill_level_3"],
    "social_insurance": [{"start": "2022-01-01", "end": "2025-12-31", "province": "zhejiang",
                          "city": "ningbo", "pension": True}],
    "residence": [{"start": "2023-06-01", "end": None, "tenant": "xiangshan"}],
}


@pytest.fixture(scope="module")
def client(engine, catalog, tmp_path_factory):
    """The public simulation endpoints need no database: a runtime over the pack catalog."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), database_url="sqlite:///unused",
                        production=False, secret="test-secret")
    runtime = Runtime(settings, catalog, engine, Authorizer(catalog, []))
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


def test_tenants_list_tiers_and_recognition(client):
    response = client.get("/api/v1/tenants")
    assert response.status_code == 200
    tenants = {t["id"]: t for t in response.json()}
    assert tenants["xiangshan"]["recognises"] == ["zhejiang", "ningbo", "xiangshan"]
    assert tenants["hangzhou"]["parent"] == "zhejiang"
    assert tenants["zhejiang"]["cap"] == 100


def test_indicators_as_of_returns_the_chain_with_sources(client):
    response = client.get("/api/v1/tenants/xiangshan/indicators", params={"as_of": "2026-11-28"})
    assert response.status_code == 200
    tiers = response.json()
    assert [t["tenant"] for t in tiers] == ["zhejiang", "ningbo", "xiangshan"]
    age = tiers[0]["indicators"][0]
    assert age["id"] == "age" and age["rule"]["kind"] == "bands"
    assert age["source"]["document"]


def test_simulate_matches_the_engine_and_the_worked_example(client, engine, as_of):
    response = client.post("/api/v1/tenants/xiangshan/simulate", params={"as_of": "2026-11-28"},
                           json=WORKED_EXAMPLE_1)
    assert response.status_code == 200
    body = response.json()
    assert body["tiers"][0]["points"] == 72.5
    assert body == msgspec.to_builtins(engine.score(WORKED_EXAMPLE_1, "xiangshan", as_of))


@pytest.mark.parametrize(
    ("body", "status", "pointer"),
    [
        (b'{"birth_date": 19960301}', 422, "/birth_date"),
        (b'{"education": "phd"}', 422, "/education"),
        (b'{"residence": [{"start": "2024-01-01", "end": "2023-01-01", "tenant": "ningbo"}]}', 422,
         "/residence/0/end"),
        (b'{"favourite_colour": "red"}', 422, "/favourite_colour"),
        (b'{"birth_date": ', 400, None),
        (b"[]", 422, ""),
    ],
)
def test_bad_facts_are_problem_details_naming_the_field(client, body, status, pointer):
    response = client.post("/api/v1/tenants/ningbo/simulate", content=body)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["detail"]
    if pointer is not None:
        assert problem["errors"][0]["pointer"] == pointer


def test_unknown_tenant_is_404_and_bad_dates_are_4xx(client):
    assert client.post("/api/v1/tenants/wenzhou/simulate", json={}).status_code == 404
    response = client.get("/api/v1/tenants/ningbo/indicators", params={"as_of": "2026-13-01"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/as_of"
    response = client.get("/api/v1/tenants/ningbo/indicators", params={"as_of": "2020-01-01"})
    assert response.status_code == 422
    assert "first takes effect 2022-01-01" in response.json()["detail"]


def test_openapi_is_served(client):
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/tenants/{tenant_id}/simulate" in response.json()["paths"]
