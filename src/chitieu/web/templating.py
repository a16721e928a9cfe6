"""Rendering pages: one Jinja2 environment (autoescaped), the context every page gets, and
cache-busting URLs for the static files.

Every page gets ``lang``, ``t`` (the translator), ``user`` (or None), ``csrf`` (the session's
CSRF token, for forms), ``static(name)``, ``lang_url(code)`` (this page in another language)
and ``request``.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from chitieu.api.deps import csrf_token
from chitieu.auth.users import Principal
from chitieu.catalog.clock import format_vietnam_time
from chitieu.web.i18n import remember_language, request_language, translator

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES = WEB_DIR / "templates"
STATIC = WEB_DIR / "static"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = static_url
    env.filters["vnum"] = format_number
    env.filters["vfigure"] = format_figure  # a published figure: only the decimals it has
    env.filters["vntime"] = format_vietnam_time  # |vntime, or |vntime(with_time=False)
    return env


@cache
def _static_hash(name: str, mtime_ns: int) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]


def static_url(name: str) -> str:
    """``/static/name?v=<content hash>``: the browser may keep it for a year, and a changed file
    gets a new URL."""
    path = STATIC / name
    return f"/static/{name}?v={_static_hash(name, path.stat().st_mtime_ns)}"


def format_number(x: float | int | None, digits: int = 0, lang: str = "vi") -> str:
    """A number as people read it, whole by default (``|vnum``): ``12.345,6`` in Vietnamese,
    ``12,345.6`` in English; the reports' formatter, :func:`chitieu.reports.i18n.fmt_number`."""
    from chitieu.reports.i18n import fmt_number

    return fmt_number(x, digits, lang)


def format_figure(x: float | int | None, lang: str = "vi") -> str:
    """A published figure with the decimals it was published with (at most two): 15, 34,5,
    95,15 — not 15,00."""
    from chitieu.reports.i18n import fmt_figure

    return fmt_figure(x, lang)


def lang_url(request: Request, lang: str) -> str:
    """This page's URL with ``lang`` set (the other query parameters kept)."""
    params = dict(request.query_params)
    params["lang"] = lang
    return f"{request.url.path}?{urlencode(params)}"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    user: Principal | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``template`` with the common context; sets the language cookie when the query
    chose a language."""
    lang = request_language(request)
    page = {
        "request": request,
        "lang": lang,
        "t": translator(lang),
        "user": user,
        "csrf": user.csrf if user is not None and user.csrf else csrf_token(request),
        "lang_url": lambda code: lang_url(request, code),
        # the nonce an inline script needs (chitieu.api.guards.SecurityHeaders)
        "csp_nonce": request.scope.get("state", {}).get("csp_nonce", ""),
    }
    page.update(context or {})
    html = _environment().get_template(template).render(page)
    response = HTMLResponse(html, status_code=status_code)
    remember_language(request, response)
    return response
