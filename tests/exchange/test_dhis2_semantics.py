"""What a DHIS2 client relies on: deleted values, options inside the payload and their
precedence, follow-up flags, allowed periods, partial imports, the summary's shape, export
parameters, old unit codes. Payloads are written here in DHIS2's shapes (JSON keys, XML
attributes, CSV columns), with the mapping file's identifiers."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import jsonschema
import pytest
from sqlalchemy import select

from chitieu.exchange.dhis2 import import_datavalueset
from chitieu.exchange.export import export_datavalues, export_datavalueset
from chitieu.store.db import session_on
from chitieu.store.models import DataValue, DeletedDataValue

INSP, POP, LB = "vL2QCgKmWOu", "cov0Pia7n8C", "EC7ifkjl5Zf"
M_O1, DEFAULT = "XIQSqMBEsW0", "HllvX50cXC0"
HK, CUA_NAM = "00070", "00073"
TODAY = date(2025, 3, 15)


def _imp(db, payload, **kw):  # type: ignore[no-untyped-def]
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    kw.setdefault("old_units", "none")
    kw.setdefault("today", TODAY)
    return import_datavalueset(db, body, None, actor="t", **kw)


def _rows(db):  # type: ignore[no-untyped-def]
    with db.connect() as conn:
        live = {
            (r.element_code, r.unit_code, r.period, r.value, r.comment, r.followup)
            for r in conn.execute(select(DataValue))
        }
        gone = {
            (r.element_code, r.unit_code, r.period, r.value, r.comment)
            for r in conn.execute(select(DeletedDataValue))
        }
    return live, gone


def _set(*values: dict, **header: str) -> dict:
    return {**header, "dataValues": list(values)}


def _v(de: str = INSP, pe: str = "202501", ou: str = HK, value: str = "2", **more) -> dict:
    return {"dataElement": de, "period": pe, "orgUnit": ou, "value": value, **more}


# --- 1. deleted ---------------------------------------------------------------------------


def test_deleted_in_json_xml_and_csv_deletes_and_is_kept_apart(db):
    _imp(db, _set(_v(comment="hai lần", followup=True), _v(ou=CUA_NAM, value="5")))
    s = _imp(db, _set(_v(deleted=True)))
    assert s.count.deleted == 1 and s.status == "SUCCESS"
    live, gone = _rows(db)
    assert live == {("ACT_INSPECTIONS", CUA_NAM, "202501", 5.0, None, False)}
    assert gone == {("ACT_INSPECTIONS", HK, "202501", 2.0, "hai lần")}
    xml = f"""<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0">
      <dataValue dataElement="{INSP}" period="202501" orgUnit="{CUA_NAM}" value="5"
                 deleted="TRUE"/></dataValueSet>""".encode()
    assert _imp(db, xml).count.deleted == 1
    assert _rows(db)[0] == set()
    csv = (
        "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,"
        f"lastupdated,comment,followup,deleted\n{INSP},202501,{HK},,,7,,,,false,false\n"
    )
    assert _imp(db, csv.encode(), fmt="csv").count.imported == 1  # back, no longer deleted
    csv_del = csv.replace("false,false", "false,true")
    assert _imp(db, csv_del.encode(), fmt="csv").count.deleted == 1


def test_round_trip_with_deleted_followup_and_comments_is_exact(sdb, other_db):
    _imp(
        sdb,
        _set(
            _v(comment="dòng 1\ndòng 2", followup=True),
            _v(ou=CUA_NAM, value="5", comment='"ngoặc" & <thẻ>'),
            _v(pe="202502", value="3"),
        ),
    )
    _imp(sdb, _set(_v(pe="202502", deleted=True)))
    for fmt in ("json", "xml", "csv"):
        with sdb.connect() as conn:
            body = export_datavalues(
                session_on(conn), fmt=fmt, id_scheme="uid", include_deleted=True
            )
        target = other_db
        s = _imp(target, body, fmt=fmt)
        assert s.status == "SUCCESS", [str(c) for c in s.conflicts]
        assert _rows(target) == _rows(sdb), fmt
        with target.connect() as conn:
            again = export_datavalues(
                session_on(conn), fmt=fmt, id_scheme="uid", include_deleted=True
            )
        strip = _without_stamps(body, fmt)
        assert _without_stamps(again, fmt) == strip, fmt
    # without includeDeleted the deleted value is not exported
    with sdb.connect() as conn:
        plain = json.loads(export_datavalues(session_on(conn), fmt="json"))
    assert all("deleted" not in v for v in plain["dataValues"]) and len(plain["dataValues"]) == 2


def _without_stamps(body: bytes, fmt: str) -> list:
    if fmt == "json":
        return [
            {k: x for k, x in v.items() if k not in ("created", "lastUpdated", "storedBy")}
            for v in json.loads(body)["dataValues"]
        ]
    if fmt == "csv":
        return [line.split(",")[:6] + line.split(",")[8:] for line in body.decode().splitlines()]
    text = body.decode()
    import re

    return re.sub(r' (created|lastUpdated|storedBy)="[^"]*"', "", text).splitlines()


# --- 2. options inside the payload and their precedence -------------------------------------


def test_dry_run_and_strategy_in_the_payload(sdb):
    xml = f"""<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0" dryRun="true"
      importStrategy="CREATE"><dataValue dataElement="{INSP}" period="202501" orgUnit="{HK}"
      value="2"/></dataValueSet>""".encode()
    s = _imp(sdb, xml)
    assert s.dry_run and s.count.imported == 1 and _rows(sdb) == (set(), set())
    assert s.import_options["importStrategy"] == "CREATE" and s.import_options["dryRun"]
    _imp(sdb, _set(_v()))
    # JSON: strategy DELETE in the payload beats the request's CREATE_AND_UPDATE
    s = _imp(sdb, _set(_v(), importStrategy="DELETE"), import_strategy="CREATE_AND_UPDATE")
    assert s.count.deleted == 1


@pytest.mark.parametrize("atomic", [True, False])
def test_a_strategy_leaves_the_values_it_does_not_cover_and_lists_them_as_rejected(db, atomic):
    """As DHIS2 does: CREATE leaves a stored value as it is, even one the payload marks
    deleted; UPDATE and DELETE leave a key where nothing is stored. Each such value is
    ignored and its index is in rejectedIndexes, without a conflict: the import succeeds,
    all-or-nothing too. A value equal to the stored one is ignored and not rejected."""
    _imp(db, _set(_v(value="2"), _v(pe="202412", value="6")))
    payload = _set(_v(value="9"), _v(pe="202412", deleted=True), _v(ou=CUA_NAM, value="5"))
    s = _imp(db, payload, import_strategy="CREATE", atomic=atomic)
    assert (s.count.imported, s.count.ignored, s.count.deleted) == (1, 2, 0)
    assert (s.status, s.rejected_indexes, s.conflicts) == ("SUCCESS", [0, 1], [])
    live, gone = _rows(db)
    assert {r[2:4] for r in live if r[1] == HK} == {("202501", 2.0), ("202412", 6.0)}
    assert gone == set()
    s = _imp(db, _set(_v(pe="202502", value="4"), _v(value="3")), import_strategy="UPDATE")
    assert (s.count.updated, s.count.ignored, s.rejected_indexes) == (1, 1, [0])
    s = _imp(db, _set(_v(pe="202502", deleted=True)), import_strategy="UPDATE")
    assert (s.count.ignored, s.rejected_indexes, _rows(db)[1]) == (1, [0], set())
    s = _imp(db, _set(_v(pe="202503"), _v(value="3")), import_strategy="DELETE", atomic=atomic)
    assert (s.count.deleted, s.count.ignored, s.rejected_indexes) == (1, 1, [0])
    assert s.status == "SUCCESS"
    s = _imp(db, _set(_v(ou=CUA_NAM, value="5")))
    assert (s.count.ignored, s.rejected_indexes) == (1, [])


def test_id_scheme_precedence(sdb):
    # the payload's idScheme beats the request's; a request's specific scheme beats both
    doc = _set(_v(de="ACT_INSPECTIONS"), idScheme="CODE")
    assert _imp(sdb, doc, id_scheme="UID").count.imported == 1
    doc = _set(_v(de="ACT_INSPECTIONS", pe="202502"), idScheme="UID")
    s = _imp(sdb, doc, data_element_id_scheme="CODE")
    assert s.count.imported == 1
    ids = s.import_options["idSchemes"]
    assert ids["dataElementIdScheme"]["type"] == "CODE"
    assert ids["orgUnitIdScheme"]["type"] == "UID"
    # the payload's specific scheme beats the request's specific scheme
    doc = _set(_v(pe="202503"), dataElementIdScheme="UID")
    assert _imp(sdb, doc, data_element_id_scheme="CODE").count.imported == 1


@pytest.mark.parametrize("header", [{"orgUnit": "99999"}, {"attributeOptionCombo": "nope"}])
def test_an_unknown_org_unit_or_attribute_combo_of_the_set_refuses_the_whole_set(db, header):
    """As DHIS2: an org unit or attribute option combo given for the whole set that does not
    exist is a problem with the set, answered once (ERROR) even in the partial mode, and
    nothing is written."""
    s = _imp(db, _set(_v(), _v(pe="202502"), **header), atomic=False)
    assert (s.status, s.count.imported, s.count.ignored) == ("ERROR", 0, 2)
    (given,) = header.values()
    assert [(c.location, c.object) for c in s.conflicts] == [("header", given)]
    assert _rows(db) == (set(), set())


def test_the_sets_period_and_org_unit_beat_the_values_own(sdb):
    doc = _set(_v(pe="202412", ou=CUA_NAM), period="202501", orgUnit=HK)
    assert _imp(sdb, doc).count.imported == 1
    assert {(r[1], r[2]) for r in _rows(sdb)[0]} == {(HK, "202501")}
    # also when the JSON gives the set's fields after its values (read a second time)
    late = b'{"dataValues": [{"dataElement": "%s", "period": "202412", "orgUnit": "%s", '
    late += b'"value": "4"}], "period": "202502", "orgUnit": "%s"}'
    late = late % (INSP.encode(), CUA_NAM.encode(), HK.encode())
    assert _imp(sdb, late).count.imported == 1
    assert {(r[1], r[2]) for r in _rows(sdb)[0]} == {(HK, "202501"), (HK, "202502")}


# --- 3. followup ----------------------------------------------------------------------------


def test_followup_is_stored_exported_and_read_as_dhis2_does(db):
    doc = _set(
        _v(followup="TRUE"), _v(pe="202502", followup="False"), _v(pe="202503", followup="maybe")
    )
    s = _imp(db, doc)
    # an unreadable flag: read as false, a conflict on that value, the value still imported
    assert s.status == "WARNING" and s.count.imported == 3 and s.rejected_indexes == []
    (c,) = s.conflicts
    assert (c.property, c.index, c.object) == ("followup", 2, "maybe")
    flags = {r[2]: r[5] for r in _rows(db)[0]}
    assert flags == {"202501": True, "202502": False, "202503": False}
    with db.connect() as conn:
        out = json.loads(export_datavalues(session_on(conn), fmt="json"))["dataValues"]
    assert {v["period"]: v["followup"] for v in out} == flags
    # changing only the flag is an update
    assert _imp(db, _set(_v(pe="202502", followup=True))).count.updated == 1


# --- 4. allowed periods ---------------------------------------------------------------------


def test_future_and_wrong_type_periods_are_refused(db):
    doc = _set(
        _v(pe="203001"),  # future
        _v(pe="202504"),  # next month (today is 15 March 2025)
        _v(pe="202503"),  # the current month: open
        _v(pe="20250102"),  # daily under a monthly data set
        _v(de=POP, pe="202501", value="5000"),  # monthly POPULATION (yearly data set)
        _v(de=POP, pe="2024", value="5000"),
    )
    s = _imp(db, doc, atomic=False)
    got = sorted((c.index, c.error_code) for c in s.conflicts)
    assert got == [(0, "E7641"), (1, "E7641"), (3, "E7632"), (4, "E7632")]
    assert s.count.imported == 2 and s.rejected_indexes == [0, 1, 3, 4]
    # the same month is fine once "today" has reached it
    assert _imp(db, _set(_v(pe="202504")), today=date(2025, 4, 1)).count.imported == 1


def test_a_data_set_opening_future_periods(sdb, tmp_path):
    from chitieu.exchange.mapping import DEFAULT_MAPPING, read_mapping

    text = DEFAULT_MAPPING.read_text(encoding="utf-8").replace(
        "    period_type: Monthly\n", "    period_type: Monthly\n    open_future_periods: 2\n", 1
    )
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    m = read_mapping(path)
    s = _imp(sdb, _set(_v(pe="202505"), _v(pe="202506")), mapping=m, atomic=False)
    assert [c.error_code for c in s.conflicts] == ["E7641"] and s.count.imported == 1


# --- 5. partial imports, E7618, scope, summary shape --------------------------------------

# DHIS2's ImportSummary as its Web API documents it (written here, not copied).
IMPORT_SUMMARY_SCHEMA = {
    "type": "object",
    "required": ["responseType", "status", "importOptions", "description", "importCount"],
    "properties": {
        "responseType": {"const": "ImportSummary"},
        "status": {"enum": ["SUCCESS", "WARNING", "ERROR"]},
        "importOptions": {
            "type": "object",
            "required": ["idSchemes", "dryRun", "async", "importStrategy"],
            "properties": {
                "idSchemes": {"type": "object"},
                "dryRun": {"type": "boolean"},
                "async": {"type": "boolean"},
                "importStrategy": {"enum": ["CREATE", "UPDATE", "CREATE_AND_UPDATE", "DELETE"]},
            },
        },
        "description": {"type": "string"},
        "importCount": {
            "type": "object",
            "required": ["imported", "updated", "ignored", "deleted"],
            "properties": {
                k: {"type": "integer", "minimum": 0}
                for k in ("imported", "updated", "ignored", "deleted")
            },
            "additionalProperties": False,
        },
        "conflicts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["object", "value"],
                "properties": {
                    "object": {"type": "string"},
                    "objects": {"type": "object", "additionalProperties": {"type": "string"}},
                    "value": {"type": "string"},
                    "errorCode": {"type": "string", "pattern": "^E[0-9]{4}$"},
                    "property": {"type": "string"},
                    "indexes": {"type": "array", "items": {"type": "integer", "minimum": 0}},
                },
            },
        },
        "rejectedIndexes": {"type": "array", "items": {"type": "integer", "minimum": 0}},
        "dataSetComplete": {"type": "string"},
    },
}


def test_partial_import_e7618_and_summary_shape(db):
    _imp(db, _set(_v(value="9")))
    doc = _set(_v(value=""), _v(pe="202502", value="3"), _v(pe="202503", value="x"))
    s = _imp(db, doc, atomic=False)
    jsonschema.validate(s.to_dict(), IMPORT_SUMMARY_SCHEMA)
    assert s.status == "WARNING" and s.http_status == 409
    assert s.rejected_indexes == [0, 2]
    assert [c.error_code for c in s.conflicts] == ["E7618", "E7619"]
    assert s.conflicts[0].to_dict()["objects"] == {"value": "ACT_INSPECTIONS"}
    assert s.count.to_dict() == {"imported": 1, "updated": 0, "ignored": 2, "deleted": 0}
    assert ("ACT_INSPECTIONS", HK, "202501", 9.0, None, False) in _rows(db)[0]  # kept
    # atomic: nothing written
    atomic = _imp(
        db, _set(_v(pe="202504", value="1"), _v(pe="202505", value="")), today=date(2025, 6, 1)
    )
    jsonschema.validate(atomic.to_dict(), IMPORT_SUMMARY_SCHEMA)
    assert atomic.status == "ERROR" and atomic.rejected_indexes == [1]
    assert not any(r[2] == "202504" for r in _rows(db)[0])
    ok = _imp(db, _set(_v(pe="202506", value="1")), today=date(2025, 6, 1))
    jsonschema.validate(ok.to_dict(), IMPORT_SUMMARY_SCHEMA)
    assert ok.status == "SUCCESS" and ok.data_set_complete == "false"


# --- 6. export parameters and CSV columns ---------------------------------------------------


def test_export_parameters_last_updated_limit_and_csv_columns(sdb):
    _imp(sdb, _set(*(_v(pe=f"2025{m:02d}", value=str(m)) for m in (1, 2, 3))))
    body, media = export_datavalueset(
        sdb, org_unit=[HK], period=["202501", "202502", "202503"], limit=2, fmt="csv"
    )
    lines = b"".join(body).decode().splitlines()
    assert lines[0] == (
        "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,"
        "lastupdated,comment,followup,deleted"
    )
    assert len(lines) == 3 and media == "application/csv"
    future = datetime.now() + timedelta(days=1)
    body, _ = export_datavalueset(sdb, org_unit=[HK], last_updated=future)
    assert json.loads(b"".join(body))["dataValues"] == []
    body, _ = export_datavalueset(sdb, org_unit=[HK], last_updated_duration="1d")
    assert len(json.loads(b"".join(body))["dataValues"]) == 3
    with pytest.raises(ValueError, match="lastUpdatedDuration"):
        export_datavalueset(sdb, org_unit=[HK], last_updated_duration="soon")
    # the data set named by UID while the output scheme is CODE
    body, _ = export_datavalueset(
        sdb, data_set=["rkabtlZLGek"], id_scheme="CODE", org_unit=[HK], period=["202501"]
    )
    assert [v["dataElement"] for v in json.loads(b"".join(body))["dataValues"]] == [
        "ACT_INSPECTIONS"
    ]


def test_csv_first_row_always_skipped_old_and_new_column_names(sdb):
    old = f"catoptcombo,dataelement,period,orgunit,attroptcombo,value\n,{INSP},202501,{HK},,4\n"
    assert _imp(sdb, old.encode(), fmt="csv").count.imported == 1  # read by name
    headerless = f"{INSP},202502,{HK},,,5\n{INSP},202503,{HK},,,6\n"
    s = _imp(sdb, headerless.encode(), fmt="csv")
    assert s.count.imported == 1  # DHIS2 skips the first row whatever it holds
    s = _imp(sdb, headerless.encode(), fmt="csv", first_row_is_header=False)
    assert s.count.imported == 1 and s.count.ignored == 1


# --- 8. old unit codes ------------------------------------------------------------------------


def test_old_codes_before_the_reform_never_import_silently(sdb):
    doc = _set(_v(pe="2024", value="3"), _v(ou="00004", pe="2024", value="1"))
    s = _imp(sdb, doc, old_units=None)
    assert s.status == "WARNING" and s.count.imported == 2
    old = s.to_dict()["oldUnitCodes"]
    assert old["ambiguous"] == ["00004", HK] and "2025" in old["assumption"]
    assert "--old-units" in s.conflicts[0].value
    # after the reform the codes are plainly 2025 codes
    assert _imp(
        sdb, _set(_v(pe="202508")), old_units=None, today=TODAY.replace(year=2026)
    ).status == ("SUCCESS")


def test_old_units_keep_comments_and_stored_by(sdb):
    doc = _set(
        _v(
            de="ACT_INSPECTIONS",
            pe="2020",
            ou="00043",
            value="1",
            comment="Hàng Bạc",
            storedBy="hb",
        ),
        _v(
            de="ACT_INSPECTIONS", pe="2020", ou="00046", value="2", comment="Hàng Bồ", storedBy="hb"
        ),
    )
    s = _imp(sdb, doc, old_units="seat", id_scheme="code")
    assert s.status == "WARNING" and "incomplete" in s.conflicts[0].value  # lines of the sum
    with sdb.connect() as conn:
        row = conn.execute(select(DataValue)).one()
    assert (row.value, row.comment, row.stored_by) == (3.0, "Hàng Bạc\nHàng Bồ", "hb")


# --- 7. streaming: more values than one batch ---------------------------------------------


def test_many_values_stream_through_in_batches(sdb):
    values = [
        _v(de="ACT_INSPECTIONS", pe=f"2024{m:02d}", ou=code, value=str(m))
        for code in (HK, CUA_NAM)
        for m in range(1, 13)
    ] * 500
    s = _imp(sdb, _set(*values), atomic=False)
    # 24 distinct keys, each given 500 times: the repeats are conflicts across batches
    assert s.count.imported == 24 and len(s.rejected_indexes) == 12_000 - 24
    assert s.rejected_indexes[:3] == [24, 25, 26]
