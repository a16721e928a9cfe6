"""Every text the pages use exists in Vietnamese and English; the province's report list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chitieu.web.i18n import message, messages_for
from chitieu.web.messages import CHART_KEYS, MESSAGES

WEB = Path(__file__).resolve().parents[2] / "src" / "chitieu" / "web"
VIETNAMESE_LETTERS = re.compile(
    r"[àáãạảăắằẳẵặâấầẩẫậđèéẹẻẽêếềểễệìíĩỉịòóõọỏôốồổỗộơớờởỡợùúũụủưứừửữựỳýỵỷỹ]", re.I
)


def test_every_message_has_two_non_empty_languages_and_vietnamese_has_diacritics():
    for key, (vi, en) in MESSAGES.items():
        assert vi.strip() and en.strip(), key
        if len(re.findall(r"[^\W\d_]+", vi)) >= 3:  # any phrase of three words or more
            assert VIETNAMESE_LETTERS.search(vi), f"{key}: {vi!r} has no diacritics"


def test_templates_and_scripts_use_only_known_keys():
    used = set()
    for template in (WEB / "templates").glob("*.html"):
        used |= set(re.findall(r'\bt\("([a-z0-9_]+)"', template.read_text()))
    prefixes = {k for k in used if k.endswith("_")}  # t("role_" ~ user.role) and the like
    assert used - prefixes <= set(MESSAGES), used - prefixes - set(MESSAGES)
    assert all(any(m.startswith(p) for m in MESSAGES) for p in prefixes)
    script = (WEB / "static" / "dashboard.js").read_text()
    in_js = {k for k in re.findall(r'\bt\("([a-z0-9_]+)"', script) if not k.endswith("_")}
    assert in_js and in_js <= set(CHART_KEYS), in_js - set(CHART_KEYS)
    assert set(CHART_KEYS) <= set(MESSAGES)


def test_message_fills_fields_and_unknown_keys_fail():
    assert message("kpi_srb", "vi", year=2025) == "Tỷ số giới tính khi sinh năm 2025"
    assert message("kpi_srb", "en", year=2025) == "Sex ratio at birth, 2025"
    assert messages_for("en", ["goal"]) == {"goal": "Target"}
    with pytest.raises(KeyError):
        message("no_such_key", "vi")


def test_province_sees_its_communes_reports_for_a_month(site):
    page = site.signed_in("analyst.hanoi").get("/entry?period=202511")
    assert page.status_code == 200
    assert "Báo cáo tháng — Thành phố Hà Nội" in page.text
    assert "Phường Hoàn Kiếm" in page.text
    sent = re.search(r"(\d+)/126 xã, phường đã gửi", page.text)
    assert sent and 0 < int(sent.group(1)) < 126
    assert site.signed_in("analyst.hanoi").get("/entry?period=203001").status_code == 422
