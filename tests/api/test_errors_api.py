"""Errors are JSON with a code, a message and details, and never a 500; the app serves its
OpenAPI description and, without the web pages, a plain page of units and figures."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from chitieu.api.routes import home
from chitieu.store.db import session_factory


def test_error_shapes(world) -> None:
    c = world.client
    cases = [
        (c.get("/api/nowhere", headers=world.as_("admin")), 404, "not_found"),
        (c.patch("/api/datavalues", headers=world.as_("admin")), 405, "method_not_allowed"),
        (c.get("/api/datavalues?page=0", headers=world.as_("admin")), 422, "validation"),
        (c.get("/api/datavalues?page_size=5000", headers=world.as_("admin")), 422, "validation"),
        (c.get("/api/datavalues?children=maybe", headers=world.as_("admin")), 422, "validation"),
        (c.get("/api/datavalues?unit=99999", headers=world.as_("admin")), 404, "not_found"),
        (c.get("/api/units/XX"), 401, "unauthenticated"),
    ]
    for r, status, code in cases:
        assert r.status_code == status, r.request.url
        error = r.json()["error"]
        assert error["code"] == code and isinstance(error["message"], str) and error["message"]
        assert "details" in error
    details = cases[2][0].json()["error"]["details"]
    assert details[0]["loc"] == ["query", "page"]


def test_openapi_and_docs(world) -> None:
    spec = world.client.get("/openapi.json").json()
    for path in (
        "/api/units",
        "/api/datavalues",
        "/api/births/aggregates",
        "/api/indicators/{code}",
        "/api/targets",
        "/api/plans/{code}/tasks",
        "/api/inspections",
        "/api/audit",
        "/api/dataValueSets",
        "/api/login",
    ):
        assert path in spec["paths"], path
    assert world.client.get("/docs").status_code == 200


def test_plain_home_page(world) -> None:
    """The page ``create_app`` serves at ``/`` when the web app's pages are not installed
    (mounted here on its own, since they are)."""
    app = FastAPI()
    app.state.sessions = session_factory(world.engine)
    app.include_router(home.router)
    r = TestClient(app).get("/?province=31")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "Thành phố Hà Nội" in r.text and "Thành phố Hải Phòng" in r.text
    assert "(communes: 114)" in r.text and "Phường Thành Đông" in r.text
    assert "Tỷ số giới tính khi sinh" in r.text
