"""Cached answers are dropped by the units and years a write touches, not by every write: a
commune's value in Hanoi leaves Hai Phong's answers and other years' answers warm, and makes
the Hanoi and national answers of its year fresh and correct, in every server process."""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi.testclient import TestClient

from chitieu.app import create_app
from chitieu.config import Settings

sys.path.append(str(Path(__file__).resolve().parent))  # cachecheck.py; never ahead of others
from cachecheck import (
    HAI_PHONG,
    HANOI_EARLIER,
    TOUCHED,
    births_2026,
    get_json,
    misses,
)


def test_a_hanoi_write_leaves_other_scopes_warm_and_refreshes_its_own(plan_api) -> None:  # type: ignore[no-untyped-def]
    client, headers = plan_api
    admin = headers("admin")
    for url in HAI_PHONG + HANOI_EARLIER + TOUCHED:
        get_json(client, url, admin)
    before = {url: get_json(client, url, admin) for url in HAI_PHONG + HANOI_EARLIER}
    assert [births_2026(get_json(client, u, admin)) for u in TOUCHED] == [(0.0, 0.0)] * 2

    warm = misses(client)
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
        assert get_json(client, url, admin) == before[url]
    assert misses(client) == warm
    # Hanoi's and the country's 2026: computed again, with the new value
    assert [births_2026(get_json(client, u, admin)) for u in TOUCHED] == [(12.0, 0.0)] * 2
    assert misses(client) == warm + len(TOUCHED)


def test_every_worker_sees_a_write_made_through_another(plan_api, plan_world) -> None:  # type: ignore[no-untyped-def]
    """Two apps on one database stand for two server processes, each with its own cache."""
    client, headers = plan_api
    url = plan_world.url.render_as_string(hide_password=False)
    other = create_app(Settings(database_url=url, secret_key="plan-api-tests"), engine=plan_world)
    national = TOUCHED[1]
    with TestClient(other) as second:
        assert births_2026(get_json(second, national, headers("admin"))) == (0.0, 0.0)
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
        assert births_2026(get_json(second, national, headers("admin"))) == (0.0, 9.0)
