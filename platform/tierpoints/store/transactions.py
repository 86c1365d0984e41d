"""Write transactions that serialise read-then-write work on both engines.

SQLite: BEGIN IMMEDIATE takes the write lock up front (the default deferred transaction
lost 29 of 30 concurrent read-then-write races with "database is locked").
PostgreSQL: a normal transaction; callers lock what they read (e.g. the audit chain head).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from tierpoints.store import piccolo_conf


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    engine = piccolo_conf.DB
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield
