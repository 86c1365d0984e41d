"""Which language a page speaks (a `lang` query switches and is remembered in a cookie; Chinese
by default) and the lookup of its words in the catalogue (messages.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request

from tierpoints.web.messages import MESSAGES

LANGS = ("zh", "en")
DEFAULT = "zh"
LANG_COOKIE = "lang"


def asked_language(request: Request) -> str | None:
    """The language the query asks for (the switch links), if it names one we speak."""
    asked = request.query_params.get("lang")
    return asked if asked in LANGS else None


def language(request: Request) -> str:
    return asked_language(request) or (request.cookies.get(LANG_COOKIE) if request.cookies.get(
        LANG_COOKIE) in LANGS else None) or DEFAULT


def translator(lang: str) -> Callable[..., str]:
    words, fallback = MESSAGES[lang], MESSAGES[DEFAULT]

    def t(key: str, **values: Any) -> str:
        text = words.get(key) or fallback.get(key) or key
        return text.format(**values) if values else text

    return t


def name_in(names: Any, lang: str) -> str:
    """A {zh, en} pair (struct or dict) in the page's language."""
    if names is None:
        return ""
    if isinstance(names, dict):
        return names.get(lang) or names.get("zh") or ""
    return getattr(names, lang, "") or getattr(names, "zh", "")


def value_label(value: Any, lang: str) -> str:
    """An enumerated fact value (bachelor, rented, ...) in words; the value itself if unknown."""
    text = str(value)
    found = MESSAGES[lang].get(f"value.{text}")
    return found or (text.replace("_", " ") if lang == "en" else MESSAGES["en"].get(f"value.{text}", text))
