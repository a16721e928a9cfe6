"""At a phone's width (390 CSS pixels) the pages an officer and an analyst use fit the screen:
nothing spills sideways (the document is no wider than the window)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("entry.00070", "/entry/00070/202512"),
        ("entry.00070", "/dashboard"),
        ("analyst.hanoi", "/plans/HN-SRB-2026-2030"),
        ("analyst.hanoi", "/plans"),
        ("analyst.hanoi", "/scorecard"),
        ("analyst.hanoi", "/entry?unit=01"),
        ("analyst.hanoi", "/map"),
        ("admin", "/map?unit=VN"),
    ],
)
def test_pages_fit_a_phone(page, login, shot, username: str, path: str) -> None:  # type: ignore[no-untyped-def]
    login(page, username)
    page.set_viewport_size(PHONE)
    page.goto(f"{page.base}{path}")
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    shot(page, f"narrow-{path.strip('/').replace('/', '-').replace('?', '-')}")
    assert width <= PHONE["width"], f"{path}: {width} px wide at {PHONE['width']} px"
