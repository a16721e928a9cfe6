"""The operator's endpoints: liveness, readiness (database and schema), Prometheus metrics."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, text

from chitieu.app import create_app
from chitieu.config import Settings
from chitieu.store.db import make_engine


def _client(engine: Engine) -> TestClient:
    settings = Settings(database_url=engine.url.render_as_string(), secret_key="ops-test-secret")
    return TestClient(create_app(settings, engine))


def _samples(body: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


def test_healthz_and_readyz_on_a_current_database(ready_engine: Engine) -> None:
    client = _client(ready_engine)
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_readyz_refuses_an_old_schema(ready_sqlite: Engine) -> None:
    with ready_sqlite.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    response = _client(ready_sqlite).get("/readyz")
    assert response.status_code == 503
    assert "chitieu db upgrade" in response.json()["reason"]


def test_readyz_says_when_the_database_is_unreachable() -> None:
    # Nothing listens on port 9 of loopback: every connection is refused at once.
    bad = make_engine(
        "postgresql+psycopg://nobody@127.0.0.1:9/none", connect_args={"connect_timeout": 2}
    )
    client = _client(bad)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"].startswith("database unreachable")
    assert client.get("/healthz").status_code == 200


def test_metrics_count_requests_by_route_template_and_pool(ready_sqlite: Engine) -> None:
    client = _client(ready_sqlite)
    for code in ("00070", "00004", "00070"):
        client.get(f"/api/units/{code}")
    client.get("/no/such/page/12345")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    counts = {
        (s.labels["method"], s.labels["route"], s.labels["status"]): s.value
        for s in samples["chitieu_http_request_duration_seconds_count"]
    }
    # One series for the route, whatever code was asked for; raw paths never become labels.
    routes = {route for (_, route, _) in counts}
    assert "/api/units/{code}" in routes
    assert not any("00070" in route or "12345" in route for route in routes)
    unit_count = sum(v for (m, r, _), v in counts.items() if r == "/api/units/{code}")
    assert unit_count >= 3
    assert "chitieu_db_pool_checked_out" in samples


def test_metrics_count_cache_lookups(ready_sqlite: Engine) -> None:
    from chitieu.api.cache import LruCache
    from chitieu.metrics import CACHE_LOOKUPS

    before_hit = CACHE_LOOKUPS.labels("pages", "hit")._value.get()
    before_miss = CACHE_LOOKUPS.labels("pages", "miss")._value.get()
    cache = LruCache(name="pages")
    cache.get_or_build("k", lambda: 1)
    cache.get_or_build("k", lambda: 2)
    assert CACHE_LOOKUPS.labels("pages", "hit")._value.get() == before_hit + 1
    assert CACHE_LOOKUPS.labels("pages", "miss")._value.get() >= before_miss + 1
