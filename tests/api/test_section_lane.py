"""The dashboard sections' lane (:mod:`chitieu.web.section_lane`): it takes a request only once
the full route has checked, in this worker, what the request needs (the user's credential and
account, the unit), answers it as the full route does (status, body, headers, a stale
answer's headers), and leaves every other request to the full route: a signed-out token, a
unit outside the user's, an unknown unit or section, a parameter the route refuses. Also: a
reading request's session that only read is closed without a commit, one that wrote is
committed; the country's sections built at a worker's start are answered from its cache."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text
from starlette.routing import Match

from chitieu.api.db import reads_engine_of
from chitieu.app import create_app
from chitieu.store.db import only_read
from chitieu.store.models import RevokedCredential, Unit
from chitieu.web.pages.dashboard import warm_country
from chitieu.web.section_lane import SectionLane, SharedStamps, _Read

SECTION = "/api/dashboard/reporting"
QUERY = "unit=01&year=2024&lang=vi"
#: Headers that differ between two answers of the same content built apart (the time, the
#: request, the nonce; a section's ETag hashes its JSON, which says when it was computed, and
#: so does its compressed length).
VOLATILE = {
    "content-length",
    "date",
    "x-request-id",
    "content-security-policy",
    "age",
    "x-chitieu-computed-at",
    "etag",
}


def _lane(app: FastAPI) -> SectionLane:
    (lane,) = [r for r in app.router.routes if isinstance(r, SectionLane)]
    return lane


def _taken(app: FastAPI, query: str, headers: dict[str, str], path: str = SECTION) -> bool:
    """True if the lane takes ``GET path?query`` with ``headers`` (nothing is served)."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "app": app,
    }
    match, _ = _lane(app).matches(scope)
    return match == Match.FULL


def _without_lane(app: FastAPI) -> FastAPI:
    """Another app (worker) on the same database and settings, without the lane."""
    other = create_app(settings=app.state.settings, engine=app.state.engine)
    other.router.routes.remove(_lane(other))
    return other


def _comparable(r: Any) -> tuple[int, Any, dict[str, str]]:
    body = r.json()
    if isinstance(body, dict):
        body.pop("computed_at", None)
    headers = {k: v for k, v in r.headers.items() if k not in VOLATILE}
    if "x-chitieu-computed-at" in r.headers:  # said in both places, the same
        assert r.headers["x-chitieu-computed-at"] == r.json()["computed_at"]
    return r.status_code, body, headers


def test_the_lane_takes_a_request_once_the_full_route_has_checked_it(world) -> None:
    app, admin = world.client.app, world.as_("admin")
    url = f"{SECTION}?{QUERY}"
    assert not _taken(app, QUERY, admin)  # account not yet held, unit not yet read
    first = world.client.get(url, headers=admin)
    assert first.status_code == 200, first.text
    assert _taken(app, QUERY, admin)
    by_lane = world.client.get(url, headers=admin)
    with TestClient(_without_lane(app)) as full:
        for _ in range(2):  # the second one from its cache, as the lane's
            by_route = full.get(url, headers=admin)
    assert _comparable(by_lane) == _comparable(by_route) == _comparable(first)
    assert by_lane.headers["etag"] == first.headers["etag"]
    # the client's copy is current: 304, as from the full route
    again = world.client.get(url, headers={**admin, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == first.headers["etag"]


@pytest.mark.parametrize(
    ("who", "path", "query", "status"),
    [
        ("analyst", SECTION, "unit=31&year=2024&lang=vi", 403),  # Hai Phong: outside Hanoi
        ("analyst", SECTION, "unit=NOPE&year=2024&lang=vi", 404),
        ("analyst", "/api/dashboard/nope", QUERY, 404),
        ("analyst", SECTION, "unit=01&year=1989&lang=vi", 422),
        ("analyst", SECTION, "unit=01&year=20x4&lang=vi", 422),
        ("analyst", SECTION, "unit=01&year=2024&lang=fr", 422),
        ("analyst", SECTION, "unit=01234567890123456&year=2024", 422),  # 17 characters
        ("analyst", SECTION, "unit=01&unit=31&year=2024&lang=vi", 403),  # the last one counts
        ("analyst", SECTION, "unit=01&year=2024&lang=vi&extra=1", 200),  # ignored by the route
        ("analyst", SECTION, "unit=&year=2024&lang=vi", 200),  # empty: the user's own unit
        (None, SECTION, QUERY, 401),
    ],
)
def test_what_the_lane_does_not_take_the_full_route_answers(
    world, who: str | None, path: str, query: str, status: int
) -> None:
    app, analyst = world.client.app, world.as_("analyst")
    for unit in ("01", "31"):  # the analyst's account held; both units read by this worker
        r = world.client.get(f"{SECTION}?unit={unit}&year=2024", headers=world.as_("admin"))
        assert r.status_code == 200, r.text
    assert world.client.get(f"{SECTION}?{QUERY}", headers=analyst).status_code == 200
    assert _taken(app, QUERY, analyst)
    headers = world.as_(who)
    assert not _taken(app, query, headers, path)
    r = world.client.get(f"{path}?{query}", headers=headers)
    assert r.status_code == status, r.text
    with TestClient(_without_lane(app)) as full:
        assert _comparable(full.get(f"{path}?{query}", headers=headers)) == _comparable(r)


def test_basic_credentials_go_to_the_full_route(world) -> None:
    app = world.client.app
    basic = {"Authorization": "Basic YWRtaW46bm9wZQ=="}  # admin:nope
    assert world.client.get(f"{SECTION}?{QUERY}", headers=world.as_("admin")).status_code == 200
    assert not _taken(app, QUERY, basic)
    assert world.client.get(f"{SECTION}?{QUERY}", headers=basic).status_code == 401


def test_a_signed_out_token_is_refused_at_once(world) -> None:
    app, admin = world.client.app, world.as_("admin")
    url = f"{SECTION}?{QUERY}"
    for _ in range(2):
        assert world.client.get(url, headers=admin).status_code == 200
    assert _taken(app, QUERY, admin)
    assert world.client.delete("/api/session", headers=admin).status_code == 200
    assert not _taken(app, QUERY, admin)
    r = world.client.get(url, headers=admin)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated", r.text


def test_a_sign_out_reaches_another_worker_within_its_memory(world) -> None:
    """The other worker took the token through its lane a moment before the sign-out; it
    refuses it once its memory of the check (here 0.3 s) is over, as its full route does."""
    admin, url = world.as_("admin"), f"{SECTION}?{QUERY}"
    other_app = create_app(settings=world.client.app.state.settings, engine=world.engine)
    with TestClient(other_app) as other:
        other_app.state.auth.unrevoked.ttl = 0.3
        for _ in range(2):
            assert other.get(url, headers=admin).status_code == 200
        assert _taken(other_app, QUERY, admin)
        assert world.client.delete("/api/session", headers=admin).status_code == 200
        time.sleep(0.35)
        assert not _taken(other_app, QUERY, admin)
        r = other.get(url, headers=admin)
        assert r.status_code == 401, r.text


def _write(world, period: str, value: int) -> None:  # type: ignore[no-untyped-def]
    body = {
        "element": "LIVE_BIRTHS",
        "unit": "00070",
        "period": period,
        "disaggregation": "M_O1",
        "value": value,
    }
    r = world.client.put("/api/datavalues?confirm=true", json=body, headers=world.as_("entry"))
    assert r.status_code in (200, 201), r.text


def test_a_stale_answer_from_the_lane_says_so(world) -> None:
    """A national user's section of Hanoi: the first change after a quiet spell is waited
    for, the next one is served stale, through the lane, with its headers; the province's own
    user gets the current answer, through the lane too."""
    app, admin, analyst = world.client.app, world.as_("admin"), world.as_("analyst")
    query = "unit=01&year=2026&lang=vi"
    url = f"{SECTION}?{query}"
    for who in (admin, analyst):
        for _ in range(2):
            assert world.client.get(url, headers=who).status_code == 200
    _write(world, "202603", 12)
    waited = world.client.get(url, headers=admin)
    assert "x-chitieu-stale" not in waited.headers
    _write(world, "202604", 5)
    assert _taken(app, query, admin) and _taken(app, query, analyst)
    lagging = world.client.get(url, headers=admin)
    assert lagging.headers["x-chitieu-stale"] == "1"
    assert lagging.json()["computed_at"] == lagging.headers["x-chitieu-computed-at"]
    assert lagging.json()["computed_at"] == waited.json()["computed_at"]
    assert int(lagging.headers["age"]) >= 0 and lagging.headers["etag"] == waited.headers["etag"]
    fresh = world.client.get(url, headers=analyst)
    assert "x-chitieu-stale" not in fresh.headers
    assert fresh.json()["computed_at"] >= waited.json()["computed_at"]


def test_a_reading_session_that_wrote_is_committed(world) -> None:
    """:func:`chitieu.store.db.only_read`: True only while a reading session has run plain
    SELECTs (PostgreSQL); a write, or an object to flush, makes it False (then committed)."""
    state = world.client.app.state
    row = {"username": "admin", "expires_at": time.time() + 60}
    postgres = world.engine.dialect.name == "postgresql"
    with state.sessions(bind=reads_engine_of(state)) as db:
        assert only_read(db)  # nothing ran
        db.scalar(select(Unit.code).limit(1))
        assert only_read(db) is postgres  # SQLite: always committed
        db.execute(insert(RevokedCredential).values(id="w1", **row))
        assert not only_read(db)
        db.commit()
    with state.sessions(bind=reads_engine_of(state)) as db:
        db.scalar(select(Unit.code).limit(1))
        db.add(RevokedCredential(id="w2", **row))
        assert not only_read(db)
        db.commit()
    assert world.scalar("SELECT count(*) FROM revoked_credentials") == 2
    with world.engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1


def test_the_country_built_at_start_is_answered_from_the_cache(world) -> None:
    """After :func:`warm_country`, a national section of the headline year is encoded from the
    kept section (one miss: the encoded body), not built (three: body, section, evaluations)."""
    app, admin = world.client.app, world.as_("admin")
    assert warm_country(app.state) == ["scorecard", "trend", "signatures", "communes",
                                       "capacity", "reporting"]  # fmt: skip
    cache = app.state.dashboard_cache
    for name in ("reporting", "scorecard"):
        before = cache.misses
        r = world.client.get(f"/api/dashboard/{name}?unit=VN&lang=vi", headers=admin)
        assert r.status_code == 200, r.text
        assert cache.misses - before == 1
    built_fresh = _without_lane(app)
    with TestClient(built_fresh) as full:
        r2 = full.get("/api/dashboard/scorecard?unit=VN&lang=vi", headers=admin)
    assert _comparable(r2)[1] == _comparable(r)[1]


def test_a_province_user_reads_their_write_at_once_through_the_lane(world) -> None:
    """The answer kept for Hanoi's analyst is served from the event loop while current; after
    a value is saved in a Hanoi ward, their next read is built again (a miss), not served."""
    app, analyst = world.client.app, world.as_("analyst")
    url = f"{SECTION}?unit=01&year=2026&lang=vi"
    for _ in range(2):
        assert world.client.get(url, headers=analyst).status_code == 200
    cache = app.state.dashboard_cache
    before = cache.misses
    kept = world.client.get(url, headers=analyst)
    assert cache.misses == before and _taken(app, "unit=01&year=2026&lang=vi", analyst)
    _write(world, "202605", 7)
    fresh = world.client.get(url, headers=analyst)
    assert cache.misses > before and "x-chitieu-stale" not in fresh.headers
    assert fresh.json()["computed_at"] >= kept.json()["computed_at"]


def test_a_stamp_read_is_shared_only_by_requests_that_arrived_before_it_began() -> None:
    """Requests arriving together share one read; a request arriving once a read has begun
    does not join it (the read might miss a change committed just before the request came)
    and starts another."""
    calls: list[int] = []
    release = threading.Event()

    def read(pending: _Read) -> tuple[int, int]:
        pending.started = time.monotonic()
        calls.append(len(calls) + 1)
        n = len(calls)
        release.wait(10)
        return n, 0

    async def scenario() -> tuple[list[tuple[int, int]], tuple[int, int]]:
        shared = SharedStamps()
        together = asyncio.gather(*(shared.stamp("01", read) for _ in range(3)))
        task = asyncio.ensure_future(together)
        while not calls:  # the first read has begun (and waits)
            await asyncio.sleep(0.001)
        later = asyncio.ensure_future(shared.stamp("01", read))
        while len(calls) < 2:
            await asyncio.sleep(0.001)
        release.set()
        return await task, await later

    # In a thread of its own: on an xdist worker that ran the browser tests, Playwright's
    # session-long sync API leaves an event loop marked running in this thread, and
    # asyncio.run refuses to start another there.
    with ThreadPoolExecutor(1) as pool:
        first, second = pool.submit(asyncio.run, scenario()).result(timeout=30)
    assert first == [(1, 0)] * 3 and second == (2, 0) and calls == [1, 2]
