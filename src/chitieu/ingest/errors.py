"""How every import says no: the row, the column and the reason, and nothing written."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: How many problems an import prints before it only counts the rest.
SHOWN_ERRORS = 50


#: Reasons several readers give, in English and Vietnamese.
REQUIRED_MISSING = ("required column is missing", "thiếu cột bắt buộc")

#: The first word of a refusal, per language and what was refused.
_REFUSED = {
    "en": {"import": "import refused", "change": "refused"},
    "vi": {"import": "từ chối nhập", "change": "từ chối"},
}

#: Words of the frame around a reason, per language.
_FRAME = {
    "en": ("row", "column", "file", "value"),
    "vi": ("dòng", "cột", "tệp", "giá trị"),
}


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in an input file. ``row`` counts data rows from 1 (the header is row 0).

    ``reason`` is English; ``reason_vi``, where the check gives one, is the same in Vietnamese
    (shown first to Vietnamese users, see :meth:`text`)."""

    row: int | None
    column: str | None
    reason: str
    value: str | None = None
    reason_vi: str | None = None

    def text(self, lang: str = "en") -> str:
        """``row 3, column sex: must be M or F (value 'X')``, or in Vietnamese ``dòng 3, cột
        sex: phải là M hoặc F (giá trị 'X')`` (the English reason where none was given)."""
        row_w, column_w, file_w, value_w = _FRAME.get(lang, _FRAME["en"])
        where = []
        if self.row is not None:
            where.append(f"{row_w} {self.row}")
        if self.column:
            where.append(f"{column_w} {self.column}")
        reason = self.reason_vi if lang == "vi" and self.reason_vi else self.reason
        shown = f" ({value_w} {self.value!r})" if self.value is not None else ""
        return f"{', '.join(where) or file_w}: {reason}{shown}"

    def __str__(self) -> str:
        return self.text("en")


#: A reason: English, or (English, Vietnamese).
Reason = str | tuple[str, str]


def row_error(
    row: int | None, column: str | None, reason: Reason, value: str | None = None
) -> RowError:
    """A :class:`RowError` from a reason, in English or as an (English, Vietnamese) pair."""
    en, vi = (reason, None) if isinstance(reason, str) else reason
    return RowError(row, column, en, value, vi)


def field_problems(
    data: Mapping[str, Any], row: int | None, errors: list[RowError]
) -> Callable[[str, Reason], None]:
    """``bad(column, reason)`` for checking one record (a form, a JSON object): appends to
    ``errors`` a :class:`RowError` showing ``data[column]`` as the value given."""

    def bad(column: str, reason: Reason) -> None:
        value = data.get(column)
        errors.append(row_error(row, column, reason, None if value is None else str(value)))

    return bad


@dataclass
class ImportRefused(Exception):
    """Raised when an input fails validation; the import wrote nothing."""

    errors: list[RowError]
    total: int = field(default=0)

    def __post_init__(self) -> None:
        self.total = max(self.total, len(self.errors))
        super().__init__(self.summary())

    def summary(self, limit: int = SHOWN_ERRORS, lang: str = "en", what: str = "import") -> str:
        """The first ``limit`` problems, one a line, under a line saying nothing was written
        (in Vietnamese with ``lang="vi"``); ``what="change"`` for a refused change that is no
        import (an inspection, a target)."""
        verb = _REFUSED[lang if lang in _REFUSED else "en"][what]
        if lang == "vi":
            lines = [f"{verb}: {self.total} lỗi; không ghi gì vào cơ sở dữ liệu"]
            more = "… và {n} lỗi khác"
        else:
            lines = [f"{verb}: {self.total} problem(s); nothing was written"]
            more = "… and {n} more"
        lines += [f"  {e.text(lang)}" for e in self.errors[:limit]]
        if self.total > limit:
            lines.append("  " + more.format(n=self.total - limit))
        return "\n".join(lines)
