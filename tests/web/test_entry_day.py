"""The entry officer's day: a saved draft comes back with everything typed (the total too),
so submitting it as shown works; the breadcrumb leads nowhere the officer may not go; and a
refusal speaks the page's language only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from webworld import form_token

from chitieu.store.models import DataValue

PERIOD = "202512"
REPORT = {
    "M_O1": "30",
    "M_O2": "20",
    "M_O3P": "5",
    "F_O1": "28",
    "F_O2": "19",
    "F_O3P": "4",
    "TOTAL": "106",
    "ACT_COMM_SESSIONS": "2",
    "ACT_PEOPLE_REACHED": "150",
    "ACT_FACILITY_COMMITMENTS": "1",
    "ACT_INSPECTIONS": "0",
}
_INPUT = re.compile(r"<input[^>]*\bname=\"([A-Z_0-9]+)\"[^>]*>")
_VALUE = re.compile(r"\bvalue=\"([^\"]*)\"")


def shown_fields(html: str) -> dict[str, str]:
    """The figure inputs of a form page with the values it shows (what a browser would post)."""
    out = {}
    for match in _INPUT.finditer(html):
        value = _VALUE.search(match.group(0))
        out[match.group(1)] = value.group(1) if value else ""
    return out


@pytest.mark.parametrize("commune", ["00070", "00004"])
def test_a_saved_draft_can_be_submitted_as_shown(fresh_site, commune: str) -> None:
    client = fresh_site.signed_in(f"entry.{commune}")
    url = f"/entry/{commune}/{PERIOD}"
    page = client.get(url)
    r = client.post(
        url,
        data={**REPORT, "action": "save", "csrf_token": form_token(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:500]
    page = client.get(url)
    shown = shown_fields(page.text)
    assert shown["TOTAL"] == "106"  # the re-typed total is kept with the draft
    r = client.post(
        url,
        data={**shown, "action": "submit", "csrf_token": form_token(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:2000]
    with fresh_site.engine.connect() as conn:
        states = set(
            conn.scalars(
                select(DataValue.status).where(
                    DataValue.unit_code == commune, DataValue.period == PERIOD
                )
            )
        )
    assert states == {"submitted"}


def test_an_incomplete_draft_keeps_no_invented_total(fresh_site) -> None:
    client = fresh_site.signed_in("entry.00070")
    url = f"/entry/00070/{PERIOD}"
    page = client.get(url)
    draft = {"M_O1": "3", "TOTAL": "", "csrf_token": form_token(page.text), "action": "save"}
    assert client.post(url, data=draft, follow_redirects=False).status_code == 303
    assert shown_fields(client.get(url).text)["TOTAL"] == ""


def test_the_officers_breadcrumb_leads_nowhere_forbidden(fresh_site) -> None:
    client = fresh_site.signed_in("entry.00070")
    for path in (f"/entry/00070/{PERIOD}", "/dashboard?unit=00070", "/entry"):
        page = client.get(path)
        assert page.status_code == 200, path
        for href in set(re.findall(r'href="(/[^"]*)"', page.text)):
            href = href.replace("&amp;", "&")
            if href.startswith(("/static", "/logout")):
                continue
            r = client.get(href, follow_redirects=True)
            assert r.status_code != 403, (path, href)


def test_a_refusal_on_a_page_is_in_one_language(fresh_site) -> None:
    client = fresh_site.signed_in("entry.00070")
    vi = client.get("/dashboard?unit=01&lang=vi")
    assert vi.status_code == 403
    assert "ngoài phạm vi" in vi.text and "outside" not in vi.text
    en = client.get("/dashboard?unit=01&lang=en")
    assert en.status_code == 403
    assert "outside your unit" in en.text and "ngoài phạm vi" not in en.text


def test_times_are_shown_in_vietnam_time() -> None:
    from datetime import UTC, datetime

    from chitieu.catalog.clock import format_vietnam_time

    late_evening_utc = datetime(2026, 1, 10, 18, 30)  # naive from the database: UTC
    assert format_vietnam_time(late_evening_utc) == "11/01/2026 01:30"
    assert format_vietnam_time(late_evening_utc, with_time=False) == "11/01/2026"
    assert format_vietnam_time(datetime(2026, 1, 10, 18, 30, tzinfo=UTC)) == "11/01/2026 01:30"


def test_the_submission_time_on_the_form_is_vietnam_time(fresh_site) -> None:
    from datetime import UTC, datetime, timedelta

    client = fresh_site.signed_in("entry.00070")
    url = f"/entry/00070/{PERIOD}"
    page = client.get(url)
    data = {**REPORT, "action": "submit", "csrf_token": form_token(page.text)}
    assert client.post(url, data=data, follow_redirects=False).status_code == 303
    text = client.get(url).text
    shown = re.search(r"(\d\d/\d\d/\d{4} \d\d:\d\d)", text)
    assert shown is not None and " UTC" not in text
    at = datetime.strptime(shown.group(1), "%d/%m/%Y %H:%M")
    vietnam_now = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=7)
    assert abs(at - vietnam_now) < timedelta(minutes=3)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_plan_and_scorecard_pages_show_names_not_codes_or_notes(site, lang: str) -> None:
    client = site.signed_in("analyst.hanoi")
    for path in ("/scorecard", "/plans/HN-SRB-2026-2030"):
        page = client.get(f"{path}?lang={lang}")
        assert page.status_code == 200
        visible = re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", page.text, flags=re.S))
        for internal in ("SRB_ANNUAL_FALL", "SRB_AT_MOST", "placeholder:", "seed 0", "VNA health"):
            assert internal not in visible, (path, internal)


def test_an_officer_trying_to_reopen_is_refused_in_the_page_language(fresh_site) -> None:
    client = fresh_site.signed_in("entry.00070")
    url = f"/entry/00070/{PERIOD}?lang=vi"
    page = client.get(url)
    r = client.post(url, data={"action": "reopen", "csrf_token": form_token(page.text)})
    assert r.status_code == 403
    assert "Chỉ tỉnh, thành phố" in r.text and "only the province" not in r.text
