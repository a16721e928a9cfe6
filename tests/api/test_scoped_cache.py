"""Cached answers are dropped by the units and years a write touches, not by every write: a
commune's value in Hanoi leaves Hai Phong's answers and other years' answers warm, and makes
the Hanoi and national answers of its year fresh and correct, in every server process."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from chitieu.app import create_app
from chitieu.config import Settings

#: Hai Phong, Hanoi, and the 2026 answers a Hanoi commune's March value changes.
HAI_PHONG = [
    "/api/indicators/INSURANCE_COVERAGE?unit=31&start=2019&end=2025",
    "/api/indicators/SRB?unit=31&start=2020&end=2026",
    "/api/targets/status?unit=31",
    "/api/enforcement/ranking?unit=31",
    "/api/dashboard/trend?unit=31&year=2025",
]
HANOI_EARLIER = ["/api/indicators/SRB?unit=01&start=2020&end=2025"]
TOUCHED = [
    "/api/indicators/SRB?unit=01&start=2026&end=2026",
    "/api/indicators/SRB?unit=VN&start=2026&end=2026",
]


def _misses(client: TestClient) -> int:
    state: Any = client.app.state  # type: ignore[attr-defined]
    pages = getattr(state, "dashboard_cache", None)
    return state.api_cache.misses + (pages.misses if pages else 0)


def _get(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    r = client.get(url, headers=headers)
    assert r.status_code == 200, (url, r.text)
    return r.json()


def _births_2026(answer: dict[str, Any]) -> tuple[float, float]:
    (row,) = answer["items"]
    return row["numerator"], row["denominator"]


def test_a_hanoi_write_leaves_other_scopes_warm_and_refreshes_its_own(plan_api) -> None:  # type: ignore[no-untyped-def]
    client, headers = plan_api
    admin = headers("admin")
    for url in HAI_PHONG + HANOI_EARLIER + TOUCHED:
        _get(client, url, admin)
    before = {url: _get(client, url, admin) for url in HAI_PHONG + HANOI_EARLIER}
    assert [_births_2026(_get(client, u, admin)) for u in TOUCHED] == [(0.0, 0.0)] * 2

    warm = _misses(client)
    r = client.put(
        "/api/datavalues?confirm=true",
        json={
            "element": "LIVE_BIRTHS",
            "unit": "00070",
            "period": "202603",
            "disaggregation": "M_O1",
            "value": 12,
        },
        headers=headers("entry.00070"),
    )
    assert r.status_code in (200, 201), r.text

    # Hai Phong, and Hanoi's earlier years: answered from the cache, unchanged
    for url in HAI_PHONG + HANOI_EARLIER:
        assert _get(client, url, admin) == before[url]
    assert _misses(client) == warm
    # Hanoi's and the country's 2026: computed again, with the new value
    assert [_births_2026(_get(client, u, admin)) for u in TOUCHED] == [(12.0, 0.0)] * 2
    assert _misses(client) == warm + len(TOUCHED)


def test_every_worker_sees_a_write_made_through_another(plan_api, plan_world) -> None:  # type: ignore[no-untyped-def]
    """Two apps on one database stand for two server processes, each with its own cache."""
    client, headers = plan_api
    url = plan_world.url.render_as_string(hide_password=False)
    other = create_app(Settings(database_url=url, secret_key="plan-api-tests"), engine=plan_world)
    national = TOUCHED[1]
    with TestClient(other) as second:
        assert _births_2026(_get(second, national, headers("admin"))) == (0.0, 0.0)
        r = client.put(
            "/api/datavalues?confirm=true",
            json={
                "element": "LIVE_BIRTHS",
                "unit": "00070",
                "period": "202604",
                "disaggregation": "F_O1",
                "value": 9,
            },
            headers=headers("entry.00070"),
        )
        assert r.status_code in (200, 201), r.text
        assert _births_2026(_get(second, national, headers("admin"))) == (0.0, 9.0)
