"""The app under test for bench/http_throughput.py: the platform's routes plus a bare JSON endpoint.

Simulation needs no database, so the runtime is built over the pack catalog directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from litestar import Request, post

from tierpoints.app import create_app
from tierpoints.authz import Authorizer
from tierpoints.engine import Engine
from tierpoints.packs import load_catalog
from tierpoints.runtime import Runtime
from tierpoints.settings import Settings


@post("/bench/bare", status_code=200)
async def bare(request: Request) -> dict[str, Any]:
    """The baseline: read and decode the same body, answer a small JSON object."""
    body = msgspec.json.decode(await request.body())
    return {"fields": len(body), "ok": True}


def build():
    catalog = load_catalog()
    settings = Settings(data_dir=Path("/tmp"), database_url="(none)",
                        production=False, secret="bench")
    app = create_app(Runtime(settings, catalog, Engine(catalog), Authorizer(catalog, [])))
    app.register(bare)
    return app


app = build()
