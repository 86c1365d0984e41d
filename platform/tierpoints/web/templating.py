"""Jinja2 through Litestar's TemplateConfig, and `page()`: a template response with what every
page needs (language, words, the actor, the language switch, the session cookie's upkeep)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.datastructures import Cookie
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from tierpoints import clock
from tierpoints.engine.results import number
from tierpoints.web import i18n
from tierpoints.web.session import cleared_session, current_actor

HERE = Path(__file__).parent
ONE_YEAR = 365 * 24 * 3600


def points(value: Any) -> str:
    """20, 10.5, 0.25 — never 20.0."""
    if value is None:
        return "—"
    return f"{number(float(value)):,}"


def pretty_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


def local_time(moment: dt.datetime | None) -> str:
    """A stored UTC moment as China's wall-clock time."""
    return moment.astimezone(clock.CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""


def _setup(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.trim_blocks = env.lstrip_blocks = True
    env.filters["points"] = points
    env.filters["pretty_json"] = pretty_json
    env.filters["local_time"] = local_time


TEMPLATES = TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=_setup)


def lang_links(request: Request) -> dict[str, str]:
    """This page in each language: the query kept, `lang` replaced."""
    links = {}
    for lang in i18n.LANGS:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", lang)]
        links[lang] = f"{request.url.path}?{urlencode(query)}"
    return links


def page(request: Request, template: str, status_code: int = 200, cookies: list[Cookie] | None = None,
         **context: Any) -> Template:
    lang = i18n.language(request)
    cookies = list(cookies or [])
    if i18n.asked_language(request):
        cookies.append(Cookie(key=i18n.LANG_COOKIE, value=lang, max_age=ONE_YEAR, path="/", samesite="lax"))
    if getattr(request.state, "stale_session", False):
        cookies.append(cleared_session(request))
    t = i18n.translator(lang)
    return Template(template_name=template, status_code=status_code, cookies=cookies, context={
        "lang": lang, "t": t, "actor": current_actor(request), "path": request.url.path,
        "lang_links": lang_links(request), "today": clock.today(),
        "name": lambda names: i18n.name_in(names, lang),
        "label": lambda value: i18n.value_label(value, lang),
        **context,
    })
