"""DHIS2 data value import/export throughput, beside a naive per-value baseline.

Payload: one month of the commune monthly report for every commune (3,321 × 10 values), as
DHIS2 dataValueSet JSON with UIDs. chitieu: ``import_datavalueset`` (validate all, then bulk
write with one audit entry per value), a second run of the same payload (all ignored), and
``export_datavalues``. Baseline, in the same process on a fresh database: for each value one
SELECT for the stored row, one INSERT and one audit entry (the obvious loop). SQLite file
databases in a temporary directory.

    .venv/bin/python bench/bench_exchange.py [--communes N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from chitieu.catalog import load_catalog
from chitieu.exchange.dhis2 import import_datavalueset
from chitieu.exchange.export import export_datavalues
from chitieu.exchange.mapping import IdScheme, read_mapping
from chitieu.store.audit import record_change
from chitieu.store.db import make_engine
from chitieu.store.migrate import upgrade
from chitieu.store.models import DataValue, Unit
from chitieu.units.load import load_units


def fresh(path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        load_units(conn)
        load_catalog(conn)
    return engine


def payload(engine, n_communes: int) -> tuple[bytes, list[tuple[str, str, str, str]]]:  # type: ignore[no-untyped-def]
    mapping = read_mapping()
    with engine.connect() as conn:
        communes = list(
            conn.scalars(select(Unit.code).where(Unit.level == "commune").order_by(Unit.code))
        )[:n_communes]
    cells = [
        (el, d)
        for el in mapping.data_sets["COMMUNE_MONTHLY"].elements
        for d in (
            ["M_O1", "M_O2", "M_O3P", "F_O1", "F_O2", "F_O3P"]
            if el == "LIVE_BIRTHS"
            else ["default"]
        )
    ]
    rows, plain = [], []
    for i, unit in enumerate(communes):
        for j, (el, d) in enumerate(cells):
            value = str((i * 7 + j * 3) % 40)
            rows.append(
                {
                    "dataElement": mapping.element_id(el, IdScheme.UID),
                    "period": "202501",
                    "orgUnit": unit,
                    "categoryOptionCombo": mapping.coc_id(d, IdScheme.UID),
                    "value": value,
                }
            )
            plain.append((el, unit, d, value))
    return json.dumps({"dataValues": rows}).encode(), plain


def naive(engine, plain) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        for el, unit, d, value in plain:
            key = (
                DataValue.element_code == el,
                DataValue.unit_code == unit,
                DataValue.period == "202501",
                DataValue.disaggregation == d,
            )
            if conn.execute(select(DataValue.id).where(*key)).first() is None:
                conn.execute(
                    insert(DataValue).values(
                        element_code=el,
                        unit_code=unit,
                        period="202501",
                        disaggregation=d,
                        value=float(value),
                    )
                )
                record_change(
                    conn,
                    actor="bench",
                    action="insert",
                    table="data_values",
                    key=f"{el}|{unit}|202501|{d}",
                    after={"value": float(value)},
                )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--communes", type=int, default=3321)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        a, b = fresh(Path(tmp) / "a.db"), fresh(Path(tmp) / "b.db")
        body, plain = payload(a, args.communes)
        n = len(plain)
        t0 = time.perf_counter()
        s = import_datavalueset(a, body, "application/json", actor="bench")
        t_import = time.perf_counter() - t0
        assert s.count.imported == n, s.conflicts[:3]
        t0 = time.perf_counter()
        s2 = import_datavalueset(a, body, "application/json", actor="bench")
        t_again = time.perf_counter() - t0
        assert s2.count.ignored == n
        t0 = time.perf_counter()
        with Session(a) as db:
            out = export_datavalues(db, fmt="json")
        t_export = time.perf_counter() - t0
        t0 = time.perf_counter()
        naive(b, plain)
        t_naive = time.perf_counter() - t0
    print(f"values: {n} ({args.communes} communes × {n // args.communes}), SQLite")
    print(
        f"chitieu import (validate + write + audit): {t_import:.2f} s = {n / t_import:,.0f} "
        f"values/s"
    )
    print(
        f"chitieu re-import (all ignored):          {t_again:.2f} s = {n / t_again:,.0f} values/s"
    )
    print(
        f"chitieu export JSON ({len(out) / 1e6:.1f} MB):          {t_export:.2f} s = "
        f"{n / t_export:,.0f} values/s"
    )
    print(
        f"naive per-value loop (no validation):     {t_naive:.2f} s = {n / t_naive:,.0f} values/s"
    )
    print(f"ratio naive/chitieu import time: {t_naive / t_import:.2f}×")


if __name__ == "__main__":
    main()
