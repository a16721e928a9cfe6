"""Every web page obeys the same unit scope as the API and the reports: an analyst of Hai
Phong gets no Hanoi figure, plan report or commune on any page, whatever the parameters say;
the pages are walked from the access matrix (``docs/access.md``) as the route test does.

A Hanoi page is recognised by what only Hanoi has here: its communes' names, its plan's code
and title, and its report's download link."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from webworld import PASSWORD

from chitieu.auth.passwords import hash_password
from chitieu.auth.users import create_user
from chitieu.store.db import make_engine
from chitieu.store.migrate import upgrade
from chitieu.store.models import Unit
from conftest import make_site

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from test_access_routes import documented

HP_ANALYST = "analyst.haiphong"
HN_PLAN = "HN-SRB-2026-2030"
#: Hanoi values for each path parameter and the query parameters pages take.
HANOI_PARAMS = {"code": HN_PLAN, "unit": "00070", "period": "202510"}
HANOI_QUERIES = ["", "?unit=01", "?unit=00070", "?unit=01&year=2025", "?plan=" + HN_PLAN]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('scope') / 'chitieu.db'}")
    upgrade(engine)
    s = make_site(engine, hash_password(PASSWORD))
    with engine.begin() as conn:
        create_user(
            conn,
            HP_ANALYST,
            role="analyst",
            unit_code="31",
            password_hash=hash_password(PASSWORD),
        )
    yield s
    engine.dispose()


def _hanoi_marks(site) -> list[str]:  # type: ignore[no-untyped-def]
    """Texts that only a Hanoi page shows: a few ward names and the plan's title (not its code,
    which a page's own links repeat from the query)."""
    with site.engine.connect() as conn:
        wards = list(
            conn.scalars(
                select(Unit.name).where(Unit.parent_code == "01").order_by(Unit.code).limit(20)
            )
        )
    return [*wards, "Kiểm soát mất cân bằng giới tính khi sinh trên địa bàn thành phố Hà Nội"]


def _page_paths() -> list[str]:
    pages = sorted(
        path
        for (method, path), cls in documented().items()
        if method == "GET" and not path.startswith("/api") and cls in ("read", "export")
    )
    assert "/dashboard" in pages and "/plans/{code}" in pages
    paths = [re.sub(r"\{(\w+)\}", lambda m: HANOI_PARAMS[m.group(1)], p) for p in pages]
    # the national plan is visible to every province: its page must still show only theirs
    return [*paths, "/plans/VN-SRB-2025"]


def test_no_page_shows_hanoi_to_a_hai_phong_analyst(site) -> None:
    client = site.signed_in(HP_ANALYST)
    marks = _hanoi_marks(site)
    leaks = []
    for path in _page_paths():
        for query in HANOI_QUERIES:
            r = client.get(path + query, follow_redirects=True)
            if r.status_code >= 500:
                leaks.append(f"{path}{query}: {r.status_code}")
                continue
            if r.status_code in (403, 404, 422):
                continue
            shown = [m for m in marks if m in r.text]
            if shown or f"/api/reports/{HN_PLAN}" in r.text:
                leaks.append(f"{path}{query}: {r.status_code} shows {shown[:3]}")
    assert not leaks, "\n".join(leaks)


def test_the_page_json_sections_refuse_hanoi(site) -> None:
    client = site.signed_in(HP_ANALYST)
    for section in ("signatures", "trend", "communes", "reporting", "scorecard", "map"):
        r = client.get(f"/api/dashboard/{section}?unit=01&year=2025")
        assert r.status_code in (403, 404), (section, r.status_code)


def test_hanoi_analyst_still_sees_hanoi(site) -> None:
    """The same walk for Hanoi's analyst finds Hanoi: the marks are real."""
    client = site.signed_in("analyst.hanoi")
    marks = _hanoi_marks(site)
    r = client.get(f"/plans/{HN_PLAN}")
    assert r.status_code == 200 and HN_PLAN in r.text
    r = client.get("/entry?period=202510")
    assert any(m in r.text for m in marks)


def test_no_page_shows_a_sibling_ward_to_a_ward_officer(site) -> None:
    """The same walk one level down: Hoàn Kiếm's officer asks for Ba Đình (00004) and the city."""
    client = site.signed_in("entry.00070")
    leaks = []
    for path in [*_page_paths(), "/entry/00004/202510"]:
        for query in ["", "?unit=00004", "?unit=01", "?unit=00004&year=2025"]:
            r = client.get(path + query, follow_redirects=True)
            if r.status_code >= 500:
                leaks.append(f"{path}{query}: {r.status_code}")
            elif r.status_code == 200 and "Phường Ba Đình" in r.text:
                leaks.append(f"{path}{query}: shows Phường Ba Đình")
    assert not leaks, "\n".join(leaks)
