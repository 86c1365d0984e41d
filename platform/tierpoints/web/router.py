"""The pages as one Router (registered in app.py): the page controllers, the static files, the
cookie session as the pages' actor, the same-origin check on every form post, HTML errors."""

from __future__ import annotations

from litestar import Router
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.di import Provide
from litestar.static_files import create_static_files_router

from tierpoints.web.csrf import same_origin
from tierpoints.web.errors import EXCEPTION_HANDLERS
from tierpoints.web.pages.console import ConsolePages
from tierpoints.web.pages.drafts import DraftPages
from tierpoints.web.pages.home import HomePages
from tierpoints.web.pages.impact import ImpactPages
from tierpoints.web.pages.portal import PortalPages
from tierpoints.web.pages.publicity import PublicityPages
from tierpoints.web.pages.review import ReviewPages
from tierpoints.web.pages.simulator import SimulatorPages
from tierpoints.web.session import page_actor
from tierpoints.web.templating import HERE, TEMPLATES

STATIC = create_static_files_router(path="/static", directories=[HERE / "static"], name="web-static",
                                    cache_control=CacheControlHeader(max_age=3600), include_in_schema=False)

# Pages load only this site's own script, styles and forms; no other site may frame them.
SECURITY_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
]

WEB = Router(
    path="/",
    route_handlers=[HomePages, SimulatorPages, PortalPages, PublicityPages, ConsolePages, DraftPages,
                    ImpactPages, ReviewPages, STATIC],
    dependencies={"actor": Provide(page_actor)},
    guards=[same_origin],
    exception_handlers=EXCEPTION_HANDLERS,
    include_in_schema=False,
    response_headers=SECURITY_HEADERS,
)

__all__ = ["TEMPLATES", "WEB"]
