"""``chitieu demo --records national``: every commune gets birth records for 2019–2025, drawn
from the counts its aggregate report would hold; those years' aggregate reports are left out, so
records and reports together still add up to the national series, cell by cell."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from chitieu.demo import build_demo
from chitieu.demo.context import national_totals
from chitieu.demo.national import HANOI, communes_outside_hanoi, yearly_births
from chitieu.demo.national_records import RECORD_YEARS, iter_national_records, record_counts
from chitieu.store.db import make_engine
from chitieu.store.migrate import upgrade
from chitieu.store.models import BirthRecord, DataValue, ImportBatch, Unit
from chitieu.units.load import iter_official_units

SCALE = 0.002  # about 25,000 records


def _cell(sex: str, order: int) -> str:
    return f"{sex}_{('O1', 'O2', 'O3P')[min(order, 3) - 1]}"


@pytest.fixture(scope="module")
def national(tmp_path_factory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("national") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    result = build_demo(engine, scale=SCALE, records="national")
    yield engine, result
    engine.dispose()


def test_every_province_has_records_for_the_record_years_only(national) -> None:  # type: ignore[no-untyped-def]
    engine, result = national
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(BirthRecord)) == result.births
        rows = conn.execute(
            select(
                Unit.parent_code, func.min(BirthRecord.birth_date), func.max(BirthRecord.birth_date)
            )
            .join(Unit, Unit.code == BirthRecord.unit_code)
            .group_by(Unit.parent_code)
        ).all()
        source = conn.scalar(select(ImportBatch.source).where(ImportBatch.kind == "births"))
    provinces = {u.parent_code for u in iter_official_units() if u.level == "commune"}
    assert {r[0] for r in rows} == provinces
    for province, first, last in rows:
        if province != HANOI:
            assert (first.year, last.year) == (RECORD_YEARS[0], RECORD_YEARS[-1])
    assert "synthetic" in source.lower() and "2019–2025" in source


def test_records_and_reports_add_up_to_the_national_series(national) -> None:  # type: ignore[no-untyped-def]
    engine, _ = national
    held: dict[tuple[str, str], float] = defaultdict(float)
    with engine.connect() as conn:
        year = func.strftime("%Y", BirthRecord.birth_date)
        records = conn.execute(
            select(year, BirthRecord.sex, BirthRecord.birth_order, func.count()).group_by(
                year, BirthRecord.sex, BirthRecord.birth_order
            )
        ).all()
        values = conn.execute(
            select(DataValue.period, DataValue.disaggregation, DataValue.value, Unit.level)
            .join(Unit, Unit.code == DataValue.unit_code)
            .where(DataValue.element_code == "LIVE_BIRTHS")
        ).all()
    for year, sex, order, n in records:
        held[year, _cell(sex, order)] += n
    reported_in_record_years = set()
    for period, cell, value, level in values:
        held[period[:4], cell] += value
        if int(period[:4]) in RECORD_YEARS and level != "country":
            reported_in_record_years.add((period, level))
    # Within the record years, only the national residual is reported besides the records.
    assert reported_in_record_years == set()
    for (element, year, cell), total in national_totals().items():
        if element == "LIVE_BIRTHS":
            assert held[year, cell] == pytest.approx(total), (year, cell)


def test_records_follow_the_counts_commune_by_commune() -> None:
    units = [(u.code, u.parent_code) for u in iter_official_units() if u.level == "commune"]
    communes = communes_outside_hanoi(units, 21)
    yearly = yearly_births(communes, {}, 21)
    counts = record_counts(yearly, (2024,), 0.01, 21)
    (table,) = iter_national_records(communes, counts, 21)
    expected = counts[0][1]
    assert table.num_rows == expected.sum()
    code_index = {c: i for i, c in enumerate(communes.codes)}
    got = np.zeros_like(expected)
    for code, sex, order in zip(
        table["unit_code"].to_pylist(),
        table["sex"].to_pylist(),
        table["birth_order"].to_pylist(),
        strict=True,
    ):
        got[code_index[code], (0 if sex == "M" else 3) + min(order, 3) - 1] += 1
    np.testing.assert_array_equal(got, expected)
    ids = table["birth_id"].to_pylist()
    assert len(set(ids)) == len(ids) and ids[0].startswith("SYN-")
    boys, girls = table["prev_boys"].to_numpy(), table["prev_girls"].to_numpy()
    assert (boys + girls == table["birth_order"].to_numpy() - 1).all()
    assert table["facility_code"].null_count == table.num_rows


def test_cli_refuses_an_unknown_records_choice(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from chitieu.cli import app

    monkeypatch.setenv("CHITIEU_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--records", "everyone"])
    assert result.exit_code != 0
    assert (
        not (tmp_path / "x.db").exists()
        or create_engine(f"sqlite:///{tmp_path / 'x.db'}")
        .connect()
        .scalar(select(func.count()).select_from(BirthRecord))
        == 0
    )


def test_cli_choices_are_the_builds() -> None:
    from chitieu.cli.demo import Records
    from chitieu.demo.build import RECORDS

    assert tuple(r.value for r in Records) == RECORDS
