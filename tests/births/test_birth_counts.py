"""Birth counts read from ``birth_aggregates``, with rows written here directly (not through the
importer), so the expected sums are worked out by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from chitieu.births import birth_counts, commune_sex_counts
from chitieu.ingest.birth_store import add_aggregates
from chitieu.units.load import load_units
from chitieu.units.queries import UnknownUnitError

# (unit, year, month, sex, order, prev_boys, prev_girls, births)
AGGREGATES = [
    ("00070", 2024, 1, "M", 1, 0, 0, 10),
    ("00070", 2024, 2, "M", 1, 0, 0, 5),
    ("00070", 2024, 1, "F", 1, 0, 0, 12),
    ("00070", 2024, 3, "M", 3, 0, 2, 7),  # third births after two girls
    ("00070", 2024, 3, "F", 3, 0, 2, 3),
    ("00070", 2025, 1, "M", 4, 2, 1, 2),
    ("00073", 2024, 6, "F", 2, 1, 0, 4),
    ("00073", 2024, 6, "M", 3, 1, 1, 6),
    ("11560", 2024, 1, "M", 1, 0, 0, 100),  # Hai Phong
]


@pytest.fixture
def db(engine: Engine) -> Engine:
    keys = ("unit_code", "year", "month", "sex", "birth_order", "prev_boys", "prev_girls")
    with engine.begin() as conn:
        load_units(conn)
        add_aggregates(conn, [dict(zip((*keys, "births"), a, strict=True)) for a in AGGREGATES])
    return engine


def test_counts_by_year_and_sex_within_hanoi(db):
    with db.connect() as conn:
        rows = birth_counts(conn, "01", by=("year", "sex"))
    assert rows == [
        {"year": 2024, "sex": "F", "births": 12 + 3 + 4},
        {"year": 2024, "sex": "M", "births": 10 + 5 + 7 + 6},
        {"year": 2025, "sex": "M", "births": 2},
    ]
    assert all(isinstance(r["births"], int) for r in rows)


def test_scope_country_province_commune(db):
    with db.connect() as conn:
        total = {
            code: sum(r["births"] for r in birth_counts(conn, code, by=()))
            for code in ("VN", "01", "31", "00073")
        }
        everything = birth_counts(conn, None, by=())
    assert total == {"VN": 149, "01": 49, "31": 100, "00073": 10}
    assert everything == [{"births": 149}]


def test_filters_third_births_after_two_girls(db):
    with db.connect() as conn:
        rows = birth_counts(
            conn, "01", by=("sex",), birth_order=3, prev_boys=0, prev_girls=2, years=[2024]
        )
        third_plus = birth_counts(conn, "VN", by=("unit_code",), birth_order=(3, 4))
    assert rows == [{"sex": "F", "births": 3}, {"sex": "M", "births": 7}]
    assert third_plus == [
        {"unit_code": "00070", "births": 7 + 3 + 2},
        {"unit_code": "00073", "births": 6},
    ]


def test_commune_sex_counts_for_srb_input(db):
    with db.connect() as conn:
        hanoi = commune_sex_counts(conn, "01")
        country = commune_sex_counts(conn, "VN", years=[2024])
    assert hanoi == [
        {"unit": "00070", "year": 2024, "male": 22, "female": 15, "parent": "01"},
        {"unit": "00070", "year": 2025, "male": 2, "female": 0, "parent": "01"},
        {"unit": "00073", "year": 2024, "male": 6, "female": 4, "parent": "01"},
    ]
    assert [(r["unit"], r["parent"]) for r in country] == [
        ("00070", "01"),
        ("00073", "01"),
        ("11560", "31"),
    ]


def test_bad_arguments(db):
    with db.connect() as conn:
        with pytest.raises(UnknownUnitError):
            birth_counts(conn, "70")
        with pytest.raises(ValueError, match="cannot group"):
            birth_counts(conn, by=("mother_age",))
