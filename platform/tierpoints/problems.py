"""Errors as RFC 9457 problem details: what was wrong, where, and never a 500 for bad input."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from tierpoints.accounts.service import AccountError
from tierpoints.authz import PermissionDenied
from tierpoints.calendar.working_days import CalendarDataMissing
from tierpoints.engine.facts import FactsError, FactsSyntaxError
from tierpoints.features.applicants.errors import (
    ApplicantConflict,
    ApplicantDataError,
    ApplicantNotFound,
    FactNotAllowed,
    PermitStateError,
)
from tierpoints.features.applications.errors import ApplicationError
from tierpoints.features.publishing.errors import PublishingError
from tierpoints.packs.catalog import NotInForce, UnknownTenant

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("tierpoints.http")


def problem(request: Request, status: int, title: str, detail: str, **extra: Any) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
            "instance": str(request.url.path), **extra}
    return Response(body, status_code=status, media_type=MEDIA_TYPE)


def _facts_error(request: Request, error: FactsError) -> Response:
    if isinstance(error, FactsSyntaxError):
        return problem(request, 400, "Body is not JSON", str(error))
    return problem(request, 422, "Facts do not fit the facts schema", str(error),
                   errors=[{"pointer": error.pointer, "message": error.message}])


def _unknown_tenant(request: Request, error: UnknownTenant) -> Response:
    return problem(request, 404, "Unknown tenant", str(error))


def _not_in_force(request: Request, error: NotInForce) -> Response:
    return problem(request, 422, "No indicator set in force", str(error))


def _permission_denied(request: Request, error: PermissionDenied) -> Response:
    return problem(request, 403, "Not allowed", str(error))


def _account_error(request: Request, error: AccountError) -> Response:
    errors = [{"pointer": f"/{error.field}", "message": str(error)}] if error.field else []
    return problem(request, error.status, "Account request refused", str(error), errors=errors)


def _publishing(request: Request, error: PublishingError) -> Response:
    return problem(request, error.status, error.title, error.detail, errors=error.errors)


def _applicant_error(request: Request, error: Exception) -> Response:
    """404 unknown applicant, 409 a clash or an illegal permit state, 422 bad data, 403 a fact
    the caller may not record; the pointer names the field."""
    if isinstance(error, ApplicantNotFound):
        return problem(request, 404, "Unknown applicant", str(error))
    if isinstance(error, PermitStateError):
        return problem(request, 409, "Not possible in the permit's state", str(error), state=error.status)
    if isinstance(error, ApplicantConflict):
        return problem(request, 409, "Conflicts with what is registered", str(error),
                       errors=[{"pointer": f"/{error.field}", "message": str(error)}])
    if isinstance(error, FactNotAllowed):
        return problem(request, 403, "Not allowed to record this fact", str(error), fact=error.fact,
                       errors=[{"pointer": f"/facts/{error.fact}", "message": str(error)}])
    assert isinstance(error, ApplicantDataError)
    return problem(request, 422, "Applicant data refused", str(error),
                   errors=[{"pointer": error.pointer, "message": error.message}])


def _application(request: Request, error: ApplicationError) -> Response:
    """404 unknown application or item, 409 a state that forbids the action (naming it) or a
    late request (naming the deadline), 422 bad data (naming the field)."""
    return problem(request, error.status, error.title, error.detail, **error.extra)


def _calendar(request: Request, error: CalendarDataMissing) -> Response:
    return problem(request, 503, "Working days cannot be counted", str(error), day=error.day.isoformat())


def _validation(request: Request, error: ValidationException) -> Response:
    errors = [
        {"pointer": f"/{item.get('key')}" if item.get("key") else "", "source": item.get("source"),
         "message": item.get("message")}
        for item in (error.extra if isinstance(error.extra, list) else [])
        if isinstance(item, dict)
    ]
    return problem(request, 400, "Bad request", error.detail, errors=errors)


def _http(request: Request, error: HTTPException) -> Response:
    response = problem(request, error.status_code, error.__class__.__name__.replace("Exception", "")
                       or "Error", error.detail)
    if error.status_code == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _unexpected(request: Request, error: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path)
    return problem(request, 500, "Internal error", "Something went wrong on our side; nothing was changed.")


EXCEPTION_HANDLERS = {
    PermissionDenied: _permission_denied,
    AccountError: _account_error,
    PublishingError: _publishing,
    FactsError: _facts_error,
    UnknownTenant: _unknown_tenant,
    NotInForce: _not_in_force,
    ApplicantNotFound: _applicant_error,
    PermitStateError: _applicant_error,
    ApplicantConflict: _applicant_error,
    FactNotAllowed: _applicant_error,
    ApplicantDataError: _applicant_error,
    ApplicationError: _application,
    CalendarDataMissing: _calendar,
    ValidationException: _validation,
    HTTPException: _http,
    Exception: _unexpected,
}
