"""Several indicators from one set of reads (:func:`chitieu.indicators.many.indicator_values`)
give what each read alone gives, on both databases, with and without the data-value rollups;
and the hand-worked Hanoi 2024 figures of :mod:`test_indicator_service`."""

from __future__ import annotations

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from chitieu.catalog import load_catalog
from chitieu.indicators import indicator_series, indicator_value
from chitieu.indicators.many import Ask, indicator_values
from chitieu.ingest.birth_store import add_aggregates
from chitieu.reporting.rollups import rebuild_rollups
from chitieu.store.models import DataValue, Facility
from chitieu.units.load import load_units

from .test_indicator_service import BIRTHS, STATIONS, VALUES

#: What the dashboard's signatures section asks for, for 2024 (and 2025 as the later year).
ASKS = [
    *(
        Ask(code, years)
        for code in ("SRB_O1", "SRB_O2", "SRB_O3P", "SRB_O3_AFTER_2G")
        for years in ((2024,), (2020, 2021, 2022, 2023, 2024))
    ),
    Ask("SRB", (2024,)),
    Ask("THIRD_PLUS_SHARE", (2024,)),
    Ask("MISSING_FEMALE_BIRTHS", tuple(range(2015, 2025)), pooled=False),
    Ask("SRB", (2023, 2024), pooled=False),
    Ask("SRB", (2025,)),
]


@pytest.fixture(params=["values", "rollups"])
def db(engine, request):  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        load_units(conn)
        load_catalog(conn)
        add_aggregates(conn, BIRTHS)
        conn.execute(insert(DataValue), VALUES)
        conn.execute(insert(Facility), STATIONS)
    with Session(engine) as session:
        if request.param == "rollups":
            rebuild_rollups(session)
            session.commit()
        yield session


def _one_by_one(db: Session, unit: str) -> list[list]:  # type: ignore[type-arg]
    return [
        [indicator_value(db, a.indicator, unit, a.years)]
        if a.pooled
        else indicator_series(db, a.indicator, unit, a.years)
        for a in ASKS
    ]


@pytest.mark.parametrize("unit", ["VN", "01", "00070", "00004", "31"])
def test_one_read_gives_what_each_read_gives(db, unit: str) -> None:  # type: ignore[no-untyped-def]
    assert indicator_values(db, unit, ASKS) == _one_by_one(db, unit)


def test_the_hand_worked_figures(db) -> None:  # type: ignore[no-untyped-def]
    got = indicator_values(db, "01", ASKS)
    (srb,), (share,) = got[8], got[9]
    assert (srb.numerator, srb.denominator) == (192, 170)
    assert srb.value == pytest.approx(100 * 192 / 170)
    assert (share.numerator, share.denominator) == (35, 362)
    (after2g,) = got[6]
    assert (after2g.numerator, after2g.denominator, after2g.value) == (12, 5, 240)
    y2023, y2024 = got[11]
    assert (y2023.numerator, y2023.denominator, y2023.value) == (50, 50, 100)
    assert (y2024.numerator, y2024.denominator) == (192, 170)
    assert [v.years for v in got[10]] == [(y,) for y in range(2015, 2025)]


def test_facility_counts_are_refused(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="facilities"):
        indicator_values(db, "31", [Ask("STATION_DOCTORS_AVG", (2025,))])
