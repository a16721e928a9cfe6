"""Where to inspect: the engine's excess z beside each commune's inspection history."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from chitieu.enforcement.inspections import record_inspections
from chitieu.enforcement.ranking import excess_beside_inspections, excess_ranking
from chitieu.stats.smoothing import smooth_srb
from chitieu.store.db import transaction
from chitieu.store.models import Facility

EXCESS = "00103"  # Phường Tây Hồ: SRB about 125 in the plan world
AS_OF = date(2026, 11, 23)


def _ranking(engine, **kw):
    with transaction(engine) as db:
        return excess_beside_inspections(db, "01", until_year=2025, as_of=AS_OF, **kw)


def test_high_excess_never_inspected_comes_first(plan_world, plan_world_counts):
    rows = _ranking(plan_world)
    top = rows[0]
    assert top.unit_code == EXCESS and top.unit_name == "Phường Tây Hồ"
    assert top.priority and top.inspections == 0 and top.last_inspected is None
    # the z is the engine's, on the same counts (the last 8 years, pooled by its smoother)
    years = list(range(2018, 2026))
    codes = sorted({c for c, _ in plan_world_counts})
    fit = smooth_srb(
        np.repeat(codes, len(years)),
        np.tile(years, len(codes)),
        [plan_world_counts[(c, y)][0] for c in codes for y in years],
        [plan_world_counts[(c, y)][1] for c in codes for y in years],
    )
    last = fit.year == 2025
    z = dict(zip(fit.unit[last], fit.z[last], strict=True))
    assert top.z == pytest.approx(z[EXCESS], abs=1e-3)
    # ranked by expected excess boys: P(excess) × births since the onset × the step's share
    k = np.flatnonzero(last & (fit.unit == EXCESS))[0]
    assert top.p_excess == pytest.approx(fit.p_excess[k], abs=1e-3) and top.p_excess > 0.99
    srb, step = fit.est[k], fit.excess[k]
    since = sum(sum(plan_world_counts[(EXCESS, y)]) for y in years if y >= fit.onset[k])
    boys = fit.p_excess[k] * since * (srb / (100 + srb) - (srb - step) / (100 + srb - step))
    assert top.expected_excess_boys == pytest.approx(boys, abs=0.1)
    assert top.onset == fit.onset[k] and top.excess_lower < top.excess < top.excess_upper
    others = [r.expected_excess_boys for r in rows[1:8]]
    assert others == sorted(others, reverse=True)
    # births: 8 years of 10,000 + 1,000 × 7 births
    assert (
        top.births
        == sum(plan_world_counts[(EXCESS, y)][0] + plan_world_counts[(EXCESS, y)][1] for y in years)
        == 8 * 17_000
    )
    # Hồng Hà's clinic was inspected in March 2026 and fined
    hong_ha = next(r for r in rows if r.unit_code == "00097")
    assert (hong_ha.inspections, hong_ha.last_inspected, hong_ha.fines_vnd) == (
        1,
        date(2026, 3, 15),
        40_000_000,
    )
    # communes without births have no evidence and come last
    assert all(r.z is None and r.p_excess is None for r in rows[8:]) and len(rows) == 126


def test_one_pooling_window_is_returned_with_the_ranking(plan_world):
    """The window ends at the last complete year of births, whatever year the caller asks
    for: the dashboard (its year) and the report (the plan year, still arriving) agree."""
    with transaction(plan_world) as db:
        asked_2025 = excess_ranking(db, "01", until_year=2025, as_of=AS_OF)
        asked_2026 = excess_ranking(db, "01", until_year=2026, as_of=AS_OF)
    assert asked_2025.window == asked_2026.window == "2018–2025"
    assert [r.unit_code for r in asked_2025.rows] == [r.unit_code for r in asked_2026.rows]


def test_an_inspection_takes_the_commune_off_the_priority_list(plan_world):
    with transaction(plan_world) as db:
        db.add(
            Facility(
                code="TH-1",
                unit_code=EXCESS,
                name="Phòng khám Tây Hồ",
                kind="clinic",
                ownership="private",
                offers_ultrasound=True,
            )
        )
    with transaction(plan_world) as db:
        record_inspections(
            db,
            [{"facility_code": "TH-1", "inspected_on": "2025-11-01"}],
            actor="inspector",
            today=AS_OF,
        )
    [top] = [r for r in _ranking(plan_world) if r.unit_code == EXCESS]
    assert not top.priority and top.years_since_inspection == 1.1
    # ... unless the Department asks for communes not seen in the last year
    [top] = [r for r in _ranking(plan_world, years_not_inspected=1) if r.unit_code == EXCESS]
    assert top.priority
