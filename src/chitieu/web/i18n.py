"""The pages' language: Vietnamese first, English as a switch.

The language of a request is, in order: ``?lang=vi|en`` in the query (which also sets the
``chitieu_lang`` cookie, so the choice sticks), the cookie, then ``Settings.language``.
Messages live in :mod:`chitieu.web.messages`, each key with its Vietnamese and English text
side by side, so a message cannot exist in one language only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import Request, Response

from chitieu.web.messages import MESSAGES

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
LANG_COOKIE = "chitieu_lang"
LANG_COOKIE_AGE = 365 * 24 * 3600

Translate = Callable[..., str]


def _valid(lang: str | None) -> str | None:
    return lang if lang in LANGUAGES else None


def request_language(request: Request) -> str:
    """The language for ``request`` (see the module docstring); always one of LANGUAGES."""
    settings = getattr(request.app.state, "settings", None)
    fallback = _valid(getattr(settings, "language", None)) or DEFAULT_LANGUAGE
    return (
        _valid(request.query_params.get("lang"))
        or _valid(request.cookies.get(LANG_COOKIE))
        or fallback
    )


def remember_language(request: Request, response: Response) -> None:
    """Set the language cookie when the query asked for a language (``?lang=en``)."""
    lang = _valid(request.query_params.get("lang"))
    if lang and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=LANG_COOKIE_AGE, path="/", samesite="lax", httponly=False
        )


def message(key: str, lang: str, **values: Any) -> str:
    """The text of ``key`` in ``lang``, with ``{name}`` fields filled from ``values``.
    An unknown key raises KeyError: a typo must fail the tests, not show a code to people."""
    vi, en = MESSAGES[key]
    text = en if lang == "en" else vi
    return text.format(**values) if values else text


def translator(lang: str) -> Translate:
    """``t(key, **values)`` bound to ``lang``, for templates and handlers."""

    def t(key: str, **values: Any) -> str:
        return message(key, lang, **values)

    return t


def messages_for(lang: str, keys: Iterable[str]) -> dict[str, str]:
    """The texts of ``keys`` in ``lang`` (for the browser's charts)."""
    return {k: message(k, lang) for k in keys}


def pick(lang: str, vi: str | None, en: str | None) -> str | None:
    """The English text when ``lang`` is English and there is one, else the Vietnamese."""
    return en if lang == "en" and en else vi
