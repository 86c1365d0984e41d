"""Build the Litestar app from the pieces."""

from __future__ import annotations

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from tierpoints import __version__
from tierpoints.features.accounts import AccountsController, AuthController
from tierpoints.features.applicants.controller import (
    ApplicantsController,
    TenantApplicantsController,
)
from tierpoints.features.applications.controller import (
    ApplicantApplicationsController,
    ApplicationItemsController,
    ApplicationsController,
    ReviewQueueController,
)
from tierpoints.features.audit import AuditController
from tierpoints.features.auth import provide_actor
from tierpoints.features.health import health
from tierpoints.features.impact.controller import ImpactController
from tierpoints.features.points.controller import PointsController
from tierpoints.features.publishing import PublishingController
from tierpoints.features.rounds.controller import RoundsController, TenantRoundsController
from tierpoints.features.simulation import SimulationController
from tierpoints.problems import EXCEPTION_HANDLERS
from tierpoints.runtime import Runtime
from tierpoints.web import TEMPLATES, WEB

CONTROLLERS = [SimulationController, AuthController, AccountsController, AuditController,
               PublishingController,
               TenantApplicantsController, ApplicantsController, ApplicantApplicationsController,
               ApplicationsController, ApplicationItemsController, ReviewQueueController, PointsController,
               TenantRoundsController, RoundsController, ImpactController, WEB]


def create_app(runtime: Runtime) -> Litestar:
    """The app over a built runtime (see runtime.build_runtime; `tierpoints serve` does it)."""

    async def provide_runtime(state: State) -> Runtime:
        await state.runtime.refresh_policy()  # policy published elsewhere shows within seconds
        return state.runtime

    async def provide_engine(state: State):
        await state.runtime.refresh_policy()
        return state.runtime.engine  # swapped when a new indicator set is published

    return Litestar(
        route_handlers=[*CONTROLLERS, health],
        state=State({"runtime": runtime}),
        dependencies={
            "runtime": Provide(provide_runtime),
            "engine": Provide(provide_engine),
            "actor": Provide(provide_actor),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        on_startup=[runtime.listen] if runtime is not None else [],  # PostgreSQL: hear of changes at once
        on_shutdown=[runtime.stop_listening] if runtime is not None else [],
        openapi_config=OpenAPIConfig(title="Tierpoints", version=__version__, path="/schema"),
        template_config=TEMPLATES,
    )
