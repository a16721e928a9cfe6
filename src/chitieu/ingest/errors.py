"""How every import says no: the row, the column and the reason, and nothing written."""

from __future__ import annotations

from dataclasses import dataclass, field

#: How many problems an import prints before it only counts the rest.
SHOWN_ERRORS = 50


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in an input file. ``row`` counts data rows from 1 (the header is row 0)."""

    row: int | None
    column: str | None
    reason: str
    value: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        shown = f" (value {self.value!r})" if self.value is not None else ""
        return f"{', '.join(where) or 'file'}: {self.reason}{shown}"


@dataclass
class ImportRefused(Exception):
    """Raised when an input fails validation; the import wrote nothing."""

    errors: list[RowError]
    total: int = field(default=0)

    def __post_init__(self) -> None:
        self.total = max(self.total, len(self.errors))
        super().__init__(self.summary())

    def summary(self, limit: int = SHOWN_ERRORS) -> str:
        lines = [f"import refused: {self.total} problem(s); nothing was written"]
        lines += [f"  {e}" for e in self.errors[:limit]]
        if self.total > limit:
            lines.append(f"  … and {self.total - limit} more")
        return "\n".join(lines)
