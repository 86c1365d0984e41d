"""Append to and verify the audit chain.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's canonical
JSON, so changing, removing or reordering any entry breaks every hash after it.
`record` must run inside store.transactions.write_transaction(), with the change it
records, so the change and its entry land together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import msgspec

from tierpoints.store import piccolo_conf
from tierpoints.store.db import is_postgres
from tierpoints.store.tables import AuditEntry

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditBreak:
    entry_id: int
    reason: str


def _canonical(at: dt.datetime, actor: str, tenant: str | None, action: str, subject: str,
               detail: str) -> bytes:
    return msgspec.json.encode(
        [at.astimezone(dt.UTC).isoformat(timespec="microseconds"), actor, tenant or "",
         action, subject, detail]
    )


def entry_hash(previous: str, at: dt.datetime, actor: str, tenant: str | None, action: str,
               subject: str, detail: str) -> str:
    return hashlib.sha256(previous.encode() + _canonical(at, actor, tenant, action, subject, detail)).hexdigest()


async def record(actor: str, tenant: str | None, action: str, subject: str, detail: Any = None) -> str:
    """Append one entry (inside the caller's write transaction); returns its hash."""
    if is_postgres(piccolo_conf.DB):
        await piccolo_conf.DB.run_ddl("LOCK TABLE audit_entry IN SHARE ROW EXCLUSIVE MODE")
    last = await AuditEntry.select(AuditEntry.hash).order_by(AuditEntry.id, ascending=False).first().run()
    previous = last["hash"] if last else GENESIS
    at = dt.datetime.now(dt.UTC)
    text = msgspec.json.encode(detail if detail is not None else {}).decode()
    digest = entry_hash(previous, at, actor, tenant, action, subject, text)
    await AuditEntry.insert(AuditEntry(
        at=at, actor=actor, tenant=tenant, action=action, subject=subject, detail=text,
        previous_hash=previous, hash=digest,
    )).run()
    return digest


async def verify(batch: int = 10_000) -> tuple[int, AuditBreak | None]:
    """(entries checked, the first broken entry or None)."""
    previous, checked, after = GENESIS, 0, 0
    while True:
        rows = await (
            AuditEntry.select().where(AuditEntry.id > after).order_by(AuditEntry.id).limit(batch).run()
        )
        if not rows:
            return checked, None
        for row in rows:
            if row["previous_hash"] != previous:
                return checked, AuditBreak(row["id"], "does not follow the entry before it (removed or reordered)")
            expected = entry_hash(previous, row["at"], row["actor"], row["tenant"], row["action"],
                                  row["subject"], row["detail"])
            if row["hash"] != expected:
                return checked, AuditBreak(row["id"], "its content was changed after it was written")
            previous, checked, after = row["hash"], checked + 1, row["id"]
