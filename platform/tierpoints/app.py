"""Build the Litestar app from the pieces."""

from __future__ import annotations

from litestar import Litestar
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from tierpoints import __version__
from tierpoints.engine import Engine
from tierpoints.features.simulation import SimulationController
from tierpoints.packs import load_catalog
from tierpoints.problems import EXCEPTION_HANDLERS


def create_app(engine: Engine | None = None) -> Litestar:
    engine = engine or Engine(load_catalog())
    return Litestar(
        route_handlers=[SimulationController],
        dependencies={"engine": Provide(lambda: engine, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(title="Tierpoints", version=__version__, path="/schema"),
    )
