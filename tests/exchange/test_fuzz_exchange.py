"""Fuzzing every exchange parser: any input gives a result or a clean refusal, never a crash,
and a refused import never writes anything (no partial write)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chitieu.exchange.adx import ADX_NS, read_adx
from chitieu.exchange.dhis2 import import_datavalueset, read_payload
from chitieu.exchange.dxf import DXF_NS, read_csv, read_json, read_xml
from chitieu.exchange.excel import cell_count, fill_cells, import_excel, write_template
from chitieu.exchange.payload import Payload, PayloadError
from chitieu.store.db import session_on

READERS = {"json": read_json, "csv": read_csv, "xml": read_xml, "adx": read_adx}
DB_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Identifiers that resolve, mixed with ones that do not, so fuzzing reaches the deep checks.
ELEMENTS = ["EC7ifkjl5Zf", "vL2QCgKmWOu", "LIVE_BIRTHS", "ACT_INSPECTIONS", "STAFF", "nope", ""]
COCS = ["XIQSqMBEsW0", "HllvX50cXC0", "M_O1", "QUAL_MASTER", "default", "zzz", ""]
UNITS = ["00070", "00073", "01", "VN", "31", "99999", "", "Phường Hoàn Kiếm"]
PERIODS = ["202501", "2025-02", "2025Q1", "2025W5", "2025-01-01/P1M", "202513", "x", ""]
VALUES = ["0", "1", "12", "-1", "2.5", "", "abc", "1e3", "99999999999999999"]
text = st.text(max_size=12)


def field(options: list[str]) -> st.SearchStrategy:
    return st.one_of(st.sampled_from(options), text, st.integers(), st.none(), st.booleans())


data_value = st.fixed_dictionaries(
    {},
    optional={
        "dataElement": field(ELEMENTS),
        "period": field(PERIODS),
        "orgUnit": field(UNITS),
        "categoryOptionCombo": field(COCS),
        "attributeOptionCombo": field(["HllvX50cXC0", "", "x"]),
        "value": field(VALUES),
        "comment": st.one_of(text, st.none()),
        "storedBy": st.one_of(text, st.none()),
        "followup": st.one_of(st.booleans(), text),
    },
)
json_docs = st.one_of(
    st.fixed_dictionaries(
        {"dataValues": st.lists(st.one_of(data_value, text, st.integers()), max_size=8)},
        optional={
            "period": field(PERIODS),
            "orgUnit": field(UNITS),
            "idScheme": field(["uid", "code", "name", "ATTRIBUTE:x"]),
            "dataSet": field(["rkabtlZLGek", "x"]),
        },
    ),
    st.recursive(
        st.none() | st.booleans() | st.integers() | text,
        lambda c: st.lists(c, max_size=4) | st.dictionaries(text, c, max_size=4),
        max_leaves=10,
    ),
)


# Mostly valid values (consistent element/combo pairs) with now and then a wild one, so that
# fuzzing exercises the writes as well as the refusals.
PAIRS = [
    ("EC7ifkjl5Zf", "XIQSqMBEsW0"),
    ("EC7ifkjl5Zf", "OeMVxQcS19J"),
    ("vL2QCgKmWOu", "HllvX50cXC0"),
    ("vL2QCgKmWOu", None),
    ("VyEQWqSykjy", "mfYkA59V8y6"),
]
good_value = st.builds(
    lambda pair, unit, period, value: {
        "dataElement": pair[0],
        **({"categoryOptionCombo": pair[1]} if pair[1] else {}),
        "orgUnit": unit,
        "period": period,
        "value": value,
    },
    st.sampled_from(PAIRS),
    st.sampled_from(["00070", "00073", "01"]),
    st.sampled_from(["202501", "2025-02", "2025Q1", "2025W5"]),
    st.one_of(st.integers(0, 500).map(str), st.just("")),
)
mixed_docs = st.builds(
    lambda good, wild: {"dataValues": good + wild},
    st.lists(good_value, max_size=6),
    st.lists(data_value, max_size=1),
)
CSV_KEYS = (
    "dataElement",
    "period",
    "orgUnit",
    "categoryOptionCombo",
    "attributeOptionCombo",
    "value",
    "storedBy",
    "lastUpdated",
    "comment",
    "followup",
)


def _mixed_csv(doc: dict) -> bytes:
    rows = [[str(v.get(k, "") or "") for k in CSV_KEYS] for v in doc["dataValues"]]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _mixed_xml(doc: dict) -> bytes:
    return _xml(doc["dataValues"], {}, False)


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode()


csv_docs = st.lists(
    st.lists(
        st.one_of(st.sampled_from(ELEMENTS + COCS + UNITS + PERIODS + VALUES), text), max_size=11
    ),
    max_size=8,
).map(_csv)


def _xml(values: list[dict], root_attrs: dict, adx: bool) -> bytes:
    def clean(d: dict) -> dict[str, str]:
        return {k: str(v) for k, v in d.items() if v is not None}

    if adx:
        root = ET.Element("adx", {"xmlns": ADX_NS})
        group = ET.SubElement(root, "group", clean(root_attrs))
        for v in values:
            ET.SubElement(group, "dataValue", clean(v))
    else:
        root = ET.Element("dataValueSet", {"xmlns": DXF_NS, **clean(root_attrs)})
        for v in values:
            ET.SubElement(root, "dataValue", clean(v))
    return ET.tostring(root)


adx_value = st.fixed_dictionaries(
    {},
    optional={
        "dataElement": field(ELEMENTS),
        "value": field(VALUES),
        "SEX": st.sampled_from(["M", "F", "X"]),
        "BIRTH_ORDER": st.sampled_from(["1", "2", "3P", "9"]),
        "categoryOptionCombo": field(COCS),
    },
)
group_attrs = st.fixed_dictionaries(
    {},
    optional={
        "orgUnit": field(UNITS),
        "period": field(PERIODS),
        "dataSet": field(["COMMUNE_MONTHLY", "CHITIEU_ALL", "x"]),
        "FUNDER": text,
    },
)
good_adx_value = st.builds(
    lambda dims, value: {**dims, "value": value},
    st.sampled_from(
        [
            {"dataElement": "LIVE_BIRTHS", "SEX": "M", "BIRTH_ORDER": "1"},
            {"dataElement": "LIVE_BIRTHS", "SEX": "F", "BIRTH_ORDER": "3P"},
            {"dataElement": "LIVE_BIRTHS", "categoryOptionCombo": "M_O2", "SEX": "F"},
            {"dataElement": "ACT_INSPECTIONS"},
            {"dataElement": "STAFF", "QUALIFICATION": "MASTER"},
        ]
    ),
    st.integers(0, 300).map(str),
)
good_group = st.fixed_dictionaries(
    {
        "orgUnit": st.sampled_from(["00070", "00073", "31"]),
        "period": st.sampled_from(["2025-01-01/P1M", "2025-04-01/P3M", "2024"]),
        "dataSet": st.sampled_from(["COMMUNE_MONTHLY", "CHITIEU_ALL"]),
    }
)
xml_docs = st.builds(_xml, st.lists(data_value, max_size=6), group_attrs, st.just(False))
adx_docs = st.one_of(
    st.builds(_xml, st.lists(adx_value, max_size=6), group_attrs, st.just(True)),
    st.builds(
        _xml,
        st.tuples(st.lists(good_adx_value, max_size=6), st.lists(adx_value, max_size=1)).map(
            lambda t: t[0] + t[1]
        ),
        good_group,
        st.just(True),
    ),
)
raw_bytes = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.sampled_from(
        [
            b"<",
            b"<?xml version='1.0'?><!DOCTYPE a [<!ENTITY b 'c'>]><a>&b;</a>",
            b'{"dataValues": [{}]}',
            b"\xef\xbb\xbfdataelement\n",
            b"[" * 5000,
        ]
    ),
)


def _read(fmt: str, payload: bytes) -> Payload | None:
    """Read the whole payload (readers stream: the values are read as they are consumed);
    ``p.values`` becomes the list of values read."""
    try:
        p = read_payload(payload, fmt)
        p.values = list(p.values)  # type: ignore[assignment]
        return p
    except PayloadError as exc:
        assert str(exc)
        return None


@pytest.mark.parametrize("fmt", list(READERS))
@settings(max_examples=300, deadline=None)
@given(payload=raw_bytes)
def test_readers_survive_arbitrary_bytes(fmt, payload):
    _read(fmt, payload)


@settings(max_examples=300, deadline=None)
@given(doc=json_docs)
def test_json_reader_structured(doc):
    p = _read("json", json.dumps(doc).encode())
    if p is not None:  # every data value is read or reported, none silently lost
        assert len(p.values) + len(set(p.rejected)) == p.count


@settings(max_examples=200, deadline=None)
@given(payload=csv_docs)
def test_csv_reader_structured(payload):
    p = _read("csv", payload)
    if p is not None:
        assert len(p.values) + len(set(p.rejected)) == p.count


@settings(max_examples=200, deadline=None)
@given(payload=st.one_of(xml_docs, adx_docs))
def test_xml_and_adx_readers_structured(payload):
    _read("xml", payload)
    _read("adx", payload)


@settings(max_examples=500, deadline=None)
@given(
    raw=st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True),
        st.text(max_size=10),
        st.dates(),
        st.datetimes(),
        st.times(),
        st.decimals(allow_nan=False),
        st.binary(max_size=4),
    )
)
def test_excel_cell_parser(raw):
    try:
        n = cell_count(raw)
    except ValueError as exc:
        assert str(exc)
    else:
        assert n is None or (isinstance(n, int) and 0 <= n < 10**15)
        if n is not None:
            assert not isinstance(raw, bool | date | datetime)


# --- whole imports against a database: clean refusal and no partial write -------------------


def _check_import(db, counts, payload: bytes, fmt: str) -> None:
    before = counts(db)
    dry = import_datavalueset(db, payload, None, actor="fuzz", fmt=fmt, dry_run=True)
    assert counts(db) == before
    summary = import_datavalueset(db, payload, None, actor="fuzz", fmt=fmt)
    # atomic: WARNING only when every value was applied (a note, not a refusal)
    assert summary.status in ("SUCCESS", "WARNING", "ERROR")
    if summary.status == "WARNING":
        assert not summary.rejected_indexes
    assert (dry.status, dry.count, len(dry.conflicts)) == (
        summary.status,
        summary.count,
        len(summary.conflicts),
    )
    after = counts(db)
    c = summary.count
    if summary.status == "ERROR":
        assert after == before and summary.conflicts
        assert c.imported == c.updated == c.deleted == 0
    else:
        assert after[0] == before[0] + c.imported - c.deleted
        assert after[1] == before[1] + c.imported + c.updated + c.deleted


@DB_SETTINGS
@given(doc=st.one_of(json_docs, mixed_docs))
def test_fuzz_json_import_no_partial_write(sdb, counts, doc):
    _check_import(sdb, counts, json.dumps(doc).encode(), "json")


@DB_SETTINGS
@given(payload=st.one_of(csv_docs, mixed_docs.map(_mixed_csv)))
def test_fuzz_csv_import_no_partial_write(sdb, counts, payload):
    _check_import(sdb, counts, payload, "csv")


@DB_SETTINGS
@given(payload=st.one_of(xml_docs, mixed_docs.map(_mixed_xml)))
def test_fuzz_xml_import_no_partial_write(sdb, counts, payload):
    _check_import(sdb, counts, payload, "xml")


@DB_SETTINGS
@given(payload=adx_docs)
def test_fuzz_adx_import_no_partial_write(sdb, counts, payload):
    _check_import(sdb, counts, payload, "adx")


@pytest.mark.filterwarnings("ignore:Cell .* is marked as a date:UserWarning")
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.lists(
        st.tuples(
            st.sampled_from(["A7", "B7", "C7", "D7", "H7", "L7", "C8", "M7"]),
            st.one_of(
                st.integers(-5, 50),
                st.floats(allow_nan=False, allow_infinity=False),
                # what a person can type: no control characters (openpyxl refuses them)
                st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=6),
                st.booleans(),
                st.none(),
                st.dates(),
            ),
        ),
        max_size=6,
    )
)
def test_fuzz_excel_import_no_partial_write(sdb, counts, tmp_path_factory, cells):
    base = tmp_path_factory.mktemp("xl")
    template = base / "t.xlsx"
    with sdb.connect() as conn:
        write_template(session_on(conn), "00070", "202501", template)
    filled = base / "f.xlsx"
    fill_cells(template, cells, filled)
    before = counts(sdb)
    summary = import_excel(sdb, filled, actor="fuzz")
    after = counts(sdb)
    if summary.status == "ERROR":
        assert after == before and all(c.location for c in summary.conflicts)
    else:
        assert after[0] == before[0] + summary.count.imported - summary.count.deleted
