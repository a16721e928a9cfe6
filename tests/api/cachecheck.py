"""What the scoped-cache tests share: the answers a Hanoi commune's 2026 write must leave warm
(Hai Phong's, Hanoi's earlier years) or make fresh (Hanoi's and the country's 2026), and how
to read them and count the caches' misses."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

#: Hai Phong's answers: no Hanoi write may drop them.
HAI_PHONG = [
    "/api/indicators/INSURANCE_COVERAGE?unit=31&start=2019&end=2025",
    "/api/indicators/SRB?unit=31&start=2020&end=2026",
    "/api/targets/status?unit=31",
    "/api/enforcement/ranking?unit=31",
    "/api/dashboard/trend?unit=31&year=2025",
]
#: Hanoi's answers of years before the write's.
HANOI_EARLIER = ["/api/indicators/SRB?unit=01&start=2020&end=2025"]
#: The 2026 answers a Hanoi commune's births change.
TOUCHED = [
    "/api/indicators/SRB?unit=01&start=2026&end=2026",
    "/api/indicators/SRB?unit=VN&start=2026&end=2026",
]


def misses(client: TestClient) -> int:
    """Answers built (not served from a cache) so far, API and dashboard together."""
    state: Any = client.app.state  # type: ignore[attr-defined]
    pages = getattr(state, "dashboard_cache", None)
    return state.api_cache.misses + (pages.misses if pages else 0)


def get_json(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    r = client.get(url, headers=headers)
    assert r.status_code == 200, (url, r.text)
    return r.json()


def births_2026(answer: dict[str, Any]) -> tuple[float, float]:
    (row,) = answer["items"]
    return row["numerator"], row["denominator"]
