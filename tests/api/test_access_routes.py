"""Every route of the application is classified in ``docs/access.md`` and obeys its class.

The classification is read from the document, not written again here: a route added to the
app and not to the document fails, as does a route the document lists that is gone. Then
every route is called without signing in (refused unless public), and the role classes are
checked with the role just below them (refused).
"""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"
ROW = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE) ([^`]+)` \| (\w+) \|$")
CLASSES = {
    "public",
    "self",
    "read",
    "export",
    "write",
    "status",
    "body",
    "inspect",
    "admin",
    "national",
}
#: FastAPI's own documentation pages: public by design, not the application's routes.
FRAMEWORK = {"/docs", "/docs/oauth2-redirect", "/openapi.json", "/redoc"}
SAMPLE = {
    "code": "01",
    "unit": "00070",
    "period": "202501",
    "plan": "HN-SRB-2026-2030",
    "scorecard": "VN-2025",
    "year": "2025",
    "ext": "json",
    "job_id": "x",
    "ident": "x",
    "uid": "x",
    "section": "x",
}


def documented() -> dict[tuple[str, str], str]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if match:
            method, path, cls = match.groups()
            assert (method, path) not in rows, f"{method} {path} classified twice"
            rows[(method, path)] = cls
    return rows


def _walk(routes, prefix: str = ""):  # type: ignore[no-untyped-def]
    """(method, path) of every route, through included routers."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            extra = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            yield from _walk(inner.routes, prefix + extra)
            continue
        methods = getattr(route, "methods", None) or set()
        for method in methods - {"HEAD", "OPTIONS"}:
            yield method, prefix + route.path


def app_routes(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    found = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    found |= set(_walk(app.routes))
    return {(m, p) for m, p in found if p not in FRAMEWORK}


def test_every_route_is_classified_in_the_access_matrix(world) -> None:
    rows = documented()
    assert rows and set(rows.values()) <= CLASSES, set(rows.values()) - CLASSES
    routes = app_routes(world.client.app)
    missing = sorted(routes - set(rows))
    stale = sorted(set(rows) - routes)
    assert not missing, f"routes not classified in docs/access.md: {missing}"
    assert not stale, f"docs/access.md lists routes the app does not have: {stale}"


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], path)


def test_every_route_refuses_a_stranger_unless_public(world) -> None:
    wrong = []
    for (method, path), cls in sorted(documented().items()):
        if cls == "public":
            continue
        body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
        got = world.client.request(method, _url(path), follow_redirects=False, **body)
        to_login = got.status_code in (302, 303, 307) and "/login" in got.headers["location"]
        if not (got.status_code == 401 or to_login or (cls != "read" and got.status_code == 403)):
            wrong.append(f"{method} {path} ({cls}): {got.status_code}")
    assert not wrong, "\n".join(wrong)


#: The role just short of each restricted class, which must be refused (403).
SHORT_OF = {"national": "admin_hanoi", "admin": "analyst", "inspect": "entry"}


def test_restricted_classes_refuse_the_role_just_below(world) -> None:
    wrong = []
    for (method, path), cls in sorted(documented().items()):
        who = SHORT_OF.get(cls)
        if who is None or not path.startswith("/api/"):
            continue
        body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
        got = world.client.request(method, _url(path), headers=world.as_(who), **body)
        if got.status_code != 403:
            wrong.append(f"{who} {method} {path} ({cls}): {got.status_code}")
    assert not wrong, "\n".join(wrong)
