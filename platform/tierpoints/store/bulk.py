"""Reading and writing many rows at once as plain tuples, past piccolo's per-row dicts, type
converters and per-value query building: for the hundreds of thousands of rows a round reads
or a recompute writes, those cost more than the database's own work.

The SQL carries its own values (integers and ISO dates the caller formats), so the one text
serves both engines. Values arrive as each driver gives them: dates are `datetime.date` on
PostgreSQL and in an open SQLite transaction, ISO text otherwise; `as_date` reads either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from typing import Any

import aiosqlite

from tierpoints.store import piccolo_conf
from tierpoints.store.db import is_postgres


async def fetch_tuples(sql: str) -> Sequence[Sequence[Any]]:
    """The rows of `sql`, in the current transaction when there is one (it sees its own writes)."""
    engine = piccolo_conf.DB
    transaction = engine.current_transaction.get()
    if is_postgres(engine):
        if transaction is not None:
            return await transaction.connection.fetch(sql)
        if engine.pool is not None:
            async with engine.pool.acquire() as connection:
                return await connection.fetch(sql)
        connection = await engine.get_new_connection()
        try:
            return await connection.fetch(sql)
        finally:
            await connection.close()
    if transaction is not None:
        cursor = await transaction.connection.execute(sql)
        cursor.row_factory = None  # the connection's makes dicts
        return await cursor.fetchall()
    async with aiosqlite.connect(engine.path) as connection:
        return await connection.execute_fetchall(sql)


async def stream_tuples(sql: str, batch: int) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """The rows of `sql` a batch at a time, so a caller going through a province's rows holds
    one batch (PostgreSQL: a server-side cursor, in a read-only transaction when none is open)."""
    engine = piccolo_conf.DB
    transaction = engine.current_transaction.get()
    if is_postgres(engine):
        if transaction is not None:
            async for rows in _postgres_batches(transaction.connection, sql, batch):
                yield rows
            return
        async with AsyncExitStack() as stack:
            if engine.pool is not None:
                connection = await stack.enter_async_context(engine.pool.acquire())
            else:
                connection = await engine.get_new_connection()
                stack.push_async_callback(connection.close)
            async with connection.transaction(readonly=True):
                async for rows in _postgres_batches(connection, sql, batch):
                    yield rows
        return
    async with AsyncExitStack() as stack:
        connection = transaction.connection if transaction is not None else \
            await stack.enter_async_context(aiosqlite.connect(engine.path))
        cursor = await connection.execute(sql)
        cursor.row_factory = None  # a transaction's connection makes dicts
        while rows := await cursor.fetchmany(batch):
            yield rows
        await cursor.close()


async def _postgres_batches(connection, sql: str, batch: int) -> AsyncIterator[Sequence[Sequence[Any]]]:
    cursor = await connection.cursor(sql)
    while rows := await cursor.fetch(batch):
        yield rows


async def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert `rows` (tuples in `columns` order) inside the open write transaction: COPY on
    PostgreSQL, one prepared statement run for every row on SQLite (piccolo's adapters store
    dates and times as it would)."""
    engine = piccolo_conf.DB
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("insert_rows writes inside a write transaction (store/transactions.py)")
    if is_postgres(engine):
        await transaction.connection.copy_records_to_table(table, records=rows, columns=list(columns))
    else:
        await transaction.connection.executemany(
            f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})', rows)


async def update_rows(table: str, columns: Sequence[str], key: str, rows: Sequence[Sequence[Any]]) -> None:
    """Set `columns` of the rows whose `key` is the last value of each tuple in `rows`, inside the
    open write transaction: one prepared statement run for every row."""
    engine = piccolo_conf.DB
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("update_rows writes inside a write transaction (store/transactions.py)")
    if is_postgres(engine):
        sets = ", ".join(f"{column} = ${i}" for i, column in enumerate(columns, 1))
        await transaction.connection.executemany(
            f'UPDATE "{table}" SET {sets} WHERE {key} = ${len(columns) + 1}', rows)
    else:
        sets = ", ".join(f"{column} = ?" for column in columns)
        await transaction.connection.executemany(f'UPDATE "{table}" SET {sets} WHERE {key} = ?', rows)


def as_date(value: dt.date | str | None, _parse=dt.date.fromisoformat) -> dt.date | None:
    """A date as either driver gives it (called for every date a round reads: kept lean)."""
    return _parse(value) if value.__class__ is str else value


def as_moment(value: dt.datetime | str | None, _parse=dt.datetime.fromisoformat) -> dt.datetime | None:
    return _parse(value) if value.__class__ is str else value
