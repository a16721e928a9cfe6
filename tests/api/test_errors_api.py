"""Errors are JSON with a code, a message and details, and never a 500; the app serves its
OpenAPI description and, without the web pages, a plain page of units and figures."""

from __future__ import annotations


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
