"""A small demo-like world for the web tests, the browser tests and the paint benchmark.

Real units, catalogue and plans; synthetic births (birth aggregates) for every Hanoi commune
over 2012–2025 with son preference at third births and a few communes with an excess; Hanoi's
capacity figures; the communes' monthly reports for 2025 (January–November, most on time,
some late, some missing; December not yet sent), whose live births equal the commune's birth
records of the month (2025's records are spread over its months; earlier years' are all in
June) except the third commune's November report, a boy short; users ``admin``, ``analyst.hanoi``,
``entry.00070`` and ``entry.00004`` with the password ``demo``. Everything is marked
synthetic, as the demo is.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Engine, insert, select

from chitieu.auth.users import create_user
from chitieu.catalog import load_catalog
from chitieu.ingest.birth_store import add_aggregates
from chitieu.plans import load_plans
from chitieu.store.models import AuditEntry, DataValue, ImportBatch, Unit
from chitieu.units.load import load_units

PASSWORD = "demo"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')
HANOI, HOAN_KIEM, BA_DINH = "01", "00070", "00004"
YEARS = range(2012, 2026)
REPORT_YEAR = 2025
#: The month in which the third commune's report counts one boy fewer than its birth records.
DIFFERING_MONTH = 11
#: Communes with an excess from 2019 on (as if a clinic disclosed fetal sex).
EXCESS_COMMUNES = 4
USERS = (
    ("admin", "admin", "VN"),
    ("analyst.hanoi", "analyst", HANOI),
    (f"entry.{HOAN_KIEM}", "entry", HOAN_KIEM),
    (f"entry.{BA_DINH}", "entry", BA_DINH),
)
#: (element, value) for Hanoi, each year 2021–2025 (per-10,000 and coverage indicators).
HANOI_CAPACITY = {
    "POPULATION": 8_700_000,
    "DOCTORS": 12_300,
    "PHARMACISTS": 3_100,
    "NURSES": 17_800,
    "HOSPITAL_BEDS": 32_000,
    "INSURED_PERSONS": 8_000_000,
    "FREE_CHECKUPS": 5_900_000,
    "DTP1_DOSES": 118_000,
    "DTP1_TARGET_POP": 121_000,
}


def _births(rng: np.random.Generator, communes: list[str]) -> list[dict]:
    """Birth aggregates: per commune and year, by sex, birth order and earlier children."""
    rows = []
    size = rng.lognormal(np.log(900), 0.8, len(communes)).clip(60, 6000)
    excess = set(rng.choice(len(communes), EXCESS_COMMUNES, replace=False))
    # (birth order, earlier boys, earlier girls, share of births, P(boy))
    cells = [
        (1, 0, 0, 0.50, 0.515),
        (2, 1, 0, 0.21, 0.515),
        (2, 0, 1, 0.21, 0.535),
        (3, 2, 0, 0.02, 0.515),
        (3, 1, 1, 0.03, 0.55),
        (3, 0, 2, 0.03, 0.60),
    ]
    for i, code in enumerate(communes):
        for year in YEARS:
            n = rng.poisson(size[i] * (1.0 - 0.01 * (year - 2012)))
            boost = 0.05 if i in excess and year >= 2019 else 0.0
            for order, boys, girls, share, p_boy in cells:
                births = rng.poisson(n * share)
                male = rng.binomial(births, min(0.95, p_boy + boost))
                for sex, count in (("M", male), ("F", births - male)):
                    if count:
                        rows.append(
                            {
                                "unit_code": code,
                                "year": year,
                                "month": 6,
                                "sex": sex,
                                "birth_order": order,
                                "prev_boys": boys,
                                "prev_girls": girls,
                                "births": int(count),
                            }
                        )
    return rows


def _spread(rows: list[dict]) -> list[dict]:
    """The report year's births spread over its twelve months (the earlier months take the
    remainder); other years' stay in June."""
    out = []
    for row in rows:
        if row["year"] != REPORT_YEAR:
            out.append(row)
            continue
        base, extra = divmod(row["births"], 12)
        for month in range(1, 13):
            n = base + (1 if month <= extra else 0)
            if n:
                out.append({**row, "month": month, "births": n})
    return out


def _report_cells(rows: list[dict]) -> dict[tuple[str, int, str], int]:
    """Births of the report year per (commune, month, LIVE_BIRTHS cell)."""
    cells: dict[tuple[str, int, str], int] = {}
    for row in rows:
        if row["year"] == REPORT_YEAR:
            cell = f"{row['sex']}_O{min(row['birth_order'], 3)}" + (
                "P" if row["birth_order"] >= 3 else ""
            )
            key = (row["unit_code"], row["month"], cell)
            cells[key] = cells.get(key, 0) + row["births"]
    return cells


def _reports(
    rng: np.random.Generator, communes: list[str], births: dict[tuple[str, int, str], int]
) -> tuple[list[dict], list[dict]]:
    """Monthly report values for 2025 (January–November) and the audit entries of their
    submission, at times that make most on time (by the 10th of the next month)."""
    values, audit = [], []
    for code in communes:
        for month in range(1, 12):
            draw = rng.random()
            if draw < 0.08:
                continue  # never sent
            period = f"{REPORT_YEAR}{month:02d}"
            status = "draft" if draw < 0.12 else "submitted"
            day = int(rng.integers(2, 10)) if draw < 0.85 else int(rng.integers(12, 28))
            sent = datetime(REPORT_YEAR + month // 12, month % 12 + 1, day, 3, 0)
            for disagg in ("M_O1", "M_O2", "M_O3P", "F_O1", "F_O2", "F_O3P"):
                rng.integers(0, 40)  # drawn as before, so the statuses and days stay the same
                value = births.get((code, month, disagg), 0)
                if (code, month, disagg) == (communes[2], DIFFERING_MONTH, "M_O1") and value:
                    value -= 1  # one report a boy short of its records: the records are used
                values.append(
                    {
                        "element_code": "LIVE_BIRTHS",
                        "unit_code": code,
                        "period": period,
                        "disaggregation": disagg,
                        "value": value,
                        "status": status,
                        "synthetic": True,
                        "created": sent - timedelta(days=1),
                        "last_updated": sent,
                    }
                )
                audit.append(
                    {
                        "actor": f"entry.{code}",
                        "action": "insert",
                        "table_name": "data_values",
                        "row_key": f"LIVE_BIRTHS|{code}|{period}|{disagg}",
                        "unit_code": code,
                        "at": sent,
                        "after": {"value": value, "status": status},
                    }
                )
    return values, audit


def build_world(engine: Engine, password_hash: str, *, seed: int = 4) -> None:
    """Fill the empty migrated database behind ``engine`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    with engine.begin() as conn:
        load_units(conn)
        load_catalog(conn)
        load_plans(conn)
        communes = list(
            conn.scalars(select(Unit.code).where(Unit.parent_code == HANOI).order_by(Unit.code))
        )
        births = _spread(_births(rng, communes))
        add_aggregates(conn, births)
        conn.execute(
            insert(ImportBatch).values(
                kind="demo", source="tests/web/webworld.py", sha256="0" * 64, imported_by="demo"
            )
        )
        capacity = [
            {
                "element_code": element,
                "unit_code": HANOI,
                "period": str(year),
                "disaggregation": "default",
                "value": value * (1 + 0.02 * (year - 2021)),
                "status": "submitted",
                "synthetic": True,
            }
            for year in range(2021, 2026)
            for element, value in HANOI_CAPACITY.items()
        ]
        conn.execute(insert(DataValue), capacity)
        values, audit = _reports(rng, communes, _report_cells(births))
        conn.execute(insert(DataValue), values)
        conn.execute(insert(AuditEntry), audit)
        for username, role, unit in USERS:
            create_user(conn, username, role=role, unit_code=unit, password_hash=password_hash)


def form_token(html: str) -> str:
    """The ``csrf_token`` hidden field of a page's form."""
    match = CSRF_INPUT.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)
