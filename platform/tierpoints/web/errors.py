"""Errors on pages are pages: a login form for 401, a readable page for 403/404/409/422, and
never a traceback. The same exceptions the API turns into problem details."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException

from tierpoints.accounts.service import AccountError
from tierpoints.authz import PermissionDenied
from tierpoints.calendar.working_days import CalendarDataMissing
from tierpoints.engine.facts import FactsError
from tierpoints.features.applicants.errors import ApplicantNotFound
from tierpoints.features.applications.errors import ApplicationError
from tierpoints.features.publishing.errors import PublishingError
from tierpoints.packs.catalog import NotInForce, UnknownTenant
from tierpoints.web.session import SESSION_COOKIE, cleared_session
from tierpoints.web.templating import page

log = logging.getLogger("tierpoints.web")


def login_page(request: Request, error: NotAuthorizedException) -> Response:
    """401: the login form in place, coming back here afterwards."""
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    cookies = [cleared_session(request)] if request.cookies.get(SESSION_COOKIE) else []
    return page(request, "login.html", status_code=401, cookies=cookies,
                next=back if request.method == "GET" else "", reason="login.needed")


def error_page(request: Request, status: int, title_key: str, detail: str) -> Response:
    return page(request, "error.html", status_code=status, title_key=title_key, detail=detail, status=status)


def _status(error: Exception) -> int:
    if isinstance(error, (ApplicationError, PublishingError, AccountError)):
        return error.status
    if isinstance(error, HTTPException):
        return error.status_code
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, (UnknownTenant, ApplicantNotFound)):
        return 404
    if isinstance(error, CalendarDataMissing):
        return 503
    return 422  # FactsError, NotInForce: input the page could not use


def _titled(request: Request, error: Exception) -> Response:
    status = _status(error)
    detail = getattr(error, "detail", None) or str(error)
    key = {401: "error.401", 403: "error.403", 404: "error.404", 409: "error.409"}.get(status, "error.generic")
    return error_page(request, status, key, detail)


def _unexpected(request: Request, error: Exception) -> Response:
    log.exception("unexpected error on page %s", request.url.path)
    return error_page(request, 500, "error.500", "")


EXCEPTION_HANDLERS = {
    NotAuthorizedException: login_page,
    PermissionDenied: _titled,
    HTTPException: _titled,
    ApplicationError: _titled,
    PublishingError: _titled,
    AccountError: _titled,
    FactsError: _titled,
    UnknownTenant: _titled,
    NotInForce: _titled,
    ApplicantNotFound: _titled,
    CalendarDataMissing: _titled,
    Exception: _unexpected,
}
