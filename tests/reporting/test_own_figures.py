"""A unit's own figure per year, grouped by the database: the coarsest period type of the year
wins, periods that straddle two years count in the one holding most of their days, values
still being entered do not count, and the periods' places outlive neither a rollback nor
miss a period written later."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Engine, insert

from chitieu.catalog.periods import PeriodType
from chitieu.reporting.own_figures import RANK, Figure, own_figures, place_periods
from chitieu.store.db import session_on
from chitieu.store.models import DataValue

UNIT = "00070"
SESSIONS, REACHED = "ACT_COMM_SESSIONS", "ACT_PEOPLE_REACHED"


def _store(conn: Connection, element: str, values: dict[str, float], status: str = "submitted"):  # type: ignore[no-untyped-def]
    conn.execute(
        insert(DataValue),
        [
            {
                "element_code": element,
                "unit_code": UNIT,
                "period": period,
                "disaggregation": "default",
                "value": value,
                "status": status,
            }
            for period, value in values.items()
        ],
    )


def _day(year: int, month: int, day: int) -> int:
    return date(year, month, day).toordinal()


def _figures(conn: Connection) -> dict[tuple[str, int], Figure]:
    db = session_on(conn)
    place_periods(db, [UNIT])
    found = own_figures(db, [(UNIT, SESSIONS, "default"), (UNIT, REACHED, "default")])
    return {(e, y): f for (u, e, d, y), f in found.items()}


def test_each_year_reads_its_coarsest_period_type(ready_engine: Engine) -> None:
    weekly, monthly = RANK[PeriodType.WEEKLY], RANK[PeriodType.MONTHLY]
    april, quarterly = RANK[PeriodType.FINANCIAL_APRIL], RANK[PeriodType.QUARTERLY]
    with ready_engine.begin() as conn:
        # 2025W1 runs from 30 December 2024 to 5 January 2025: it counts in 2025.
        _store(conn, SESSIONS, {"2024W51": 3, "2024W52": 4, "2025W1": 5, "2025W2": 6})
        _store(conn, SESSIONS, {"202502": 20})  # a month of 2025 beats its weeks
        _store(conn, SESSIONS, {"2024W50": 100}, status="draft")  # not a figure yet
        # April 2024 to March 2025 counts in 2024, and beats its months.
        _store(conn, REACHED, {"2024April": 50, "202404": 9, "2025Q1": 7, "2025Q2": 8})
        figures = _figures(conn)
    assert figures == {
        (SESSIONS, 2024): Figure(weekly, 7.0, 4.0, _day(2024, 12, 23), 2),
        (SESSIONS, 2025): Figure(monthly, 20.0, 20.0, _day(2025, 2, 1), 1),
        (REACHED, 2024): Figure(april, 50.0, 50.0, _day(2024, 4, 1), 1),
        (REACHED, 2025): Figure(quarterly, 15.0, 8.0, _day(2025, 4, 1), 2),
    }


def test_the_places_of_periods_outlive_neither_a_rollback_nor_miss_a_later_period(
    ready_engine: Engine,
) -> None:
    monthly, yearly = RANK[PeriodType.MONTHLY], RANK[PeriodType.YEARLY]
    march = Figure(monthly, 4.0, 4.0, _day(2024, 3, 1), 1)
    with ready_engine.connect() as conn:
        with conn.begin() as first:
            _store(conn, SESSIONS, {"202401": 1, "202402": 2})
            assert _figures(conn) == {
                (SESSIONS, 2024): Figure(monthly, 3.0, 2.0, _day(2024, 2, 1), 2)
            }
            first.rollback()  # takes the values and, on PostgreSQL, the places table away
        with conn.begin():
            _store(conn, SESSIONS, {"202403": 4})
            assert _figures(conn) == {(SESSIONS, 2024): march}
        with conn.begin():  # the places kept from before, and a period new to them
            _store(conn, SESSIONS, {"2023": 30, "202312": 5})
            assert _figures(conn) == {
                (SESSIONS, 2024): march,
                (SESSIONS, 2023): Figure(yearly, 30.0, 30.0, _day(2023, 1, 1), 1),
            }
