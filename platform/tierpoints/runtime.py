"""The running platform's state: settings, the published policy, the scoring engine and
the authorizer, built from the database at start-up."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from tierpoints.accounts.service import all_grants
from tierpoints.authz import Authorizer
from tierpoints.calendar import working_days
from tierpoints.engine import Engine
from tierpoints.packs.catalog import PolicyCatalog
from tierpoints.settings import Settings
from tierpoints.store import db, notify, piccolo_conf
from tierpoints.store.holidays import schedules_signature, stored_schedules
from tierpoints.store.policy import has_tenants, load_policy_catalog
from tierpoints.store.tables import IndicatorSetVersion, RoleAssignment, TenantRecord

POLICY_CHECK_SECONDS = 2.0  # how stale a running service's policy may be after a CLI publish


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
    # (count, newest id) of the grants the authorizer holds: grants made elsewhere (the CLI,
    # another instance) change it, and the next authenticated request reloads them
    grants_seen: tuple[int, int] | None = None

    # On PostgreSQL a LISTEN connection (`listen`) tells this instance of every change at once;
    # without it each authenticated request compares the grants' signature and the policy is
    # looked at every POLICY_CHECK_SECONDS.
    listener: Any = None
    # every migration of this code found applied (health): migrations only ever move forward
    migrations_current: bool = False

    @property
    def listening(self) -> bool:
        return self.listener is not None and not self.listener.is_closed()

    async def refresh_grants(self, force: bool = False) -> None:
        """Reload the grants if the database's differ from those the authorizer holds
        (`force`: look even while listening, e.g. right after this instance changed them)."""
        if self.listening and not force:
            return
        seen = await grants_signature()
        if seen != self.grants_seen:
            self.authorizer = Authorizer(self.catalog, await all_grants())
            self.grants_seen = seen

    policy_seen: tuple[Any, ...] | None = None
    policy_checked: float = 0.0

    async def refresh_policy(self, every: float = POLICY_CHECK_SECONDS) -> None:
        """Load the published policy again if another process (the CLI's `drafts publish` or
        `packs sync`, another instance) changed it; looks at most once every `every` seconds."""
        now = time.monotonic()
        if self.policy_seen is None or now - self.policy_checked < every or self.listening:
            return  # not built from a database (build_runtime sets it), or looked just now
        self.policy_checked = now
        if await policy_signature() != self.policy_seen:
            await self.reload_policy()

    async def reload_policy(self) -> None:
        """Use the policy as the database now publishes it (the holiday schedules loaded too)."""
        self.policy_seen = await policy_signature()
        self.use_catalog(await load_policy_catalog())
        working_days.use_schedules(await stored_schedules())

    async def listen(self) -> None:
        """On PostgreSQL: reload grants and policy as soon as any instance or the CLI commits a
        change (store/notify.py); a no-op elsewhere."""
        engine = piccolo_conf.DB
        if self.policy_seen is None or not db.is_postgres(engine) or self.listening:
            return  # not built from a database (build_runtime), not PostgreSQL, or listening already
        import asyncpg

        self.listener = await asyncpg.connect(**engine.config)
        loop, pending = asyncio.get_running_loop(), set()

        def changed(_connection, _pid, _channel, payload: str) -> None:
            task = loop.create_task(self._changed(payload))
            pending.add(task)
            task.add_done_callback(pending.discard)

        await self.listener.add_listener(notify.CHANNEL, changed)
        await self.refresh_grants(force=True)  # whatever changed before listening began
        if await policy_signature() != self.policy_seen:
            await self.reload_policy()

    async def _changed(self, what: str) -> None:
        if what == notify.GRANTS:
            await self.refresh_grants(force=True)
        elif what == notify.POLICY:
            await self.reload_policy()

    async def stop_listening(self) -> None:
        if self.listener is not None:
            await self.listener.close()
            self.listener = None

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
    runtime = Runtime(settings, catalog, Engine(catalog), Authorizer(catalog, await all_grants()),
                      grants_seen=await grants_signature(), policy_seen=await policy_signature())
    runtime.policy_checked = time.monotonic()
    working_days.use_schedules(await stored_schedules())
    return runtime


async def policy_signature() -> tuple[Any, ...]:
    """Changes whenever a version is published or superseded, a tenant is synced, or a holiday
    schedule is loaded."""
    versions = await IndicatorSetVersion.raw(
        "SELECT COUNT(*) AS n, MAX(published_at) AS newest FROM indicator_set_version "
        "WHERE status IN ('published', 'superseded')").run()
    tenants = await TenantRecord.raw("SELECT COUNT(*) AS n, MAX(synced_at) AS newest FROM tenant").run()
    return (versions[0]["n"], str(versions[0]["newest"]), tenants[0]["n"], str(tenants[0]["newest"]),
            *await schedules_signature())


async def grants_signature() -> tuple[int, int]:
    rows = await RoleAssignment.raw(
        "SELECT COUNT(*) AS grants, COALESCE(MAX(id), 0) AS newest FROM role_assignment").run()
    return int(rows[0]["grants"]), int(rows[0]["newest"])


def _where(settings: Settings) -> str:
    url = settings.database_url
    return url.split("@")[-1] if "@" in url else url


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[None]:
    """Activate the configured database for the duration (a pool on PostgreSQL)."""
    engine = db.activate(db.engine_for(settings.database_url, settings.replica_url))
    engines = [engine, *engine.extra_nodes.values()] if db.is_postgres(engine) else []
    for each in engines:
        await each.start_connection_pool(min_size=1, max_size=20)
    try:
        yield
    finally:
        for each in engines:
            await each.close_connection_pool()
