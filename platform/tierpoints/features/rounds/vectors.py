"""Key vectors written again under the layout in force (rounds/candidates.py key_vector).

A determination's key vector is written with it, under its tenant's layout of tie-break keys
then. After a pack changes those keys (or for determinations stored before vectors were kept)
a round reads each of them through its Basis instead — the same ranking, slower. `prepare`
writes them again under today's layout, a batch at a time; an operator runs it after such a
change (`tierpoints rounds prepare`). It changes no score: the vectors are numbers derived from
each stored basis, and tests check a round gives the same ranking either way.
"""

from __future__ import annotations

from tierpoints import audit
from tierpoints.features.auth import Actor, authorize
from tierpoints.rounds.candidates import basis_decoder, key_layout, key_vector
from tierpoints.runtime import Runtime
from tierpoints.store.bulk import as_date, fetch_tuples, update_rows
from tierpoints.store.transactions import write_transaction

BATCH = 10_000


async def prepare(runtime: Runtime, actor: Actor, tenant: str) -> int:
    """rounds:open in `tenant`: write the key vector of every determination it made whose vector
    was written under another layout (or none); returns how many were written (audited)."""
    runtime.catalog.tenant(tenant)  # a known tenant: its id goes into the SQL
    username = authorize(runtime, actor, tenant, "rounds", "open")
    layout = key_layout(runtime.catalog, tenant)
    written = last = 0
    while rows := await fetch_tuples(
            f"SELECT id, as_of, basis FROM ranking_basis WHERE tenant = '{tenant}' AND id > {last} "
            f"AND (key_layout IS NULL OR key_layout <> '{layout.name}') ORDER BY id LIMIT {BATCH}"):
        vectors = [(layout.name, key_vector(layout, basis_decoder.decode(basis), as_date(as_of)), row_id)
                   for row_id, as_of, basis in rows]
        async with write_transaction():
            await update_rows("ranking_basis", ("key_layout", "key_vector"), "id", vectors)
        last, written = rows[-1][0], written + len(rows)
    async with write_transaction():
        await audit.record(username, tenant, "round.vectors_prepared", f"tenant/{tenant}",
                           {"layout": layout.name, "written": written})
    return written
