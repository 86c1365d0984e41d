"""Storage on both engines: migrations, the audit chain, write transactions, bulk rows."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from tierpoints import audit
from tierpoints.store import db as store_db
from tierpoints.store.bulk import as_date, as_moment, fetch_tuples, insert_rows
from tierpoints.store.tables import Applicant, AuditEntry
from tierpoints.store.transactions import write_transaction


async def test_migrations_leave_nothing_pending(database):
    assert await store_db.pending_migrations() == []
    assert await store_db.migrate() == []


async def test_audit_chain_verifies_and_names_the_first_tampered_entry(database):
    for index in range(5):
        async with write_transaction():
            await audit.record("alice", "xiangshan", "test.change", f"thing/{index}", {"n": index, "名": "象山"})
    checked, broken = await audit.verify()
    assert (checked, broken) == (5, None)
    rows = await AuditEntry.select(AuditEntry.id).order_by(AuditEntry.id).run()
    third = rows[2]["id"]
    await AuditEntry.update({AuditEntry.detail: '{"n": 99}'}).where(AuditEntry.id == third).run()
    checked, broken = await audit.verify()
    assert checked == 2 and broken.entry_id == third and "changed" in broken.reason


async def test_audit_chain_detects_a_removed_entry(database):
    for index in range(3):
        async with write_transaction():
            await audit.record("alice", None, "test.change", f"thing/{index}")
    rows = await AuditEntry.select(AuditEntry.id).order_by(AuditEntry.id).run()
    await AuditEntry.delete().where(AuditEntry.id == rows[1]["id"]).run()
    checked, broken = await audit.verify()
    assert checked == 1 and broken.entry_id == rows[2]["id"] and "removed" in broken.reason


async def test_concurrent_appends_keep_one_chain(database):
    async def append(index: int) -> None:
        async with write_transaction():
            await audit.record("bob", "ningbo", "test.concurrent", f"c/{index}")

    await asyncio.gather(*(append(i) for i in range(25)))
    assert await audit.verify() == (25, None)


async def test_a_failed_change_leaves_no_audit_entry(database):
    try:
        async with write_transaction():
            await audit.record("carol", "hangzhou", "test.rolled_back", "x")
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    assert await AuditEntry.count().run() == 0


async def test_bulk_rows_read_and_write_on_both_engines(database):
    """store/bulk.py: insert_rows writes only inside a write transaction (COPY on PostgreSQL,
    one prepared statement on SQLite) and stores dates as piccolo would; fetch_tuples reads the
    transaction's own uncommitted rows inside it, committed rows outside, and a rolled-back
    insert leaves nothing."""
    columns = ("id", "name", "identity_lookup", "identity_masked", "born_on", "created_at")
    moment = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    rows = [(i, f"李{i}", f"{i:064x}", f"330***{i:04d}", dt.date(1990, 1, i), moment) for i in (1, 2, 3)]
    with pytest.raises(RuntimeError, match="inside a write transaction"):
        await insert_rows("applicant", columns, rows)
    async with write_transaction():
        await insert_rows("applicant", columns, rows)
        inside = await fetch_tuples("SELECT id, born_on FROM applicant ORDER BY id")
        assert [(r[0], as_date(r[1])) for r in inside] == [(1, dt.date(1990, 1, 1)), (2, dt.date(1990, 1, 2)),
                                                          (3, dt.date(1990, 1, 3))]
    outside = await fetch_tuples("SELECT id, name, born_on, created_at FROM applicant ORDER BY id")
    assert [(r[0], r[1], as_date(r[2]), as_moment(r[3])) for r in outside] == [
        (i, f"李{i}", dt.date(1990, 1, i), moment) for i in (1, 2, 3)]
    stored = await Applicant.select(Applicant.born_on, Applicant.created_at).where(Applicant.id == 2).first().run()
    assert stored == {"born_on": dt.date(1990, 1, 2), "created_at": moment}  # as piccolo reads its own rows
    try:
        async with write_transaction():
            await insert_rows("applicant", columns, [(4, "王", "4" * 64, "330***0004", dt.date(1990, 2, 1), moment)])
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    assert [r[0] for r in await fetch_tuples("SELECT id FROM applicant ORDER BY id")] == [1, 2, 3]
