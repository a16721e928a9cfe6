"""DHIS2's client-facing surface in process: system info, metadata lists with fields, filters
and paging (checked against the units table read independently), ``/api/me``, versioned and
``.json`` paths, WebMessage errors, and GET / for a client probing its base URL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from tests.api.conftest import HAIPHONG, HK

LEVEL = {"country": 1, "province": 2, "commune": 3}
STRING_FIELDS = (
    "contextPath",
    "userAgent",
    "calendar",
    "dateFormat",
    "serverDate",
    "lastAnalyticsTableSuccess",
    "intervalSinceLastAnalyticsTableSuccess",
    "lastAnalyticsTableRuntime",
    "lastSystemMonitoringSuccess",
    "version",
    "revision",
    "buildTime",
    "jasperReportsVersion",
    "environmentVariable",
    "systemId",
    "systemName",
    "instanceBaseUrl",
    "clusterHostname",
)


def _units(world, where: str = "1=1", **params) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    with world.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT u.code, u.uid, u.name, u.level, p.uid AS puid, p.name AS pname "
                f"FROM units u LEFT JOIN units p ON p.code = u.parent_code WHERE {where}"
            ),
            params,
        ).mappings()
        return {r["uid"]: dict(r) for r in rows}


def test_system_info_is_strings_and_root_redirect_has_no_query(world) -> None:
    r = world.client.get("/api/system/info", headers=world.as_("entry"))
    assert r.status_code == 200
    info = r.json()
    # the string fields dhis2-python's SystemInfo model requires, and its booleans
    for key in STRING_FIELDS:
        assert isinstance(info[key], str), key
    for key in ("encryption", "emailConfigured", "redisEnabled", "isMetadataVersionEnabled"):
        assert isinstance(info[key], bool), key
    assert info["version"].startswith("2.41.") and info["systemName"] == "chitieu"
    for key in ("serverDate", "buildTime", "lastAnalyticsTableSuccess"):  # dhis2w: datetimes
        datetime.fromisoformat(info[key])
    assert world.client.get("/api/system/info").status_code == 401
    assert world.client.get("/api/ping").text == "pong"
    root = world.client.get("/", follow_redirects=False)
    assert root.status_code == 303 and root.headers["location"] == "/login"


def test_org_units_paged_with_nested_fields_match_the_units_table(world) -> None:
    expected = _units(world, "u.path = '01' OR u.path LIKE 'VN/01/%' OR u.path = 'VN/01'")
    r = world.client.get(
        "/api/organisationUnits",
        params={"fields": "id,code,level,parent[id,name]", "pageSize": 50, "page": 2},
        headers=world.as_("analyst"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    pager = body["pager"]
    assert pager["total"] == len(expected) == 127  # Hanoi and its 126 communes
    assert pager["page"] == 2 and pager["pageCount"] == 3 and pager["pageSize"] == 50
    assert "page=3" in pager["nextPage"]
    assert len(body["organisationUnits"]) == 50
    for ou in body["organisationUnits"]:
        row = expected[ou["id"]]
        assert set(ou) == {"id", "code", "level", "parent"}
        assert ou["code"] == row["code"] and ou["level"] == LEVEL[row["level"]]
        assert ou["parent"] == {"id": row["puid"], "name": row["pname"]}
    last = world.client.get(
        "/api/organisationUnits", params={"page": 3}, headers=world.as_("analyst")
    ).json()
    assert len(last["organisationUnits"]) == 27 and "nextPage" not in last["pager"]
    assert set(last["organisationUnits"][0]) == {"id", "displayName"}  # DHIS2's default


def test_org_units_unpaged_and_filtered(world) -> None:
    everything = _units(world)
    r = world.client.get(
        "/api/organisationUnits.json",
        params={"paging": "false", "fields": "id,level,parent[id]"},
        headers=world.as_("admin"),
    )
    units = r.json()["organisationUnits"]
    assert "pager" not in r.json() and len(units) == len(everything) == 3356
    levels = [u["level"] for u in units]
    assert (levels.count(1), levels.count(2), levels.count(3)) == (1, 34, 3321)
    assert all(u["parent"]["id"] == everything[u["id"]]["puid"] for u in units if u["level"] > 1)

    hk = next(uid for uid, row in everything.items() if row["code"] == HK)
    hp = next(uid for uid, row in everything.items() if row["code"] == HAIPHONG)
    get = world.client.get
    both = get(
        "/api/organisationUnits",
        params={"filter": f"id:in:[{hk},{hp}]", "fields": "code"},
        headers=world.as_("admin"),
    ).json()
    assert sorted(u["code"] for u in both["organisationUnits"]) == sorted([HAIPHONG, HK])
    anded = get(
        "/api/organisationUnits",
        params=[("filter", "level:eq:3"), ("filter", "name:ilike:hoàn kiếm"), ("fields", "code")],
        headers=world.as_("admin"),
    ).json()
    assert [u["code"] for u in anded["organisationUnits"]] == [HK]
    ored = get(
        "/api/organisationUnits",
        params=[("filter", "code:eq:01"), ("filter", f"code:eq:{HK}"), ("rootJunction", "OR")],
        headers=world.as_("admin"),
    ).json()
    assert ored["pager"]["total"] == 2
    since = get(
        "/api/organisationUnits",
        params={"filter": "lastUpdated:ge:2999-01-01"},
        headers=world.as_("admin"),
    ).json()
    assert since["pager"]["total"] == 0
    # scope: Hanoi's analyst sees no Hai Phong unit, by list or by id
    outside = get(
        "/api/organisationUnits", params={"filter": f"id:eq:{hp}"}, headers=world.as_("analyst")
    ).json()
    assert outside["pager"]["total"] == 0
    one = get(f"/api/organisationUnits/{hp}", headers=world.as_("analyst"))
    assert one.status_code == 404 and one.json()["httpStatusCode"] == 404
    mine = get(f"/api/40/organisationUnits/{hk}", headers=world.as_("entry")).json()
    assert mine["code"] == HK and mine["path"].endswith(f"/{hk}") and mine["level"] == 3


def test_refusals_are_web_messages(world) -> None:
    r = world.client.get(
        "/api/organisationUnits", params={"dataElementGroup": "x"}, headers=world.as_("admin")
    )
    assert r.status_code == 400
    body = r.json()
    assert body["httpStatus"] == "Bad Request" and body["status"] == "ERROR"
    assert "dataElementGroup" in body["message"] and body["error"]["code"] == body["errorCode"]
    bad = world.client.get(
        "/api/organisationUnits", params={"filter": "level:near:3"}, headers=world.as_("admin")
    )
    assert bad.status_code == 400 and "near" in bad.json()["message"]
    assert world.client.get("/api/99/me", headers=world.as_("admin")).status_code == 404


def test_catalogue_metadata(world) -> None:
    get = world.client.get
    de = get(
        "/api/dataElements",
        params={"filter": "code:eq:LIVE_BIRTHS", "fields": "id,valueType,categoryCombo[id,code]"},
        headers=world.as_("entry"),
    ).json()["dataElements"]
    assert de == [
        {
            "id": "EC7ifkjl5Zf",
            "valueType": "INTEGER",
            "categoryCombo": {"id": "zTosfon5dr5", "code": "SEX_BIRTH_ORDER"},
        }
    ]
    combo = get("/api/categoryCombos/zTosfon5dr5", headers=world.as_("entry")).json()
    assert len(combo["categoryOptionCombos"]) == 6 and len(combo["categories"]) == 2
    cocs = get(
        "/api/categoryOptionCombos.json",
        params={"paging": "false", "filter": "categoryCombo.id:eq:zTosfon5dr5"},
        headers=world.as_("entry"),
    ).json()["categoryOptionCombos"]
    assert {c["id"] for c in cocs} == {c["id"] for c in combo["categoryOptionCombos"]}
    ds = get("/api/dataSets/COMMUNE_MONTHLY", headers=world.as_("entry")).json()
    assert ds["id"] == "rkabtlZLGek" and ds["periodType"] == "Monthly"
    levels = get("/api/organisationUnitLevels", headers=world.as_("entry")).json()
    assert levels["pager"]["total"] == 3
    # a repeated fields parameter is one list of fields, as DHIS2 reads it
    both = get(
        "/api/organisationUnitLevels",
        params=[("fields", "level"), ("fields", "name"), ("paging", "false")],
        headers=world.as_("entry"),
    ).json()["organisationUnitLevels"]
    assert [sorted(level) for level in both] == [["level", "name"]] * 3
    assert get("/api/dataElements/NOPE", headers=world.as_("entry")).status_code == 404


def test_me_in_dhis2_shape_with_fields(world) -> None:
    me = world.client.get("/api/41/me.json", headers=world.as_("entry")).json()
    hk_uid = next(iter(_units(world, "u.code = :c", c=HK)))
    assert me["username"] == "entry.00070" and len(me["id"]) == 11
    assert me["organisationUnits"][0]["id"] == hk_uid
    assert me["unit"] == HK and me["role"] == "entry"  # chitieu's own fields stay
    picked = world.client.get(
        "/api/me", params={"fields": "id,organisationUnits[id,code]"}, headers=world.as_("entry")
    ).json()
    assert picked == {"id": me["id"], "organisationUnits": [{"id": hk_uid, "code": HK}]}


def test_values_posted_by_unit_uid_or_code_and_exported_with_uids(world) -> None:
    hk_uid = next(iter(_units(world, "u.code = :c", c=HK)))
    doctors, nurses = "rcQBvnolVP7", "lhetRKgQTzl"  # data element UIDs of the mapping file
    payload = {
        "dataValues": [
            {"dataElement": doctors, "period": "2025", "orgUnit": hk_uid, "value": "12"},
            {"dataElement": nurses, "period": "2025", "orgUnit": HK, "value": "30"},
        ]
    }
    r = world.client.post(
        "/api/41/dataValueSets?oldUnits=none", json=payload, headers=world.as_("entry")
    )
    assert r.status_code == 200, r.text
    assert r.json()["response"]["importCount"]["imported"] == 2
    stored = world.scalar(
        "SELECT count(*) FROM data_values WHERE unit_code = :c AND period = '2025'", c=HK
    )
    assert stored == 2  # both landed on the unit's code
    by_uid = world.client.get(
        f"/api/dataValueSets.json?orgUnit={hk_uid}&period=2025", headers=world.as_("entry")
    ).json()["dataValues"]
    assert {(v["dataElement"], v["orgUnit"]) for v in by_uid} == {
        (doctors, hk_uid),
        (nurses, hk_uid),
    }
    by_code = world.client.get(
        f"/api/dataValueSets?orgUnit={HK}&period=2025&idScheme=CODE", headers=world.as_("entry")
    ).json()["dataValues"]
    assert {(v["dataElement"], v["orgUnit"]) for v in by_code} == {
        ("DOCTORS", HK),
        ("NURSES", HK),
    }


def test_export_selectors_by_uid_under_any_output_scheme(world) -> None:
    live_births = "EC7ifkjl5Zf"  # LIVE_BIRTHS in the mapping file
    payload = {
        "dataValues": [
            {"dataElement": live_births, "categoryOptionCombo": coc, "period": "202501"}
            | {"orgUnit": HK, "value": value}
            for coc, value in (("XIQSqMBEsW0", "7"), ("OeMVxQcS19J", "5"))
        ]
    }
    posted = world.client.post(
        "/api/dataValueSets?oldUnits=none", json=payload, headers=world.as_("entry")
    )
    assert posted.status_code == 200, posted.text
    get = world.client.get
    # dataSet named by UID while the output is in codes
    coded = get(
        f"/api/dataValueSets?dataSet=rkabtlZLGek&idScheme=CODE&orgUnit={HK}&period=202501",
        headers=world.as_("entry"),
    )
    assert coded.status_code == 200, coded.text
    assert {(v["dataElement"], v["value"]) for v in coded.json()["dataValues"]} == {
        ("LIVE_BIRTHS", "7"),
        ("LIVE_BIRTHS", "5"),
    }
    # ADX (codes by default) with the element named by UID: the values, not an empty <adx/>
    adx = get(
        f"/api/dataValueSets.adx?dataElement={live_births}&orgUnit={HK}&period=202501",
        headers=world.as_("entry"),
    )
    assert adx.status_code == 200 and adx.text.count("<dataValue ") == 2
    unknown = get(
        f"/api/dataValueSets.adx?dataElement=NoSuchThing&orgUnit={HK}&period=202501",
        headers=world.as_("entry"),
    )
    assert unknown.status_code == 400 and "NoSuchThing" in unknown.json()["message"]
    # a filter the export does not apply is refused by name, never silently ignored
    group = get(
        f"/api/dataValueSets?dataElementGroup=x&orgUnit={HK}&period=202501",
        headers=world.as_("entry"),
    )
    assert group.status_code == 400 and "dataElementGroup" in group.json()["message"]
    later = get(
        f"/api/dataValueSets?lastUpdated=2030-01-01&orgUnit={HK}&period=202501",
        headers=world.as_("entry"),
    )
    assert later.status_code == 400 or later.json()["dataValues"] == []


def test_openapi_documents_each_route_once(world) -> None:
    paths = world.client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/system/info",
        "/api/me",
        "/api/organisationUnits",
        "/api/organisationUnits/{ident}",
        "/api/organisationUnitLevels",
        "/api/dataElements",
        "/api/dataElements/{ident}",
        "/api/dataSets/{ident}",
        "/api/categoryCombos",
        "/api/categories",
        "/api/categoryOptionCombos/{ident}",
        "/api/apiToken",
        "/api/apiToken/{uid}",
    ):
        assert path in paths, path
        assert all(op.get("summary") for op in paths[path].values()), path
    assert not [p for p in paths if p.startswith(("/api/4", "/api/3", "/api/2"))]
    assert "/api/NN/" in world.client.get("/openapi.json").json()["info"]["description"]
