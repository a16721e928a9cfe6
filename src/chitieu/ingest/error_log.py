"""Collect the problems of a large input without holding them all: the first few and a count.

A two-million-row file can hold two million problems; an import shows the first
:data:`~chitieu.ingest.errors.SHOWN_ERRORS` in file order and counts the rest.
"""

from __future__ import annotations

from collections.abc import Iterable

from chitieu.ingest.errors import SHOWN_ERRORS, ImportRefused, RowError


class ErrorLog:
    """Keeps the ``limit`` earliest problems (by row, then column position) and counts all.

    Problems may arrive in several passes (per-row checks, then checks across rows, then
    checks against the database); each pass may add problems that sort before earlier ones.
    """

    def __init__(self, columns: Iterable[str] = (), limit: int = SHOWN_ERRORS) -> None:
        self.limit = limit
        self.total = 0
        self._kept: list[RowError] = []
        self._position = {name: i for i, name in enumerate(columns)}

    def __bool__(self) -> bool:
        return self.total > 0

    def _sort_key(self, e: RowError) -> tuple[int, int]:
        row = -1 if e.row is None else e.row  # file-level problems first
        return row, self._position.get(e.column or "", len(self._position))

    def add(self, errors: Iterable[RowError], count: int | None = None) -> None:
        """Record ``errors``; ``count`` is how many there were in all when only some are given
        (the caller may pass just the earliest ``limit`` of a large set)."""
        errors = list(errors)
        self.total += len(errors) if count is None else count
        self._kept = sorted([*self._kept, *errors], key=self._sort_key)[: self.limit]

    @property
    def room(self) -> int:
        """How many more problems could still be shown (0 once the list is full)."""
        return self.limit - len(self._kept)

    @property
    def shown(self) -> list[RowError]:
        return list(self._kept)

    def refusal(self) -> ImportRefused:
        return ImportRefused(self.shown, total=self.total)
