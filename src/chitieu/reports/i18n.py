"""Words and number formats for the reports, Vietnamese first, English available. The words
are the message catalogue's (:mod:`chitieu.catalog.messages`)."""

from __future__ import annotations

import math

from chitieu.catalog.messages import message


def t(key: str, lang: str, **kwargs: object) -> str:
    """The text ``key`` of the message catalogue in ``lang``, formatted with ``kwargs``."""
    return message(key, lang, **kwargs)


def fmt_number(value: float | None, digits: int = 1, lang: str = "vi") -> str:
    """A number as the language writes it: ``114,4`` and ``1.234.567`` in Vietnamese,
    ``114.4`` and ``1,234,567`` in English; an en dash for a missing value."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if round(value, digits) == 0:
        value = 0  # a small negative value rounds to 0, not to "-0,0"
    text = f"{value:,.{digits}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def fmt_signed(value: float | None, digits: int = 2, lang: str = "vi") -> str:
    """A change with its sign (``+0,20``, ``−0,20``)."""
    if value is None:
        return "–"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return sign + fmt_number(abs(value), digits, lang)


def fmt_percent(p: float | None, lang: str = "vi") -> str:
    """A probability as a whole percentage (``0.834`` -> ``83%``)."""
    return "–" if p is None else f"{round(100 * p)}%"


def fmt_figure(x: float | None, lang: str) -> str:
    """A published figure with the decimals it was published with (at most two): 15, 34,5,
    95,15 — not 15,0 nor 95,2."""
    digits = next((d for d in (0, 1) if x is not None and round(x, d) == x), 2)
    return fmt_number(x, digits, lang)


def fmt_interval(lower: float | None, upper: float | None, digits: int, lang: str) -> str:
    if lower is None or upper is None:
        return ""
    return f"({fmt_number(lower, digits, lang)}–{fmt_number(upper, digits, lang)})"


def digits_for(indicator_kind: str, unit_label: str = "") -> int:
    """Decimals printed for an indicator: one for ratios, rates and percentages, none for counts
    of births."""
    return 0 if indicator_kind == "missing_births" else 1
