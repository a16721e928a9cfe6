"""What an import changed in each cell's counted values, gathered value by value, and the own
figure it leaves (:mod:`chitieu.reporting.own_figures`) when the figure before and the changes
alone tell it, so that the cell's values need not be read back.

They tell it unless the changes remove what the figure rests on: every value of its period
type, or the value of its last period. A cell gaining values of a coarser type than its
figure's had none of that type before, so the changes hold all of them. A finer type's
changes leave the figure as it is. The caller reads back the cells the changes cannot settle.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from chitieu.reporting.own_figures import Cell, Figure


@dataclass(slots=True)
class TypeChange:
    """The changes to a cell's counted values of one period type: the sum and the number of
    counted values after less before, and the counted value after (None: not counted) of the
    changed period that starts last."""

    total: float = 0.0
    counted: int = 0
    last_start: int = -1
    last_value: float | None = None


#: The changes of each cell's period types, by (unit, element, disaggregation, year, rank):
#: one flat mapping, the smallest to hold for the tens of thousands of cells an import
#: gathers before settling them.
Changes = dict[tuple[str, str, str, int, int], TypeChange]


def note(
    changes: Changes,
    cell: Cell,
    rank: int,
    start: int,
    before: float | None,
    after: float | None,
) -> None:
    """Add to ``changes`` a value of ``cell`` whose period has this rank and first day,
    counted as ``before`` and then as ``after`` (None: not counted, as a value still being
    entered, deleted or empty). Changes are noted in the order they were written."""
    key = (*cell, rank)
    change = changes.get(key)
    if change is None:
        change = changes[key] = TypeChange()
    change.total += (0.0 if after is None else after) - (0.0 if before is None else before)
    change.counted += (after is not None) - (before is not None)
    if start >= change.last_start:
        change.last_start, change.last_value = start, after


def by_cell(changes: Changes, size: int) -> Iterator[dict[Cell, dict[int, TypeChange]]]:
    """``changes`` per cell, by rank, in cells' order, at most ``size`` cells at a time."""
    part: dict[Cell, dict[int, TypeChange]] = {}
    for cell, keys in groupby(sorted(changes), key=itemgetter(0, 1, 2, 3)):
        if len(part) == size:
            yield part
            part = {}
        part[cell] = {key[4]: changes[key] for key in keys}
    if part:
        yield part


def figure_after(
    before: Figure | None, by_type: dict[int, TypeChange]
) -> tuple[bool, Figure | None]:
    """(True, the cell's own figure after the changes ``by_type``, None when it has none)
    when ``before`` (the figure before them, None when it had none) and the changes tell it;
    (False, None) when the cell's values must be counted again."""
    gained = [
        r
        for r, change in by_type.items()
        if change.counted > 0 and (before is None or r < before.rank)
    ]
    if gained:  # a coarser type: the changes hold every counted value of it
        rank = min(gained)
        change = by_type[rank]
        if change.last_value is None:
            return False, None
        return True, Figure(
            rank, change.total, change.last_value, change.last_start, change.counted
        )
    if before is None:
        return True, None  # nothing counted before, nothing of any type gained
    same = by_type.get(before.rank)
    if same is None:
        return True, before  # only finer types changed
    if before.start is None or before.counted is None:
        return False, None  # kept before these were stored
    counted = before.counted + same.counted
    if counted <= 0:
        return False, None  # its type emptied: a finer one takes over
    latest, start = before.latest, before.start
    if same.last_start >= before.start:
        if same.last_value is None:
            return False, None  # the last period's value went: which is last now?
        latest, start = same.last_value, same.last_start
    return True, Figure(before.rank, before.total + same.total, latest, start, counted)
