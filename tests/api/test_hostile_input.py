"""Hostile or malformed requests get a 4xx with a clear message, never a 500, and nothing is
written: oversized bodies (refused before sign-in and parsing), NUL characters, page numbers
past any integer column, unknown notices; every response carries framing and content-security
headers; a refusal does not tell a user where a facility outside their unit lies."""

from __future__ import annotations

import pytest

NUL_VALUE = {"element": "POPULATION", "unit": "00070", "period": "2025", "value": 1}


def _error(r) -> str:  # type: ignore[no-untyped-def]
    return r.json()["error"]["message"]


def test_oversized_bodies_are_refused_before_sign_in_and_parsing(world) -> None:
    c = world.client
    big = b'{"username": "admin", "password": "' + b"x" * 100_000 + b'"}'
    r = c.post("/api/login", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    # no declared length: the streamed bytes are counted
    r = c.post(
        "/api/login",
        content=(b"x" * 8192 for _ in range(20)),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    before = world.snapshot()
    r = c.put(
        "/api/datavalues",
        content=b'{"comment": "' + b"y" * 3_000_000 + b'"}',
        headers={**world.as_("admin"), "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    r = c.post("/login", content=b"username=" + b"z" * 100_000)
    assert r.status_code == 413
    assert world.snapshot() == before
    # a DHIS2 import may be larger than an ordinary request
    payload = b'{"dataValues": [], "pad": "' + b" " * 3_000_000 + b'"}'
    r = c.post(
        "/api/dataValueSets?dryRun=true",
        content=payload,
        headers={**world.as_("admin"), "Content-Type": "application/json"},
    )
    assert r.status_code != 413


def test_nul_characters_are_400_not_500(world) -> None:
    c = world.client
    admin = world.as_("admin")
    before = world.snapshot()
    for path in (
        "/api/units?q=H%00N",
        "/api/units/0%0070",
        "/api/facilities?q=%00",
        "/api/datavalues?unit=00070&element=POP%00ULATION",
        "/dashboard?unit=01%00",
    ):
        r = c.get(path, headers=admin)
        assert r.status_code == 400, (path, r.status_code, r.text[:200])
        assert "NUL" in r.text
    r = c.put("/api/datavalues", json={**NUL_VALUE, "comment": "a\u0000b"}, headers=admin)
    assert r.status_code in (400, 422), r.text
    assert "NUL" in r.text
    r = c.post("/api/login", json={"username": "admin\u0000", "password": "x"})
    assert r.status_code in (400, 401, 422)
    assert world.snapshot() == before


@pytest.mark.parametrize("page", ["99999999999999999999", "9223372036854775808", "10000000"])
def test_a_huge_page_number_is_a_clear_4xx(world, page: str) -> None:
    r = world.client.get(f"/api/facilities?page={page}", headers=world.as_("admin"))
    assert r.status_code == 422, r.text
    assert "page" in r.text


def test_an_unknown_notice_on_the_report_form_is_a_clear_4xx(world) -> None:
    r = world.client.get("/entry/00070/202610?done=x", headers=world.as_("entry"))
    assert 400 <= r.status_code < 500, r.text[:300]
    assert "done" in r.text
    ok = world.client.get("/entry/00070/202610?done=saved", headers=world.as_("entry"))
    assert ok.status_code == 200


@pytest.mark.parametrize("path", ["/login", "/api/units", "/api/login", "/static/app.css", "/nope"])
def test_security_headers_on_every_response(world, path: str) -> None:
    r = world.client.get(path, headers=world.as_("admin"))
    h = r.headers
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    csp = h["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "object-src 'none'" in csp and "'unsafe-eval'" not in csp


def test_a_refusal_does_not_say_where_a_facility_lies(world) -> None:
    """entry.00070 asks for the Ba Dinh hospital (commune 00004): refused, without the code."""
    r = world.client.get("/api/facilities/F_BD", headers=world.as_("entry"))
    assert r.status_code == 403
    assert "00004" not in r.text and "Ba Đình" not in r.text
    r = world.client.post(
        "/api/inspections",
        json={"facility_code": "F_HP", "inspected_on": "2026-01-05"},
        headers=world.as_("analyst"),
    )
    assert r.status_code == 403 and "10510" not in r.text
