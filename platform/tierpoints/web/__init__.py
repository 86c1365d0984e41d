"""The web front (issue 6): server-rendered pages in Chinese with an English switch, over the
same services the HTTP API uses — the points simulator, the applicant portal, the publicity
pages, the admin console and the department review queue. Pages live outside /api/."""

from tierpoints.web.router import TEMPLATES, WEB

__all__ = ["TEMPLATES", "WEB"]
