"""The report form's live checks in the browser: every number field the page draws is checked
as it is typed (the script finds the fields on the page, not in a list of its own)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("field", ["TOTAL", "ACT_COMM_SESSIONS", "ACT_INSPECTIONS", "F_O2"])
def test_a_bad_figure_is_named_while_typing(page, login, field: str) -> None:  # type: ignore[no-untyped-def]
    login(page, "entry.00070")
    page.goto(f"{page.base}/entry/00070/202001")
    page.fill(f"input[name={field}]", "3x")
    live = page.locator("#live-check")
    assert "3x" in live.inner_text()
    assert page.get_attribute(f"input[name={field}]", "aria-invalid") == "true"
    page.fill(f"input[name={field}]", "3")
    assert "3x" not in live.inner_text()
    assert page.console_errors == []
