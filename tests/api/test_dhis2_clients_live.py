"""Real DHIS2 client libraries (dhis2.py, dhis2-client) against a live ``chitieu serve``:
system info, ``me``, paged and unpaged metadata with fields and filters, data values posted
and read back with UIDs and with codes, a personal access token, ``/api/40/`` paths, and an
error the client reports with chitieu's message. Expected values come from the database."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from dhis2 import Api
from dhis2.exceptions import RequestException
from dhis2_client import DHIS2Client
from dhis2_client.errors import DHIS2HTTPError
from sqlalchemy import Engine, text

from chitieu.auth.users import create_user
from chitieu.store.db import make_engine

sys.path.append(str(Path(__file__).resolve().parent))  # liveserver.py; never ahead of others
from liveserver import live_server

PASSWORD = "live clients password"
HANOI, HK = "01", "00070"
HEALTH_SYSTEM_ANNUAL = "f5EoY8D8Yw6"  # data set UID in the mapping file
DOCTORS, NURSES = "rcQBvnolVP7", "lhetRKgQTzl"  # data element UIDs in the mapping file


@dataclass
class Live:
    base: str
    engine: Engine

    def uid(self, code: str) -> str:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT uid FROM units WHERE code = :c"), {"c": code}).one()[0]

    def scalar(self, sql: str, **params: object) -> object:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()


@pytest.fixture(scope="module")
def live(_bootstrapped_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    path = tmp_path_factory.mktemp("live") / "live.db"
    shutil.copyfile(_bootstrapped_template, path)
    engine = make_engine(f"sqlite:///{path}")
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    with engine.begin() as conn:
        for username, role, unit in (
            ("analyst.hanoi", "analyst", HANOI),
            ("entry.00070", "entry", HK),
        ):
            create_user(conn, username, role=role, unit_code=unit, password_hash=cheap)
    with live_server(f"sqlite:///{path}", workers=1) as base:
        try:
            yield Live(base, engine)
        finally:
            engine.dispose()


def test_dhis2py_system_info_me_and_versioned_paths(live: Live) -> None:
    api = Api(live.base, "analyst.hanoi", PASSWORD)
    assert api.version == "2.41.0" and api.version_int == 41
    assert api.revision.startswith("chitieu-")
    me = api.get("me").json()  # GET /api/me.json
    assert me["username"] == "analyst.hanoi"
    assert me["organisationUnits"][0]["id"] == live.uid(HANOI)
    v40 = Api(live.base, "analyst.hanoi", PASSWORD, api_version=40)
    assert v40.api_url.endswith("/api/40")
    assert v40.get("me", params={"fields": "id,username"}).json() == {
        "id": me["id"],
        "username": "analyst.hanoi",
    }
    assert v40.info["version"] == "2.41.0"


def test_dhis2py_metadata_paged_unpaged_and_filtered(live: Live) -> None:
    api = Api(live.base, "analyst.hanoi", PASSWORD)
    hanoi = live.uid(HANOI)
    communes = api.get_paged(
        "organisationUnits",
        params={"fields": "id,code,level,parent[id,name]", "filter": "level:eq:3"},
        page_size=50,
        merge=True,
    )["organisationUnits"]
    expected = live.scalar("SELECT count(*) FROM units WHERE parent_code = '01'")
    assert len(communes) == expected == 126
    assert len({c["id"] for c in communes}) == 126
    assert all(c["level"] == 3 and c["parent"]["id"] == hanoi for c in communes)
    unpaged = api.get("organisationUnits", params={"paging": "false", "fields": "id"}).json()
    assert "pager" not in unpaged and len(unpaged["organisationUnits"]) == 127
    two = api.get(
        "organisationUnits",
        params=[("filter", f"id:in:[{hanoi},{live.uid(HK)}]"), ("fields", "code")],
    ).json()
    assert sorted(u["code"] for u in two["organisationUnits"]) == sorted([HANOI, HK])
    elements = api.get(
        "dataElements", params={"filter": "code:eq:DOCTORS", "fields": "id,name"}
    ).json()
    assert [e["id"] for e in elements["dataElements"]] == [DOCTORS]


def test_dhis2py_posts_and_reads_values_with_uids(live: Live) -> None:
    api = Api(live.base, "analyst.hanoi", PASSWORD)
    ward = live.uid("00004")
    payload = {
        "dataSet": HEALTH_SYSTEM_ANNUAL,
        "period": "2024",
        "orgUnit": ward,
        "dataValues": [
            {"dataElement": DOCTORS, "value": "17"},
            {"dataElement": NURSES, "value": "41"},
        ],
    }
    summary = api.post("dataValueSets", json=payload).json()
    assert summary["status"] == "OK" and summary["response"]["importCount"]["imported"] == 2
    stored = live.scalar(
        "SELECT sum(value) FROM data_values WHERE unit_code = '00004' AND period = '2024' "
        "AND element_code IN ('DOCTORS', 'NURSES')"
    )
    assert stored == 58
    back = api.get(
        "dataValueSets",
        params={"dataSet": HEALTH_SYSTEM_ANNUAL, "orgUnit": ward, "period": "2024"},
    ).json()
    got = {(v["dataElement"], v["orgUnit"], v["value"]) for v in back["dataValues"]}
    assert {(DOCTORS, ward, "17"), (NURSES, ward, "41")} <= got


def test_dhis2py_reports_the_servers_message(live: Live) -> None:
    api = Api(live.base, "analyst.hanoi", PASSWORD)
    with pytest.raises(RequestException) as bad_filter:
        api.get("organisationUnits", params={"filter": "level:near:3"})
    assert bad_filter.value.code == 400 and "near" in bad_filter.value.description
    with pytest.raises(RequestException) as wrong:
        Api(live.base, "analyst.hanoi", "wrong password").get("me")
    assert wrong.value.code == 401


def test_dhis2_client_codes_token_and_errors(live: Live) -> None:
    client = DHIS2Client(live.base, username="entry.00070", password=PASSWORD)
    info = client.get_system_info()
    assert info["version"] == "2.41.0" and isinstance(info["serverDate"], str)
    me = client.get_current_user(fields="id,organisationUnits[id,code]")
    assert me["organisationUnits"] == [{"id": live.uid(HK), "code": HK}]
    units = list(client.get_organisation_units(fields="id,code"))
    assert [u["code"] for u in units] == [HK]  # an entry user sees their commune only

    # 2026: after the 2025 reform, so a commune code names one commune only (before it, a
    # code-keyed value is imported with a WARNING, which dhis2-client raises as an error)
    payload = {"dataValues": [{"dataElement": "NURSES", "period": "2026", "orgUnit": HK}]}
    payload["dataValues"][0]["value"] = "33"
    posted = client.post("/api/dataValueSets", params={"idScheme": "CODE"}, json=payload)
    assert posted["response"]["importCount"]["imported"] == 1
    back = client.get_data_value_set({"orgUnit": HK, "period": "2026", "idScheme": "CODE"})
    assert [(v["dataElement"], v["orgUnit"], v["value"]) for v in back["dataValues"]] == [
        ("NURSES", HK, "33")
    ]

    made = client.post("/api/apiToken", json={"name": "live test", "days": 1})["response"]
    with_token = DHIS2Client(live.base, token=made["key"])
    assert with_token.get_current_user()["username"] == "entry.00070"
    versioned = with_token.get("/api/40/organisationUnits", params={"fields": "code"})
    assert versioned["organisationUnits"] == [{"code": HK}]

    with pytest.raises(DHIS2HTTPError) as outside:
        client.get_data_value_set({"orgUnit": HANOI, "period": "2026"})
    assert outside.value.status_code == 403
    assert str(outside.value).startswith("ERROR: ") and "outside your unit" in str(outside.value)

    client.delete(f"/api/apiToken/{made['uid']}")
    with pytest.raises(DHIS2HTTPError) as revoked:
        with_token.get_current_user()
    assert revoked.value.status_code == 401 and "revoked" in str(revoked.value)
