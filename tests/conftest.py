"""Shared fixtures: the real packs, one engine over them, and editable copies of the packs."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tierpoints import paths
from tierpoints.engine import Engine
from tierpoints.packs import PolicyCatalog, load_catalog

TENANTS = paths.tenants_dir()
AS_OF = dt.date(2026, 11, 28)  # the as-of date of the worked examples


@pytest.fixture(scope="session")
def catalog() -> PolicyCatalog:
    """The real packs in tenants/, loaded once."""
    return load_catalog()


@pytest.fixture(scope="session")
def engine(catalog: PolicyCatalog) -> Engine:
    return Engine(catalog)


@pytest.fixture(scope="session")
def as_of() -> dt.date:
    return AS_OF


@dataclass
class PackTree:
    """A copy of tenants/ a test may edit; `load()` reads it like the real packs."""

    root: Path

    def path(self, relative: str) -> Path:
        return self.root / relative

    def read(self, relative: str) -> str:
        return self.path(relative).read_text(encoding="utf-8")

    def write(self, relative: str, text: str) -> Path:
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def edit(self, relative: str, old: str, new: str) -> None:
        """Replace text that must occur exactly once (so a test never edits the wrong spot)."""
        text = self.read(relative)
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}"
        self.write(relative, text.replace(old, new))

    def remove(self, relative: str) -> None:
        target = self.path(relative)
        shutil.rmtree(target) if target.is_dir() else target.unlink()

    def load(self) -> PolicyCatalog:
        return load_catalog([self.root])

    def engine(self) -> Engine:
        return Engine(self.load())


@pytest.fixture
def make_pack_tree(tmp_path: Path):
    """make_pack_tree(*tenants) copies tenants/ (or only the named packs) into tmp_path."""

    def make(*tenants: str, name: str = "tenants") -> PackTree:
        root = tmp_path / name
        root.mkdir()
        for pack in sorted(TENANTS.iterdir()):
            if (pack / "tenant.yaml").exists() and (not tenants or pack.name in tenants):
                shutil.copytree(pack, root / pack.name)
        return PackTree(root)

    return make


# --- databases: every storage test runs against SQLite and against PostgreSQL -------------

import asyncio
import os
import uuid

from tierpoints.store import db as store_db
from tierpoints.store.tables import ALL_TABLES

POSTGRES_URL = os.environ.get(
    "TIERPOINTS_TEST_POSTGRES", "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
async def sqlite_engine(tmp_path_factory):
    engine = store_db.activate(store_db.engine_for(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"))
    await store_db.migrate()
    return engine


@pytest.fixture(scope="session")
async def postgres_engine():
    import asyncpg

    try:
        admin = await asyncio.wait_for(asyncpg.connect(POSTGRES_URL), timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL is not reachable at {POSTGRES_URL}: {error}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must provide it: .ci/run starts one)")
        pytest.skip(message + " (set TIERPOINTS_TEST_POSTGRES or run .ci/run)")
    name = f"tierpoints_test_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    engine = store_db.engine_for(POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}")
    store_db.activate(engine)
    await engine.start_connection_pool(min_size=1, max_size=10)
    await store_db.migrate()
    yield engine
    await engine.close_connection_pool()
    await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
async def database(database_engine):
    """An empty, migrated database of each kind, active for the test."""
    store_db.activate(database_engine)
    for table in reversed(ALL_TABLES):
        await table.delete(force=True).run()
    return database_engine


# --- the platform over a database: synced packs, a runtime, an async HTTP client ----------

import httpx

from tierpoints.accounts import credentials
from tierpoints.accounts import service as account_service
from tierpoints.app import create_app
from tierpoints.packs.sources import folder_packs
from tierpoints.runtime import Runtime, build_runtime
from tierpoints.settings import Settings
from tierpoints.store.policy import sync_packs

credentials.use_test_hashing()  # argon2id still, with small costs: tests create many accounts
TEST_PASSWORD = "correct horse battery staple"


@dataclass
class Platform:
    """A running platform for HTTP tests: `client` speaks to it, `login` makes accounts."""

    runtime: Runtime
    client: httpx.AsyncClient

    async def account(self, username: str, role: str, tenant: str, department: str | None = None) -> dict:
        """Create an account holding one role; returns the Authorization header for it."""
        await account_service.create_account(
            self.runtime.catalog, username, TEST_PASSWORD, role, tenant, department, actor="test")
        return await self.login(username)  # the next authenticated request loads the grant

    async def login(self, username: str, password: str = TEST_PASSWORD) -> dict:
        response = await self.client.post("/api/v1/auth/token",
                                          json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def platform(database, catalog, tmp_path):
    """Packs synced into an empty database of each kind, and the app over them."""
    await sync_packs(catalog, folder_packs(TENANTS), actor="test")
    settings = Settings(data_dir=tmp_path, database_url="(test)", production=False,
                        secret="test-secret-" + uuid.uuid4().hex)
    runtime = await build_runtime(settings)
    # httpx's ASGI transport runs the app in this event loop, where the database pool lives.
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Platform(runtime, client)
