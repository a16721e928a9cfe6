"""Shared fixtures: real databases on SQLite and PostgreSQL, each with the migrated schema.

PostgreSQL tests use the server at 127.0.0.1:5432 (trust auth). Each test session creates a
database of its own (so parallel runs never collide) and drops it at the end. Where no server
answers, those tests are skipped with a message saying so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine

from chitieu.store.db import make_engine
from chitieu.store.migrate import upgrade

PG_ADMIN_DSN = os.environ.get("CHITIEU_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test")


def _pg_admin() -> psycopg.Connection | None:
    try:
        return psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        return None


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database for this test session."""
    admin = _pg_admin()
    if admin is None:
        pytest.skip(f"no PostgreSQL server answers at {PG_ADMIN_DSN!r}: server-mode tests skipped")
    name = f"chitieu_test_{uuid.uuid4().hex[:12]}"
    user = admin.info.user
    admin.execute(f'CREATE DATABASE "{name}"')  # name is generated above, never user input
    try:
        yield f"postgresql+psycopg://{user}@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(autouse=True)
def _fresh_completeness_memo() -> None:
    """A PostgreSQL test database keeps its URL for the whole session while its schema, and so
    its change counters, start again in each test: the births-completeness memo and the
    provinces' kept reads, keyed by URL and counters, must not hand one test's counts to the
    next."""
    from chitieu.indicators import by_province, completeness

    with completeness._MEMO_LOCK:
        completeness._MEMO.clear()
    by_province.MEMO.clear()


def _fresh_pg_engine(pg_url: str) -> Engine:
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    upgrade(engine)
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A migrated, empty database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'chitieu.db'}")
        upgrade(eng)
    else:
        eng = _fresh_pg_engine(request.getfixturevalue("pg_url"))
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A migrated, empty SQLite database, for tests that need only the embedded default."""
    eng = make_engine(f"sqlite:///{tmp_path / 'chitieu.db'}")
    upgrade(eng)
    yield eng
    eng.dispose()


# --- bootstrapped databases (units, catalogue, plans, scorecards loaded) -------------------


@pytest.fixture(scope="session")
def _bootstrapped_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file bootstrapped once per session; tests get copies of it."""
    from chitieu.bootstrap import bootstrap

    path = tmp_path_factory.mktemp("template") / "ready.db"
    eng = make_engine(f"sqlite:///{path}")
    bootstrap(eng)
    _load_scorecards(eng)
    eng.dispose()  # closes the WAL, so the file alone holds everything
    return str(path)


def _load_scorecards(eng: Engine) -> None:
    try:
        from chitieu.targets.scorecard import load_scorecards
    except ImportError:  # the scorecard module is optional for other suites
        return
    with eng.begin() as conn:
        load_scorecards(conn)


@pytest.fixture
def ready_sqlite(_bootstrapped_template: str, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A SQLite database with the schema, units, catalogue, plans and scorecards loaded."""
    import shutil

    path = tmp_path / "ready.db"
    shutil.copyfile(_bootstrapped_template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ready_engine(request: pytest.FixtureRequest) -> Engine:
    """:func:`ready_sqlite`, and the same loaded into a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return request.getfixturevalue("ready_sqlite")
    from chitieu.bootstrap import bootstrap

    eng = _fresh_pg_engine(request.getfixturevalue("pg_url"))
    bootstrap(eng)
    _load_scorecards(eng)
    request.addfinalizer(eng.dispose)
    return eng


# --- a small plan world: births, coverage, facilities, inspections, activities -------------

#: Hanoi wards with births in the plan world; the last has an excess sex ratio (SRB ≈ 125).
PLAN_WORLD_COMMUNES = ("00004", "00008", "00025", "00070", "00073", "00091", "00097", "00103")
PLAN_WORLD_EXCESS = "00103"
PLAN_WORLD_YEARS = range(2012, 2026)


def plan_world_births() -> dict[tuple[str, int], tuple[int, int]]:
    """(commune, year) -> (boys, girls): a fixed draw around an SRB falling from 116 to about
    112.8 (0.25 a year), 10,000–17,000 births a commune-year (about 108,000 a year in all,
    Hanoi-like); the excess ward at 125 throughout."""
    import numpy as np

    rng = np.random.default_rng(20260)
    out = {}
    for i, code in enumerate(PLAN_WORLD_COMMUNES):
        for year in PLAN_WORLD_YEARS:
            srb = 125.0 if code == PLAN_WORLD_EXCESS else 116.0 - 0.25 * (year - 2012)
            total = 10_000 + 1_000 * i
            boys = int(rng.binomial(total, srb / (100 + srb)))
            out[(code, year)] = (boys, total - boys)
    return out


def fill_plan_world(eng: Engine) -> None:
    """Add to a bootstrapped database: Hanoi births (:func:`plan_world_births`), Hai Phong
    insurance and population 2019–2025 (coverage 90 % rising 0.9 points a year), two Hanoi
    facilities with inspections in 2024–2026, and activity reports for 2026Q1."""
    from datetime import date

    from sqlalchemy import insert

    from chitieu.ingest.birth_store import add_aggregates
    from chitieu.store.models import (
        ActivityReport,
        DataValue,
        Facility,
        Inspection,
    )

    births = [
        {
            "unit_code": u,
            "year": y,
            "month": 1,
            "sex": sex,
            "birth_order": 1,
            "prev_boys": 0,
            "prev_girls": 0,
            "births": n,
        }
        for (u, y), (boys, girls) in plan_world_births().items()
        for sex, n in (("M", boys), ("F", girls))
    ]
    values = []
    for y in range(2019, 2026):
        population = 2_000_000
        insured = round(population * (0.90 + 0.009 * (y - 2019)))
        for element, v in (("POPULATION", population), ("INSURED_PERSONS", insured)):
            values.append(
                {
                    "element_code": element,
                    "unit_code": "10510",
                    "period": str(y),
                    "disaggregation": "default",
                    "value": v,
                    "status": "submitted",
                }
            )
    facilities = [
        {
            "code": "PW-BV",
            "unit_code": "00070",
            "name": "Bệnh viện Phụ sản (mô phỏng)",
            "kind": "hospital",
            "ownership": "public",
            "offers_ultrasound": True,
            "offers_obstetrics": True,
        },
        {
            "code": "PW-PK",
            "unit_code": "00097",
            "name": "Phòng khám siêu âm Hồng Hà",
            "kind": "clinic",
            "ownership": "private",
            "offers_ultrasound": True,
            "offers_obstetrics": False,
        },
    ]
    inspections = [
        {
            "facility_code": "PW-PK",
            "inspected_on": date(2026, 3, 15),
            "team": "Đoàn 1",
            "violation": True,
            "fine_vnd": 40_000_000,
            "suspended": True,
            "commitment_signed": True,
        },
        {
            "facility_code": "PW-BV",
            "inspected_on": date(2026, 5, 20),
            "team": "Đoàn 2",
            "violation": False,
            "fine_vnd": 0,
            "suspended": False,
            "commitment_signed": True,
        },
        {
            "facility_code": "PW-BV",
            "inspected_on": date(2024, 6, 1),
            "team": "Đoàn 2",
            "violation": False,
            "fine_vnd": 0,
            "suspended": False,
            "commitment_signed": False,
        },
    ]
    activities = [
        {
            "plan_code": "HN-SRB-2026-2030",
            "reporter": "HN-SYT",
            "unit_code": "01",
            "period": "2026Q1",
            "activity": "comm_sessions",
            "value": 40,
            "task_code": "T1.1",
        },
        {
            "plan_code": "HN-SRB-2026-2030",
            "reporter": "HN-SYT",
            "unit_code": "01",
            "period": "2026Q1",
            "activity": "inspections",
            "value": 2,
            "task_code": "T2.3",
        },
        {
            "plan_code": "HN-SRB-2026-2030",
            "reporter": "commune",
            "unit_code": "00070",
            "period": "2026Q1",
            "activity": "people_reached",
            "value": 850,
            "task_code": None,
        },
    ]
    with eng.begin() as conn:
        add_aggregates(conn, births)
        conn.execute(insert(DataValue), values)
        conn.execute(insert(Facility), facilities)
        conn.execute(insert(Inspection), inspections)
        conn.execute(insert(ActivityReport), activities)


@pytest.fixture(scope="session")
def _plan_world_template(_bootstrapped_template: str, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    import shutil

    path = tmp_path_factory.mktemp("plan_world") / "world.db"
    shutil.copyfile(_bootstrapped_template, path)
    eng = make_engine(f"sqlite:///{path}")
    fill_plan_world(eng)
    eng.dispose()
    return str(path)


@pytest.fixture
def plan_world(_plan_world_template: str, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """:func:`ready_sqlite` with the plan world of :func:`fill_plan_world` (SQLite)."""
    import shutil

    path = tmp_path / "world.db"
    shutil.copyfile(_plan_world_template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def plan_world_counts() -> dict[tuple[str, int], tuple[int, int]]:
    """The plan world's Hanoi births, (commune, year) -> (boys, girls), for tests that check
    figures against the counts put in."""
    return plan_world_births()


#: Password of every user of :func:`plan_api`.
PLAN_API_PASSWORD = "plan-api-password"
#: The users of :func:`plan_api`: (role, unit).
PLAN_API_USERS = {
    "admin": ("admin", "VN"),
    "analyst.hanoi": ("analyst", "01"),
    "entry.00070": ("entry", "00070"),
    "analyst.haiphong": ("analyst", "31"),
}


@pytest.fixture
def plan_api(plan_world):  # type: ignore[no-untyped-def]
    """The app on the plan world, in-process: yields ``(client, headers)``, where
    ``headers(username)`` signs a request in (HTTP Basic) as one of :data:`PLAN_API_USERS`."""
    import base64

    from argon2 import PasswordHasher
    from fastapi.testclient import TestClient

    from chitieu.app import create_app
    from chitieu.auth.users import create_user
    from chitieu.config import Settings

    hashed = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PLAN_API_PASSWORD)
    with plan_world.begin() as conn:
        for name, (role, unit) in PLAN_API_USERS.items():
            create_user(conn, name, role=role, unit_code=unit, password_hash=hashed)
    url = plan_world.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, secret_key="plan-api-tests"), engine=plan_world)

    def headers(user: str) -> dict[str, str]:
        token = base64.b64encode(f"{user}:{PLAN_API_PASSWORD}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    with TestClient(app) as client:
        yield client, headers
