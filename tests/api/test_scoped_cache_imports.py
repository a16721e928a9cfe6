"""A birth-record import and a change that belongs to one unit (a facility) drop only the
cached answers of the units they touched and of the units above them: importing Hanoi births
leaves Hai Phong's answers, and Hanoi's other years, warm, and makes Hanoi's and the country's
answers of the imported year fresh and correct."""

from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chitieu.enforcement.register import register_facility
from chitieu.ingest import birth_reader
from chitieu.ingest.births import import_births

sys.path.append(str(Path(__file__).resolve().parent))  # cachecheck.py; never ahead of others
from cachecheck import (
    HAI_PHONG,
    HANOI_EARLIER,
    TOUCHED,
    births_2026,
    get_json,
    misses,
)


def _births_file(path: Path, boys: int, girls: int) -> Path:
    """Boys and girls born in Phường Cửa Nam (Hanoi) in March 2026."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, birth_reader.COLUMNS)
        writer.writeheader()
        for i, sex in enumerate(["M"] * boys + ["F"] * girls):
            writer.writerow(
                {
                    "birth_id": f"SC{i:05d}",
                    "birth_date": f"2026-03-{1 + i % 28:02d}",
                    "unit_code": "00070",
                    "sex": sex,
                    "birth_order": "1",
                    "prev_boys": "0",
                    "prev_girls": "0",
                    "mother_birth_year": "1996",
                    "facility_code": "",
                }
            )
    return path


def test_a_hanoi_births_import_leaves_other_scopes_warm(plan_api, plan_world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client, headers = plan_api
    admin = headers("admin")
    for url in HAI_PHONG + HANOI_EARLIER + TOUCHED:
        get_json(client, url, admin)
    before = {url: get_json(client, url, admin) for url in HAI_PHONG + HANOI_EARLIER}
    assert [births_2026(get_json(client, u, admin)) for u in TOUCHED] == [(0.0, 0.0)] * 2

    warm = misses(client)
    result = import_births(
        plan_world, _births_file(tmp_path / "b.csv", 30, 20), today=date(2026, 6, 30)
    )
    assert result.rows_added == 50

    for url in HAI_PHONG + HANOI_EARLIER:
        assert get_json(client, url, admin) == before[url]
    assert misses(client) == warm
    assert [births_2026(get_json(client, u, admin)) for u in TOUCHED] == [(30.0, 20.0)] * 2
    assert misses(client) == warm + len(TOUCHED)


def test_a_hanoi_facility_leaves_hai_phong_warm(plan_api, plan_world) -> None:  # type: ignore[no-untyped-def]
    client, headers = plan_api
    admin = headers("admin")
    hanoi, national = "/api/enforcement/ranking?unit=01", "/api/enforcement/ranking?unit=VN"
    for url in [*HAI_PHONG, hanoi, national]:
        get_json(client, url, admin)
    warm = misses(client)
    with Session(plan_world) as db, db.begin():
        register_facility(
            db,
            {
                "code": "SC-PK",
                "unit_code": "00073",
                "name": "Phòng khám thử",
                "kind": "clinic",
                "ownership": "private",
                "offers_ultrasound": True,
            },
            actor="admin",
        )
    for url in HAI_PHONG:
        get_json(client, url, admin)
    assert misses(client) == warm
    get_json(client, hanoi, admin)
    get_json(client, national, admin)
    assert misses(client) == warm + 2


def test_the_map_stays_warm_for_hai_phong_and_is_fresh_for_hanoi(
    plan_api, plan_world, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    client, headers = plan_api
    admin = headers("admin")
    pages = ["/map?unit=31&year=2025", "/map?unit=01&year=2026", "/map?unit=VN&year=2026"]
    for url in pages:
        assert client.get(url, headers=admin).status_code == 200
    cache: Any = client.app.state.map_cache  # type: ignore[attr-defined]
    warm = cache.misses
    import_births(plan_world, _births_file(tmp_path / "b.csv", 30, 20), today=date(2026, 6, 30))
    assert client.get(pages[0], headers=admin).status_code == 200
    assert cache.misses == warm
    for url in pages[1:]:
        assert client.get(url, headers=admin).status_code == 200
    assert cache.misses == warm + 2
