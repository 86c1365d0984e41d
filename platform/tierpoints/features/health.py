"""GET /health for load balancers: 200 when this instance can serve (its database answers, every
migration applied, policy loaded), else 503 saying what is wrong. No login, nothing personal."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.datastructures import State

from tierpoints.store import db
from tierpoints.store.tables import TenantRecord


@get("/health", tags=["operations"], summary="Can this instance serve? (for load balancers)")
async def health(state: State) -> Response[dict[str, Any]]:
    runtime = state.runtime
    report: dict[str, Any] = {"tenants": len(runtime.catalog.tenants), "listening": runtime.listening}
    try:
        pending = [] if runtime.migrations_current else await db.pending_migrations()
        runtime.migrations_current = not pending
        await TenantRecord.count().run()
    except Exception as error:  # the database does not answer: this instance cannot serve
        return Response({"status": "unavailable", "database": f"{type(error).__name__}: {error}", **report},
                        status_code=503)
    if pending:
        return Response({"status": "unavailable", "database": f"{len(pending)} migration(s) not applied",
                         **report}, status_code=503)
    return Response({"status": "ok", "database": "ok", **report})
