"""Telling every instance that grants or published policy changed, through PostgreSQL itself:
NOTIFY inside the changing transaction (delivered on commit, never for a rollback), LISTEN in
each running instance (runtime.Runtime.listen). SQLite has one process: nothing to tell."""

from __future__ import annotations

from tierpoints.store import piccolo_conf
from tierpoints.store.db import is_postgres

CHANNEL = "tierpoints_changes"
GRANTS, POLICY = "grants", "policy"


async def announce(what: str) -> None:
    """Call inside the write transaction that makes the change."""
    if what not in (GRANTS, POLICY):
        raise ValueError(f"unknown change {what!r}")
    if is_postgres(piccolo_conf.DB):
        await piccolo_conf.DB.run_ddl(f"NOTIFY {CHANNEL}, '{what}'")
