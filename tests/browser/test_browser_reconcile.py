"""The province's month page shows the communes whose birth records and monthly report
disagree (the web world's third commune, November 2025: its report a boy short), says which
source the figures use, and fits a phone's width."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_reconciliation_section_shows_the_disagreeing_commune(page, login, shot) -> None:  # type: ignore[no-untyped-def]
    login(page, "analyst.hanoi")
    page.goto(f"{page.base}/entry?unit=01&period=202511&lang=vi")
    section = page.locator("#births-reconciliation")
    assert section.is_visible()
    assert "Đối chiếu số sinh, tháng 11/2025" in section.inner_text()
    rows = section.locator("tbody tr")
    assert rows.count() == 1
    cells = [c.inner_text() for c in rows.nth(0).locator("td").all()]
    assert cells[3].startswith("+1 trai, +0 gái")  # records − report
    assert cells[4] == "bản ghi sinh"
    page.set_viewport_size(PHONE)
    page.wait_for_load_state("networkidle")
    shot(page, "entry-reconciliation")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{width} px wide at {PHONE['width']} px"
    assert not page.console_errors
