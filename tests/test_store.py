"""Storage on both engines: migrations, the audit chain, write transactions."""

from __future__ import annotations

import asyncio

from tierpoints import audit
from tierpoints.store import db as store_db
from tierpoints.store.tables import AuditEntry
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
