"""The catalogue file: what it declares, loading it (idempotent, audited), refusing bad files."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from chitieu.catalog import CatalogError, UnknownCodeError, load_catalog, read_catalog
from chitieu.catalog.load import DEFAULT_CATALOG
from chitieu.store.models import AuditEntry, DataElement

ELEMENTS = {
    "LIVE_BIRTHS": ["M_O1", "M_O2", "M_O3P", "F_O1", "F_O2", "F_O3P"],
    "STAFF": ["QUAL_DOCTORAL", "QUAL_MASTER", "QUAL_UNIVERSITY", "QUAL_COLLEGE"],
    **{
        code: ["default"]
        for code in [
            "POPULATION",
            "DOCTORS",
            "PHARMACISTS",
            "NURSES",
            "HOSPITAL_BEDS",
            "STATION_DOCTORS",
            "INSURED_PERSONS",
            "FREE_CHECKUPS",
            "DTP1_DOSES",
            "DTP1_TARGET_POP",
            "ACT_COMM_SESSIONS",
            "ACT_PEOPLE_REACHED",
            "ACT_FACILITY_COMMITMENTS",
            "ACT_INSPECTIONS",
        ]
    },
}
INDICATORS = [
    "SRB",
    "SRB_O1",
    "SRB_O2",
    "SRB_O3P",
    "SRB_O3_AFTER_2G",
    "THIRD_PLUS_SHARE",
    "MISSING_FEMALE_BIRTHS",
    "DOCTORS_PER_10K",
    "PHARMACISTS_PER_10K",
    "NURSES_PER_10K",
    "BEDS_PER_10K",
    "STATION_DOCTORS_AVG",
    "INSURANCE_COVERAGE",
    "CHECKUP_COVERAGE",
    "DTP1_COVERAGE",
]


def test_shipped_catalogue_declares_every_shared_code():
    cat = read_catalog()
    assert {c: e.disaggregation_codes for c, e in cat.elements.items()} == ELEMENTS
    assert list(cat.indicators) == INDICATORS
    assert cat.indicator("SRB").name_vi == "Tỷ số giới tính khi sinh"
    assert cat.element("LIVE_BIRTHS").name_vi == "Số trẻ đẻ ra sống"
    staff = {d.code: d.name_vi for d in cat.element("STAFF").disaggregations}
    assert staff["QUAL_DOCTORAL"] == "Tiến sĩ, bác sĩ chuyên khoa II"
    # third births after two girls come from birth records only
    after2g = cat.indicator("SRB_O3_AFTER_2G").numerator.births
    assert (after2g.sex, after2g.birth_order, after2g.prev_boys, after2g.prev_girls) == (
        "M",
        [3],
        [0],
        [2],
    )
    kinds = {c: (i.kind, i.multiplier, i.better) for c, i in cat.indicators.items()}
    assert kinds["DOCTORS_PER_10K"] == ("rate", 10_000, "higher")
    assert kinds["INSURANCE_COVERAGE"] == ("proportion", 100, "higher")
    assert kinds["SRB"] == ("sex_ratio", 100, "lower")
    assert cat.indicator("MISSING_FEMALE_BIRTHS").reference_srb == 106.3
    with pytest.raises(UnknownCodeError, match="unknown indicator 'SRB9'"):
        cat.indicator("SRB9")


def test_load_catalog_is_idempotent_and_audited(engine):
    with engine.begin() as conn:
        assert load_catalog(conn) == len(ELEMENTS)
        assert load_catalog(conn) == 0
        rows = {r.code: r for r in conn.execute(select(DataElement))}
        audits = conn.scalar(select(func.count()).select_from(AuditEntry))
    assert rows["LIVE_BIRTHS"].disaggregations == ELEMENTS["LIVE_BIRTHS"]
    assert rows["POPULATION"].name_en == "Population"
    assert audits == len(ELEMENTS)  # one insert each, nothing on the second run


def _write(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _shipped() -> dict:
    return yaml.safe_load(DEFAULT_CATALOG.read_text(encoding="utf-8"))


def test_a_changed_name_updates_the_row(engine, tmp_path):
    raw = _shipped()
    with engine.begin() as conn:
        load_catalog(conn)
        raw["elements"][1]["name_en"] = "Resident population"
        assert load_catalog(conn, _write(tmp_path, raw)) == 1
        name = conn.scalar(select(DataElement.name_en).where(DataElement.code == "POPULATION"))
        last = conn.execute(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert name == "Resident population"
    assert (last.action, last.row_key, last.before["name_en"]) == (
        "update",
        "POPULATION",
        "Population",
    )


def _element(raw: dict, code: str) -> dict:
    return next(e for e in raw["elements"] if e["code"] == code)


def _indicator(raw: dict, code: str) -> dict:
    return next(i for i in raw["indicators"] if i["code"] == code)


def _unknown_element(raw):
    _indicator(raw, "SRB")["numerator"]["element"] = "LIVE_BIRTH"


def _duplicate_element(raw):
    raw["elements"].append(copy.deepcopy(_element(raw, "POPULATION")))


def _duplicate_indicator(raw):
    raw["indicators"].append(copy.deepcopy(_indicator(raw, "SRB")))


def _no_vietnamese_name(raw):
    del _element(raw, "DOCTORS")["name_vi"]


def _blank_vietnamese_name(raw):
    _indicator(raw, "BEDS_PER_10K")["name_vi"] = "  "


def _unknown_disaggregation(raw):
    _indicator(raw, "SRB_O1")["numerator"]["disaggregations"] = ["M_O4"]


def _girls_over_boys(raw):
    ind = _indicator(raw, "SRB_O2")
    ind["numerator"], ind["denominator"] = ind["denominator"], ind["numerator"]


def _typo_key(raw):
    _indicator(raw, "DTP1_COVERAGE")["multipler"] = 100


def _rate_per_facility(raw):
    _indicator(raw, "BEDS_PER_10K")["denominator"] = {"facilities": {"kind": "hospital"}}


BAD_CATALOGUES = [
    (_unknown_element, "indicators[SRB]: numerator: unknown element 'LIVE_BIRTH'"),
    (_duplicate_element, "elements: duplicate code POPULATION"),
    (_duplicate_indicator, "indicators: duplicate code SRB"),
    (_no_vietnamese_name, "elements[2:DOCTORS].name_vi: Field required"),
    (_blank_vietnamese_name, "indicators[10:BEDS_PER_10K].name_vi: String should have at least"),
    (_unknown_disaggregation, "element LIVE_BIRTHS has no disaggregation 'M_O4'"),
    (_girls_over_boys, "indicators[SRB_O2]: sex_ratio needs male births as numerator"),
    (_typo_key, "indicators[14:DTP1_COVERAGE].multipler: Extra inputs are not permitted"),
    (_rate_per_facility, "indicators[BEDS_PER_10K]: rate takes elements or births"),
]


@pytest.mark.parametrize(
    ("spoil", "message"), BAD_CATALOGUES, ids=[b[0].__name__ for b in BAD_CATALOGUES]
)
def test_a_malformed_catalogue_is_refused_with_a_clear_message(tmp_path, spoil, message):
    raw = _shipped()
    spoil(raw)
    with pytest.raises(CatalogError) as info:
        read_catalog(_write(tmp_path, raw))
    assert message in str(info.value)
    assert str(tmp_path / "catalog.yaml") in str(info.value)


def test_a_refused_catalogue_writes_nothing(engine, tmp_path):
    raw = _shipped()
    _unknown_element(raw)
    bad = _write(tmp_path, raw)
    with engine.begin() as conn, pytest.raises(CatalogError):
        load_catalog(conn, bad)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(DataElement)) == 0
        assert conn.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_a_duplicate_yaml_key_is_refused_with_its_line(tmp_path):
    text = DEFAULT_CATALOG.read_text(encoding="utf-8").replace(
        "    name_vi: Dân số\n", "    name_vi: Dân số\n    name_vi: Dân số 2\n", 1
    )
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match=r"duplicate key 'name_vi' \(first at line \d+\)"):
        read_catalog(path)
