"""One number formatter for the pages and the reports, in both languages."""

from __future__ import annotations

import pytest

from chitieu.reports.i18n import fmt_interval, fmt_number
from chitieu.web.templating import format_number


@pytest.mark.parametrize(
    ("value", "digits", "vi", "en"),
    [
        (1234567, 0, "1.234.567", "1,234,567"),
        (114.44, 1, "114,4", "114.4"),
        (-2.25, 1, "-2,2", "-2.2"),
        (-0.04, 1, "0,0", "0.0"),
        (-0.4, 0, "0", "0"),
        (-0.0, 2, "0,00", "0.00"),
        (None, 1, "–", "–"),
        (float("nan"), 1, "–", "–"),
    ],
)
def test_numbers_in_each_language(value, digits, vi, en):
    assert fmt_number(value, digits, "vi") == vi
    assert fmt_number(value, digits, "en") == en


def test_an_interval_round_zero_has_no_minus_sign():
    assert fmt_interval(-0.04, 0.31, 1, "vi") == "(0,0–0,3)"
    assert fmt_interval(-0.26, -0.04, 1, "en") == "(-0.3–0.0)"
    assert fmt_interval(None, 1.0, 1, "vi") == ""


def test_the_pages_filter_is_the_reports_formatter_whole_by_default():
    assert format_number(12345.6) == "12.346"
    assert format_number(12345.6, 1, "en") == fmt_number(12345.6, 1, "en") == "12,345.6"
    assert format_number(None) == "–"
