"""Import -> export -> import: every format gives back the same set of values."""

from __future__ import annotations

import json
from datetime import date

import pytest

from chitieu.exchange.dhis2 import import_datavalueset
from chitieu.exchange.export import export_datavalues, export_datavalueset
from chitieu.reporting.imports import ValueIn, import_values
from chitieu.store.db import session_on

HK, CUA_NAM, HP = "00070", "00073", "11533"

VALUES = [
    ValueIn("LIVE_BIRTHS", HK, "202501", d, str(n))
    for d, n in [("M_O1", 12), ("M_O2", 9), ("M_O3P", 3), ("F_O1", 11), ("F_O2", 8), ("F_O3P", 1)]
] + [
    ValueIn("LIVE_BIRTHS", CUA_NAM, "202502", "M_O1", "7", comment='dấu "ngoặc", phẩy & <thẻ>'),
    ValueIn("ACT_COMM_SESSIONS", HK, "202503", "default", "4", comment="truyền thông"),
    ValueIn("STAFF", "31", "2024", "QUAL_DOCTORAL", "42"),
    ValueIn("STAFF", "31", "2024", "QUAL_COLLEGE", "1704"),
    ValueIn("POPULATION", HP, "2024", "default", "25000"),
    ValueIn("HOSPITAL_BEDS", "31", "2024", "default", "0"),
    ValueIn("DTP1_DOSES", "VN", "2025", "default", "31000"),
]


@pytest.mark.parametrize("fmt", ["json", "csv", "xml", "adx"])
@pytest.mark.parametrize("scheme", ["uid", "code"])
def test_every_format_round_trips(db, other_db, values_of, fmt, scheme):
    assert import_values(db, VALUES, actor="t").count.imported == len(VALUES)
    original = values_of(db)
    with db.connect() as conn:
        body = export_datavalues(session_on(conn), fmt=fmt, id_scheme=scheme)
    # into an empty database: the same set of values
    s = import_datavalueset(
        other_db, body, None, actor="t", old_units="none", fmt=fmt, id_scheme=scheme
    )
    assert s.status == "SUCCESS", [str(c) for c in s.conflicts]
    assert s.count.imported == len(VALUES)
    assert values_of(other_db) == original
    # back into the source: nothing to change
    again = import_datavalueset(
        db, body, None, actor="t", old_units="none", fmt=fmt, id_scheme=scheme
    )
    assert again.count.to_dict() == {
        "imported": 0,
        "updated": 0,
        "ignored": len(VALUES),
        "deleted": 0,
    }


def test_export_selection_and_uids(sdb):
    import_values(sdb, VALUES, actor="t")
    with sdb.connect() as conn:
        doc = json.loads(
            export_datavalues(session_on(conn), units=["01"], children=True, periods=["2025-01"])
        )
        rows = doc["dataValues"]
        assert {(r["dataElement"], r["categoryOptionCombo"], r["value"]) for r in rows} == {
            ("EC7ifkjl5Zf", coc, v)
            for coc, v in [
                ("XIQSqMBEsW0", "12"),
                ("QNgVcChnFqN", "9"),
                ("tBuyU1WfhBn", "3"),
                ("OeMVxQcS19J", "11"),
                ("dJSKNqdEbv2", "8"),
                ("sRZP0oJzIef", "1"),
            ]
        }
        assert {r["attributeOptionCombo"] for r in rows} == {"HllvX50cXC0"}
        assert {r["orgUnit"] for r in rows} == {HK}
        # without children only the province's own values
        none = json.loads(export_datavalues(session_on(conn), units=["01"], periods=["202501"]))
        assert none["dataValues"] == []
        # start/end: periods lying wholly within Q1 2025 (not the year 2025, nor 2024)
        csv_body = export_datavalues(
            session_on(conn),
            fmt="csv",
            id_scheme="code",
            start_date=date(2025, 1, 1),
            end_date=date(2025, 3, 31),
        ).decode()
        periods = {line.split(",")[1] for line in csv_body.splitlines()[1:]}
        assert periods == {"202501", "202502", "202503"}
        adx = export_datavalues(
            session_on(conn), fmt="adx", data_set="HEALTH_SYSTEM_ANNUAL"
        ).decode()
        assert 'dataSet="HEALTH_SYSTEM_ANNUAL"' in adx and 'QUALIFICATION="DOCTORAL"' in adx
        assert 'period="2024-01-01/P1Y"' in adx and "LIVE_BIRTHS" not in adx


def test_export_api_parameters(sdb):
    import_values(sdb, VALUES, actor="t")
    body, media = export_datavalueset(
        sdb, data_set=["rkabtlZLGek"], period=["202501"], org_unit=["01"], children=True
    )
    assert media == "application/json"
    assert len(json.loads(b"".join(body))["dataValues"]) == 6
    body, media = export_datavalueset(
        sdb,
        period=["2024"],
        org_unit=["Thành phố Hải Phòng"],
        org_unit_id_scheme="name",
        fmt="adx",
        children=True,
    )
    assert media == "application/adx+xml"
    text = b"".join(body).decode()  # org units written under the scheme asked for: names
    assert 'orgUnit="Thành phố Hải Phòng"' in text and 'orgUnit="Phường Hoà Bình"' in text
    with pytest.raises(ValueError, match="period"):
        export_datavalueset(sdb, org_unit=["01"])
    with pytest.raises(ValueError, match="organisation unit"):
        export_datavalueset(sdb, period=["2024"])
    with pytest.raises(ValueError, match="Data set not found"):
        export_datavalueset(sdb, period=["2024"], org_unit=["01"], data_set=["nope"])
    with pytest.raises(PermissionError):
        export_datavalueset(sdb, period=["2024"], org_unit=["31"], allowed_unit="01")
    body, _ = export_datavalueset(sdb, period=["202501"], org_unit=[HK], allowed_unit="01")
    assert len(json.loads(b"".join(body))["dataValues"]) == 6
