"""Every key the pages and the dashboard's script use is in the catalogue; the province's report
list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chitieu.catalog.messages import catalogue
from chitieu.web.i18n import CHART_KEYS, message, messages_for

WEB = Path(__file__).resolve().parents[2] / "src" / "chitieu" / "web"


def test_templates_and_scripts_use_only_known_keys():
    messages = catalogue()
    used = set()
    for template in (WEB / "templates").rglob("*.html"):
        used |= set(re.findall(r'\bt\("([a-z0-9_]+)"', template.read_text()))
    prefixes = {k for k in used if k.endswith("_")}  # t("role_" ~ user.role) and the like
    assert used - prefixes <= set(messages), used - prefixes - set(messages)
    assert all(any(m.startswith(p) for m in messages) for p in prefixes)
    script = (WEB / "static" / "dashboard.js").read_text()
    in_js = {k for k in re.findall(r'\bt\("([a-z0-9_]+)"', script) if not k.endswith("_")}
    assert in_js and in_js <= set(CHART_KEYS), in_js - set(CHART_KEYS)
    assert set(CHART_KEYS) <= set(messages)


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
