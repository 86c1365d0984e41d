"""Form posts from other sites are refused: a state-changing request must come from a page of
this site (its Origin, or failing that its Referer, names this host). The session cookie is
SameSite=Strict as well; this is the second lock on the door."""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CrossSiteRequest(PermissionDeniedException):
    """403: a form post whose Origin/Referer is not this site (or names none)."""


def _origin_host(value: str | None) -> str | None:
    if not value or value == "null":
        return None
    parts = urlsplit(value)
    return parts.netloc.lower() if parts.scheme in ("http", "https") and parts.netloc else None


def same_origin(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard for the pages: every POST must come from this host."""
    if connection.scope.get("method", "GET") in SAFE_METHODS:
        return
    host = (connection.headers.get("host") or "").lower()
    fetch_site = connection.headers.get("sec-fetch-site")
    if fetch_site in ("cross-site", "same-site"):
        raise CrossSiteRequest(f"a form post from another site ({fetch_site}) is refused")
    sender = _origin_host(connection.headers.get("origin")) or _origin_host(connection.headers.get("referer"))
    if sender is None:
        raise CrossSiteRequest("a form post must name its origin (Origin or Referer): refused")
    if not host or sender != host:
        raise CrossSiteRequest(f"a form post from {sender} to {host or 'an unnamed host'} is refused")
