"""The pages' language: Vietnamese first, English as a switch.

The language of a request is, in order: ``?lang=vi|en`` in the query (which also sets the
``chitieu_lang`` cookie, so the choice sticks), the cookie, then ``Settings.language``.
Messages live in the one catalogue, :mod:`chitieu.catalog.messages`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import Request, Response

from chitieu.catalog.messages import LANGUAGES, message

DEFAULT_LANGUAGE = "vi"
LANG_COOKIE = "chitieu_lang"
LANG_COOKIE_AGE = 365 * 24 * 3600

Translate = Callable[..., str]

#: Keys the dashboard's script needs (sent with the page, in its language).
CHART_KEYS = (
    "section_failed",
    "section_stale",
    "interval95",
    "ci95",
    "no_targets",
    "prob_met",
    "change_needed",
    "goal",
    "kpi_prob_target",
    "kpi_prob_note",
    "no_target_line",
    "band_smoothed",
    "band_projection",
    "projection",
    "observed_interval",
    "observed",
    "smoothed",
    "target_label",
    "srb_axis",
    "srb_short",
    "kpi_srb_detail",
    "kpi_provisional",
    "no_data",
    "all_births",
    "lbl_SRB_O1",
    "lbl_SRB_O2",
    "lbl_SRB_O3P",
    "lbl_SRB_O3_AFTER_2G",
    "births_n",
    "in_year",
    "pooled_years",
    "natural_level",
    "girls_axis",
    "flag_none",
    "flag_high",
    "flag_low",
    "limit95",
    "limit998",
    "centre",
    "births_axis",
    "ranking_note",
    "unit",
    "col_z",
    "col_p_excess",
    "col_excess_boys",
    "col_srb",
    "col_births",
    "col_inspected",
    "flag_high_short",
    "priority",
    "never",
    "show_all",
    "capacity_group",
    "coverage_group",
    "kpi_reporting_note",
    "month_short",
    "completeness",
    "timeliness",
    "cell_T",
    "late",
    "cell_D",
    "cell_missing",
    "cell_N",
)


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
