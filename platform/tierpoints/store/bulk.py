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
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import aiosqlite

from tierpoints.store import piccolo_conf
from tierpoints.store.db import is_postgres


@asynccontextmanager
async def _postgres_connection(engine) -> AsyncIterator[Any]:
    """The open transaction's connection, else one from the pool (or a new one, closed after)."""
    transaction = engine.current_transaction.get()
    if transaction is not None:
        yield transaction.connection
    elif engine.pool is not None:
        async with engine.pool.acquire() as connection:
            yield connection
    else:
        connection = await engine.get_new_connection()
        try:
            yield connection
        finally:
            await connection.close()


@asynccontextmanager
async def _sqlite_connection(engine) -> AsyncIterator[Any]:
    """The open transaction's connection, else a new one; rows come back as tuples either way."""
    transaction = engine.current_transaction.get()
    if transaction is not None:
        yield transaction.connection
    else:
        async with aiosqlite.connect(engine.path) as connection:
            yield connection


async def fetch_tuples(sql: str) -> Sequence[Sequence[Any]]:
    """The rows of `sql`, in the current transaction when there is one (it sees its own writes)."""
    engine = piccolo_conf.DB
    if is_postgres(engine):
        async with _postgres_connection(engine) as connection:
            return await connection.fetch(sql)
    async with _sqlite_connection(engine) as connection:
        cursor = await connection.execute(sql)
        cursor.row_factory = None  # a transaction's connection makes dicts
        return await cursor.fetchall()


async def stream_tuples(sql: str, batch: int) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """The rows of `sql` a batch at a time, so a caller going through a province's rows holds
    one batch (PostgreSQL: a server-side cursor, in a read-only transaction when none is open)."""
    engine = piccolo_conf.DB
    if is_postgres(engine):
        async with AsyncExitStack() as stack:
            connection = await stack.enter_async_context(_postgres_connection(engine))
            if engine.current_transaction.get() is None:  # a cursor lives in a transaction
                await stack.enter_async_context(connection.transaction(readonly=True))
            cursor = await connection.cursor(sql)
            while rows := await cursor.fetch(batch):
                yield rows
        return
    async with _sqlite_connection(engine) as connection:
        cursor = await connection.execute(sql)
        cursor.row_factory = None
        while rows := await cursor.fetchmany(batch):
            yield rows
        await cursor.close()


def _writing(what: str):
    """The engine and the open write transaction's connection (bulk writes never open their own)."""
    engine = piccolo_conf.DB
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError(f"{what} writes inside a write transaction (store/transactions.py)")
    return engine, transaction.connection


async def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert `rows` (tuples in `columns` order) inside the open write transaction: COPY on
    PostgreSQL, one prepared statement run for every row on SQLite (piccolo's adapters store
    dates and times as it would)."""
    engine, connection = _writing("insert_rows")
    if is_postgres(engine):
        await connection.copy_records_to_table(table, records=rows, columns=list(columns))
    else:
        await connection.executemany(
            f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})', rows)


async def update_rows(table: str, columns: Sequence[str], key: str, rows: Sequence[Sequence[Any]]) -> None:
    """Set `columns` of the rows whose `key` is the last value of each tuple in `rows`, inside the
    open write transaction: one prepared statement run for every row."""
    engine, connection = _writing("update_rows")
    marks = [f"${i}" for i in range(1, len(columns) + 2)] if is_postgres(engine) else ["?"] * (len(columns) + 1)
    sets = ", ".join(f"{column} = {mark}" for column, mark in zip(columns, marks))
    await connection.executemany(f'UPDATE "{table}" SET {sets} WHERE {key} = {marks[-1]}', rows)


def as_date(value: dt.date | str | None, _parse=dt.date.fromisoformat) -> dt.date | None:
    """A date as either driver gives it (called for every date a round reads: kept lean)."""
    return _parse(value) if value.__class__ is str else value


def as_moment(value: dt.datetime | str | None, _parse=dt.datetime.fromisoformat) -> dt.datetime | None:
    return _parse(value) if value.__class__ is str else value
