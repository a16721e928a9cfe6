"""In a real browser: sign in, see the dashboard's charts drawn, submit a commune report and see
it counted, switch language. Screenshots in tests/artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from webworld import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHARTS = ("chart-trend", "chart-orders", "chart-missing", "chart-funnel", "chart-reporting")
HK = "00070"


def wait_loaded(pg) -> None:  # type: ignore[no-untyped-def]
    pg.wait_for_selector("#dashboard[data-loaded='1']", timeout=60_000)


def drawn_size(pg, chart_id: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Width and height of the chart's canvas (0, 0 if none was drawn)."""
    return pg.evaluate(
        """(id) => { const el = document.getElementById(id);
             const c = el && el.querySelector('canvas, svg');
             if (!c || el.dataset.drawn !== '1') return [0, 0];
             const r = c.getBoundingClientRect(); return [r.width, r.height]; }""",
        chart_id,
    )


def test_analyst_sees_every_chart_drawn_without_errors(page, login, shot):
    login(page, "analyst.hanoi")
    wait_loaded(page)
    for chart_id in CHARTS:
        width, height = drawn_size(page, chart_id)
        assert width > 200 and height > 150, chart_id
    assert page.locator("#kpi-srb [data-v]").inner_text() not in ("…", "–")
    assert page.locator("#sec-scorecard .target").count() >= 3
    assert page.locator("#sec-communes table.rank tbody tr").count() >= 10
    assert page.locator(".badge.synthetic").inner_text() == "Dữ liệu mô phỏng"
    assert page.evaluate("performance.getEntriesByName('chitieu:first-chart').length") == 1
    shot(page, "dashboard-hanoi-vi")
    assert page.console_errors == []


def test_numbers_do_not_wait_for_the_chart_library(page):
    """On a slow line the chart library takes a second to arrive: the scorecard's numbers must
    be on screen before it, and the charts drawn once it comes."""
    held = []
    page.route(re.compile(r"/echarts-[^/]*\.js"), lambda route: held.append(route))  # no answer yet
    page.goto(f"{page.base}/login")
    page.fill("input[name=username]", "analyst.hanoi")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")  # the page's load event waits for the held script
    page.wait_for_selector("#sec-scorecard .target", timeout=60_000)
    # held: the sign-in page's prefetch and the dashboard's own request
    assert held and page.evaluate("typeof window.echarts") == "undefined"
    assert page.locator("#sec-scorecard .target .figure b").first.inner_text() not in ("", "–")
    for route in held:
        route.continue_()
    page.wait_for_selector("#chart-trend[data-drawn='1']", timeout=60_000)
    assert drawn_size(page, "chart-trend")[0] > 200
    assert page.console_errors == []


def test_without_the_chart_library_the_numbers_stay_and_charts_say_so(page):
    page.route(re.compile(r"/echarts-[^/]*\.js"), lambda route: route.abort())
    page.goto(f"{page.base}/login")
    page.fill("input[name=username]", "analyst.hanoi")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    wait_loaded(page)
    assert page.locator("#sec-scorecard .target").count() >= 3
    assert page.locator("#sec-trend .alert.warn").count() == 1
    assert drawn_size(page, "chart-trend") == [0, 0]
    # the refused download and the page saying so; nothing thrown
    expected = ("Failed to load resource", "chart library not loaded")
    assert page.console_errors
    assert [e for e in page.console_errors if not e.startswith(expected)] == []


def test_commune_officer_submits_and_the_report_is_counted(page, login, shot):
    login(page, f"entry.{HK}")
    wait_loaded(page)
    assert drawn_size(page, "chart-trend")[0] > 200
    page.goto(f"{page.base}/entry/{HK}/202512")
    figures = {"M_O1": "30", "M_O2": "20", "M_O3P": "5", "F_O1": "28", "F_O2": "19"}
    figures.update({"F_O3P": "4", "ACT_COMM_SESSIONS": "2", "ACT_PEOPLE_REACHED": "150"})
    figures.update({"ACT_FACILITY_COMMITMENTS": "1", "ACT_INSPECTIONS": "0"})
    for name, value in figures.items():
        page.fill(f"input[name={name}]", value)
    page.fill("input[name=TOTAL]", "107")  # one too many: the page says so as one types
    assert "không bằng trai + gái" in page.locator("#live-check").inner_text()
    page.click("button[value=submit]")
    assert "không bằng trai + gái (55 + 51 = 106)" in page.locator("#errors").inner_text()
    shot(page, "entry-form-error")
    assert all("422" in e for e in page.console_errors)  # the refused post, as intended
    page.console_errors.clear()
    page.fill("input[name=TOTAL]", "106")
    assert "Tổng số khớp" in page.locator("#live-check").inner_text()
    page.click("button[value=submit]")
    page.wait_for_selector("#notice")
    assert page.locator("#report-status").inner_text() == "Đã gửi"
    shot(page, "entry-form-submitted")

    page.goto(f"{page.base}/dashboard?year=2025")
    wait_loaded(page)
    row = page.locator("#sec-reporting table.grid tr", has_text="Phường Hoàn Kiếm")
    december = row.locator("td").nth(11)
    assert "L" in december.get_attribute("class").split()  # sent, after the 10 January deadline
    assert page.console_errors == []


def test_language_switch_to_english_and_back(page, login, shot):
    login(page, "analyst.hanoi")
    page.click("a[hreflang=en]")
    wait_loaded(page)
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Plan targets" in page.locator("#sec-scorecard h2").inner_text()
    assert page.locator(".badge.synthetic").inner_text() == "Synthetic data"
    assert drawn_size(page, "chart-trend")[0] > 200
    shot(page, "dashboard-hanoi-en")
    page.goto(f"{page.base}/entry")
    assert "Monthly reports" in page.locator("h1").inner_text()  # the choice is remembered
    page.click("a[hreflang=vi]")
    assert "Báo cáo tháng" in page.locator("h1").inner_text()
    assert page.console_errors == []


def test_a_stale_section_says_when_its_figures_were_computed_in_vietnam_time(page, login):
    """The server marks a section served while it is rebuilt (``X-Chitieu-Stale``, computed at
    07:05 UTC): the page says its figures are of 14:05, Vietnam time (UTC+7); the others say
    nothing."""

    def stale(route):  # type: ignore[no-untyped-def]
        answer = route.fetch()
        marked = {"x-chitieu-stale": "1", "x-chitieu-computed-at": "2026-12-06T07:05:00Z"}
        route.fulfill(response=answer, headers={**answer.headers, **marked})

    page.route(re.compile(r"/api/dashboard/trend\?"), stale)
    login(page, "analyst.hanoi")
    wait_loaded(page)
    note = page.locator("#sec-trend .stale")
    assert note.count() == 1
    text = note.inner_text()
    assert text == "Số liệu tính lúc 14:05 ngày 06/12 (giờ Việt Nam), đang được cập nhật.", text
    assert page.locator(".stale").count() == 1
    assert page.console_errors == []
