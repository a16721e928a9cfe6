"""Fixtures for the data-exchange tests: migrated databases holding the 2025 units and the
catalogue's data elements (the real loaders, not hand-made rows)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from chitieu.catalog import load_catalog
from chitieu.store.db import make_engine
from chitieu.store.migrate import upgrade
from chitieu.store.models import AuditEntry, DataValue, ImportBatch
from chitieu.units.load import load_units


def _load(engine: Engine) -> Engine:
    with engine.begin() as conn:
        load_units(conn)
        load_catalog(conn)
    return engine


@pytest.fixture
def db(engine: Engine) -> Engine:
    """Units and catalogue loaded; once on SQLite and once on PostgreSQL."""
    return _load(engine)


@pytest.fixture
def sdb(sqlite_engine: Engine) -> Engine:
    """Units and catalogue loaded, SQLite only (for the many format-level tests)."""
    return _load(sqlite_engine)


@pytest.fixture
def other_db(tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A second, independent SQLite database, to import an export into."""
    eng = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(eng)
    yield _load(eng)
    eng.dispose()


def table_counts(engine: Engine) -> tuple[int, int, int]:
    """(data values, their audit entries, import batches): what an import may change."""
    n = select(func.count())
    with engine.connect() as conn:
        return (
            conn.scalar(n.select_from(DataValue)) or 0,
            conn.scalar(n.select_from(AuditEntry).where(AuditEntry.table_name == "data_values"))
            or 0,
            conn.scalar(n.select_from(ImportBatch)) or 0,
        )


@pytest.fixture
def counts() -> Callable[[Engine], tuple[int, int, int]]:
    return table_counts


def stored(engine: Engine) -> set[tuple[Any, ...]]:
    """Every stored value as (element, unit, period, disaggregation, value, comment)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                DataValue.element_code,
                DataValue.unit_code,
                DataValue.period,
                DataValue.disaggregation,
                DataValue.value,
                DataValue.comment,
            )
        )
        return {tuple(r) for r in rows}


@pytest.fixture
def values_of() -> Callable[[Engine], set[tuple[Any, ...]]]:
    return stored
