"""Building a small demo into real databases through the real importer, and the command."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from chitieu.cli import app
from chitieu.config import get_settings
from chitieu.demo import DEMO_SEED, SYNTHETIC_LABEL, build_demo, demo_marker, demo_present
from chitieu.demo.births import BirthTally, iter_births
from chitieu.demo.hanoi import births_per_year, hanoi_profile
from chitieu.indicators.service import indicator_series, indicator_value
from chitieu.store.models import (
    AuditEntry,
    BirthAggregate,
    BirthRecord,
    DataValue,
    Facility,
    ImportBatch,
    Inspection,
    Unit,
)

pytestmark = pytest.mark.slow

SCALE = 0.005  # about 12,000 births over 2009–2025


def _count(conn, model, *where) -> int:
    return conn.scalar(select(func.count()).select_from(model).where(*where))


def test_small_demo_builds_and_holds_what_the_seeds_say(engine):
    assert not demo_present(engine)
    result = build_demo(engine, scale=SCALE)
    assert result.built and demo_present(engine)
    births = sum(births_per_year(SCALE).values())
    assert result.births == births
    with engine.connect() as conn:
        assert _count(conn, BirthRecord) == births
        assert conn.scalar(select(func.sum(BirthAggregate.births))) == births
        source = conn.scalar(select(ImportBatch.source).where(ImportBatch.kind == "births"))
        assert SYNTHETIC_LABEL in source
        for model in (Facility, DataValue, Inspection):
            assert _count(conn, model) > 0
            assert _count(conn, model, model.synthetic.is_(False)) == 0

        fined = conn.execute(
            select(Unit.name, Inspection.suspended, Inspection.inspected_on)
            .join(Facility, Facility.code == Inspection.facility_code)
            .join(Unit, Unit.code == Facility.unit_code)
            .where(Inspection.fine_vnd == 40_000_000)
        ).all()
        assert len(fined) == 1 and "Hà Đông" in fined[0][0] and fined[0][1]

        staff = conn.scalar(
            select(func.sum(DataValue.value)).where(
                DataValue.element_code == "STAFF",
                DataValue.unit_code == "25",
                DataValue.period == "2023",
            )
        )
        assert staff == 3627
        doctors = indicator_value(conn, "DOCTORS_PER_10K", "31", 2025)
        pharmacists = indicator_value(conn, "PHARMACISTS_PER_10K", "31", 2025)
        assert doctors.value == pytest.approx(14.46, abs=0.005)
        assert pharmacists.value == pytest.approx(4.1, abs=0.005)
        assert indicator_value(conn, "BEDS_PER_10K", "VN", 2024).value == pytest.approx(
            34, abs=1e-3
        )

        # The stored births give the same SRB as the generator's own count of them.
        profile = hanoi_profile(DEMO_SEED)
        tally = BirthTally(tuple(births_per_year(SCALE)), profile.communes.codes)
        for _ in iter_births(profile, seed=DEMO_SEED, scale=SCALE, tally=tally):
            pass
        stored = [v.value for v in indicator_series(conn, "SRB", "01", tally.years)]
        assert np.allclose(stored, tally.srb())

    marker = demo_marker(engine)
    assert marker["seed"] == DEMO_SEED and marker["synthetic"] is True
    assert [e["unit_code"] for e in marker["excess_communes"]] == [
        e.unit_code for e in profile.excess
    ]

    with engine.connect() as conn:
        before = [_count(conn, m) for m in (BirthRecord, DataValue, Inspection, AuditEntry)]
    again = build_demo(engine, scale=SCALE)
    assert not again.built
    with engine.connect() as conn:
        assert [_count(conn, m) for m in (BirthRecord, DataValue, Inspection, AuditEntry)] == before


@pytest.fixture
def configured(tmp_path, monkeypatch):
    """Point the settings at a fresh SQLite file for the command under test."""
    path = tmp_path / "cli.db"
    monkeypatch.setenv("CHITIEU_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_demo_command_builds_then_serves(configured, monkeypatch):
    served = []
    monkeypatch.setattr("chitieu.cli.serve.run_server", lambda *a, **k: served.append(True))
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--no-serve", "--scale", "0.002"])
    assert first.exit_code == 0, first.output
    assert str(configured) in first.output and "synthetic" in first.output
    assert served == []
    second = runner.invoke(app, ["demo", "--scale", "0.002"])
    assert second.exit_code == 0, second.output
    assert "skipped" in second.output and served == [True]
