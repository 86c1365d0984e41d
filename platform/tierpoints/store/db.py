"""Choosing and activating the database engine; applying migrations."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

APP_NAME = "tierpoints"


class DatabaseError(RuntimeError):
    pass


REPLICA = "replica"  # the piccolo node name of the read replica (PostgresEngine extra_nodes)


def engine_for(url: str, replica_url: str | None = None) -> Engine:
    """The engine for DATABASE_URL; on PostgreSQL with a read replica for public reads."""
    if replica_url:
        primary, replica = engine_for(url), engine_for(replica_url)
        if not (is_postgres(primary) and is_postgres(replica)):
            raise DatabaseError("DATABASE_REPLICA_URL needs DATABASE_URL and itself on PostgreSQL")
        return PostgresEngine(config=primary.config, extra_nodes={REPLICA: replica})
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = Path(unquote(parsed.path))
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_ahead_log(path)
        return SQLiteEngine(path=str(path))
    if parsed.scheme in ("postgres", "postgresql"):
        return PostgresEngine(config={
            "host": parsed.hostname or "127.0.0.1", "port": parsed.port or 5432,
            "user": unquote(parsed.username or "postgres"), "password": unquote(parsed.password or ""),
            "database": (parsed.path or "/postgres").lstrip("/") or "postgres",
            # short index lookups and streamed reads: compiling them (JIT) cost a round's read of
            # 200,000 permit holders 0.23 s of its 0.9 s and gained nothing (bench/rank.py)
            "server_settings": {"jit": "off"},
        })
    raise DatabaseError(f"DATABASE_URL {url!r}: use sqlite:///path or postgresql://user:password@host/db")


def _write_ahead_log(path: Path) -> None:
    """SQLite in WAL mode (kept in the file): one sync a commit instead of a rollback journal's
    several, and readers no longer wait for the writer."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
    finally:
        connection.close()


def activate(engine: Engine) -> Engine:
    """Point piccolo's settings and every table at this engine."""
    from piccolo.apps.migrations.tables import Migration

    from tierpoints.store import piccolo_conf
    from tierpoints.store.tables import ALL_TABLES

    piccolo_conf.DB = engine
    for table in (*ALL_TABLES, Migration):
        table._meta.db = engine
    return engine


def read_node() -> str | None:
    """Where public reads go: the replica when one is configured (else the primary: None).
    Public pages tolerate the replica's lag; nothing that decides a change reads from it."""
    from tierpoints.store import piccolo_conf

    return REPLICA if REPLICA in (getattr(piccolo_conf.DB, "extra_nodes", None) or {}) else None


def is_postgres(engine: Engine) -> bool:
    return isinstance(engine, PostgresEngine)


def _migration_ids() -> list[str]:
    from piccolo.apps.migrations.commands.base import BaseMigrationManager

    manager = BaseMigrationManager()
    modules = manager.get_migration_modules(str(Path(__file__).parent / "migrations"))
    return sorted(manager.get_migration_ids(modules))


async def pending_migrations() -> list[str]:
    from piccolo.apps.migrations.tables import Migration

    if not await Migration.table_exists().run():
        return _migration_ids()
    ran = set(await Migration.get_migrations_which_ran(app_name=APP_NAME))
    return [m for m in _migration_ids() if m not in ran]


async def migrate(quiet: bool = True) -> list[str]:
    """Apply pending migrations; returns the ids applied."""
    from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
    from piccolo.apps.migrations.tables import Migration

    pending = await pending_migrations()
    if not pending:
        return []
    if not await Migration.table_exists().run():
        await Migration.create_table(if_not_exists=True).run()
    output = io.StringIO() if quiet else sys.stdout
    with contextlib.redirect_stdout(output):
        result = await ForwardsMigrationManager(app_name=APP_NAME).run()
    if not result.success:
        raise DatabaseError(f"migration failed: {result.message}")
    return pending
