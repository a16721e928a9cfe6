"""An own figure brought up to date from the changes alone equals a recount of the values
after them, whenever the changes are said to tell it; and they do tell it for the writes an
import makes every month."""

from __future__ import annotations

import random

import pytest

from chitieu.reporting.own_changes import Changes, TypeChange, by_cell, figure_after, note
from chitieu.reporting.own_figures import Figure

CELL = ("00070", "LIVE_BIRTHS", "M_O1", 2025)
#: (rank, first day) of the periods used: a year, two quarters, three months, two weeks.
PERIODS = [(0, 1), (9, 1), (9, 91), (12, 1), (12, 32), (12, 60), (14, 6), (14, 13)]

Values = dict[tuple[int, int], float]  # counted values by (rank, first day)


def _recount(values: Values) -> Figure | None:
    """The figure by the reading rules: the coarsest type's sum and its last value."""
    if not values:
        return None
    rank = min(r for r, _ in values)
    mine = sorted((start, v) for (r, start), v in values.items() if r == rank)
    return Figure(rank, sum(v for _, v in mine), mine[-1][1], mine[-1][0], len(mine))


def _of_cell(changes: Changes) -> dict[int, TypeChange]:
    (grouped,) = by_cell(changes, 10)
    return grouped[CELL]


def _change(changes: Changes, values: Values, place: tuple[int, int], after: float | None):  # type: ignore[no-untyped-def]
    note(changes, CELL, *place, values.get(place), after)
    if after is None:
        values.pop(place, None)
    else:
        values[place] = after


@pytest.mark.parametrize("seed", range(40))
def test_a_figure_from_its_changes_equals_a_recount(seed: int) -> None:
    rng = random.Random(seed)
    values: Values = {p: float(rng.randint(0, 9)) for p in rng.sample(PERIODS, rng.randint(0, 5))}
    before = _recount(values)
    changes: Changes = {}
    for _ in range(rng.randint(1, 6)):
        place = rng.choice(PERIODS)
        _change(changes, values, place, None if rng.random() < 0.3 else float(rng.randint(0, 9)))
    known, figure = figure_after(before, _of_cell(changes))
    if known:
        assert figure == _recount(values)


def test_the_changes_of_a_monthly_import_settle_without_a_recount() -> None:
    values: Values = {(12, 1): 5.0, (12, 32): 7.0}
    before = _recount(values)
    for changes_made in (
        [((12, 60), 4.0)],  # the next month
        [((12, 32), 8.0)],  # the last month corrected
        [((12, 1), None)],  # an earlier month withdrawn
        [((14, 6), 1.0)],  # weeks under the months
        [((9, 1), 20.0), ((9, 91), 3.0)],  # quarters over the months
    ):
        now, changes = dict(values), {}
        for place, after in changes_made:
            _change(changes, now, place, after)
        assert figure_after(before, _of_cell(changes)) == (True, _recount(now)), changes_made


def test_what_the_changes_cannot_tell_is_recounted() -> None:
    values: Values = {(12, 1): 5.0, (12, 32): 7.0}
    before = _recount(values)
    for changes_made in (
        [((12, 32), None)],  # the last month withdrawn: which one is last now?
        [((12, 1), None), ((12, 32), None)],  # every month withdrawn: the weeks, if any
    ):
        changes: Changes = {}
        for place, after in changes_made:
            _change(changes, dict(values), place, after)
        assert figure_after(before, _of_cell(changes)) == (False, None)
    # a figure kept before its last day and count were stored
    assert before is not None
    kept = before._replace(start=None, counted=None)
    changes = {}
    _change(changes, dict(values), (12, 60), 4.0)
    assert figure_after(kept, _of_cell(changes)) == (False, None)


def test_changes_come_back_per_cell_in_order_a_few_cells_at_a_time() -> None:
    changes: Changes = {}
    cells = [("00070", "E", "default", 2025), ("00004", "E", "default", 2024), CELL]
    for cell in cells:
        for rank, start in ((12, 32), (9, 1)):
            note(changes, cell, rank, start, None, 1.0)
    parts = list(by_cell(changes, 2))
    assert [list(p) for p in parts] == [sorted(cells)[:2], sorted(cells)[2:]]
    assert all(sorted(p[c]) == [9, 12] for p in parts for c in p)
    assert parts[0][sorted(cells)[0]][12] is changes[(*sorted(cells)[0], 12)]
