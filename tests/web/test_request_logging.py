"""Structured logs: every line written while a request is served carries its id, user and unit;
the response echoes the id; JSON lines parse; a failed sign-in is logged without the password."""

from __future__ import annotations

import json
import logging
import re

import pytest
from webworld import BA_DINH, HANOI, PASSWORD, form_token

from chitieu.logs import configure_logging

SANE_ID = "trace-7f3a.42"


@pytest.fixture
def log_format(request):  # type: ignore[no-untyped-def]
    """Logs configured as the server configures them, in the format the test asks for; the
    test runner's own logging is restored afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging(request.param, "INFO")
    yield request.param
    root.handlers[:] = handlers
    root.setLevel(level)


def _json_lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("log_format", ["json"], indirect=True)
def test_json_lines_carry_request_id_user_and_unit(site, log_format, capsys):
    client = site.signed_in("analyst.hanoi")
    capsys.readouterr()
    response = client.get(f"/api/units/{HANOI}", headers={"X-Request-ID": SANE_ID})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == SANE_ID

    lines = _json_lines(capsys.readouterr().err)
    access = [r for r in lines if r["message"] == "access"]
    assert len(access) == 1
    assert access[0] | {"duration_ms": None} == {
        **access[0],
        "level": "INFO",
        "logger": "chitieu.api.request_metrics",
        "request_id": SANE_ID,
        "user": "analyst.hanoi",
        "unit": HANOI,
        "method": "GET",
        "route": "/api/units/{code}",
        "status": 200,
        "duration_ms": None,
    }
    assert access[0]["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", access[0]["time"])


@pytest.mark.parametrize("log_format", ["json"], indirect=True)
def test_a_refusal_is_logged_with_its_reason_on_the_requests_line(site, log_format, capsys):
    client = site.signed_in("entry.00070")
    capsys.readouterr()
    response = client.get(f"/entry/{BA_DINH}/202511")
    assert response.status_code == 403
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # none was sent: a new one

    lines = [r for r in _json_lines(capsys.readouterr().err) if r["request_id"] == request_id]
    refused = [r for r in lines if r["message"] == "refused"]
    assert refused and refused[0]["level"] == "WARNING" and refused[0]["status"] == 403
    assert {(r["user"], r["unit"]) for r in lines} == {("entry.00070", "00070")}


@pytest.mark.parametrize("bad", ["two words", "x" * 65, "<script>", "a\tb"])
def test_an_insane_request_id_is_replaced(site, bad):
    response = site.client().get("/login", headers={"X-Request-ID": bad})
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


@pytest.mark.parametrize("log_format", ["text"], indirect=True)
def test_failed_sign_in_is_logged_without_the_password(site, log_format, capsys):
    client = site.client()
    token = form_token(client.get("/login").text)
    capsys.readouterr()
    wrong = PASSWORD + "-wrong-Zq9"
    response = client.post(
        "/login",
        data={"username": "analyst.hanoi", "password": wrong, "csrf_token": token},
        headers={"X-Request-ID": SANE_ID},
    )
    assert response.status_code == 401
    err = capsys.readouterr().err
    failed = [line for line in err.splitlines() if "sign-in failed" in line]
    assert len(failed) == 1
    assert f"WARNING chitieu.api.deps [{SANE_ID} None None] sign-in failed" in failed[0]
    assert "username=analyst.hanoi" in failed[0]
    assert wrong not in err
