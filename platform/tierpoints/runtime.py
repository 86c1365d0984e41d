"""The running platform's state: settings, the published policy, the scoring engine and
the authorizer, built from the database at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from tierpoints.accounts.service import all_grants
from tierpoints.authz import Authorizer
from tierpoints.engine import Engine
from tierpoints.packs.catalog import PolicyCatalog
from tierpoints.settings import Settings
from tierpoints.store import db
from tierpoints.store.policy import has_tenants, load_policy_catalog


class NotReady(RuntimeError):
    """The database is not ready to serve; the message says what to run."""


@dataclass
class Runtime:
    settings: Settings
    catalog: PolicyCatalog
    engine: Engine
    authorizer: Authorizer
    # sends the notification outbox (features/applications/notifications.py); None: the log
    sender: Any = None

    def use_catalog(self, catalog: PolicyCatalog) -> None:
        """Swap in newly published policy (grants stay; the decision cache is cleared)."""
        self.catalog = catalog
        self.engine = Engine(catalog)
        self.authorizer.catalog = catalog
        self.authorizer.tree = catalog.tree
        self.authorizer.clear_cache()


async def build_runtime(settings: Settings) -> Runtime:
    """From an active, migrated and seeded database."""
    pending = await db.pending_migrations()
    if pending:
        raise NotReady(
            f"the database ({_where(settings)}) has {len(pending)} migration(s) not applied: "
            "run `tierpoints db migrate` first"
        )
    if not await has_tenants():
        raise NotReady(f"the database ({_where(settings)}) holds no policy: run `tierpoints packs sync` first")
    catalog = await load_policy_catalog()
    return Runtime(settings, catalog, Engine(catalog), Authorizer(catalog, await all_grants()))


def _where(settings: Settings) -> str:
    url = settings.database_url
    return url.split("@")[-1] if "@" in url else url


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[None]:
    """Activate the configured database for the duration (a pool on PostgreSQL)."""
    engine = db.activate(db.engine_for(settings.database_url))
    if db.is_postgres(engine):
        await engine.start_connection_pool(min_size=1, max_size=20)
    try:
        yield
    finally:
        if db.is_postgres(engine):
            await engine.close_connection_pool()
