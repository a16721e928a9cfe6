"""The national scorecard: the ten targets assigned each year, per year met or not.

The targets are data (``data/scorecard/*.yaml``, read by :mod:`.scorecard_load`) loaded into
``scorecard_targets`` and ``scorecard_results``; slots no published source fills are placeholders an
administrator completes through :func:`set_scorecard_target` / :func:`set_scorecard_result`
(the CLI and the API call these).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chitieu.ingest.errors import ImportRefused, RowError
from chitieu.store.models import ScorecardResult, ScorecardTarget
from chitieu.targets.scorecard_load import (
    NATIONAL,
    RESULT_FIELDS,
    SCORECARD_DIR,
    TARGET_FIELDS,
    audit,
    load_scorecards,
    read_scorecard_file,
    result_errors,
    scorecard_meta,
    target_errors,
)

__all__ = [
    "NATIONAL",
    "Scorecard",
    "ScorecardCell",
    "ScorecardRow",
    "load_scorecards",
    "national_scorecard",
    "read_scorecard_file",
    "scorecard_meta",
    "set_scorecard_result",
    "set_scorecard_target",
]


def set_scorecard_target(
    db: Session, scorecard: str, code: str, changes: Mapping[str, Any], *, actor: str
) -> dict[str, Any]:
    """Create or update one scorecard target (an administrator filling a slot); audited.

    ``changes`` may hold any of indicator_code, name_vi, name_en, assigned_by, legal_basis,
    direction, unit_label, placeholder, source; a new target needs both names. Raises
    :class:`ImportRefused` (unknown indicator, bad direction, missing name, unknown field)."""
    _ensure_loaded(db, scorecard)
    unknown = sorted(set(changes) - set(TARGET_FIELDS))
    errors = [RowError(None, f, "not a scorecard target field", None) for f in unknown]
    errors += target_errors(changes)
    row = db.get(ScorecardTarget, (scorecard, code))
    if row is None and not (changes.get("name_vi") and changes.get("name_en")):
        errors.append(RowError(None, "name_vi", "a new target needs name_vi and name_en", None))
    if errors:
        raise ImportRefused(errors)
    before = None if row is None else {f: getattr(row, f) for f in TARGET_FIELDS}
    if row is None:
        position = db.scalar(
            select(func.coalesce(func.max(ScorecardTarget.position), 0)).where(
                ScorecardTarget.scorecard == scorecard
            )
        )
        row = ScorecardTarget(scorecard=scorecard, code=code, position=(position or 0) + 1)
        row.placeholder = False
        db.add(row)
    for f, v in changes.items():
        setattr(row, f, v)
    if before is not None and "placeholder" not in changes:
        row.placeholder = False  # an administrator's entry is no longer a placeholder
    db.flush()
    after = {"scorecard": scorecard, "code": code} | {f: getattr(row, f) for f in TARGET_FIELDS}
    action = "insert" if before is None else "update"
    audit(db, actor, action, "scorecard_targets", after, before)
    return after


def set_scorecard_result(
    db: Session,
    scorecard: str,
    code: str,
    year: int,
    changes: Mapping[str, Any],
    *,
    actor: str,
) -> dict[str, Any]:
    """Create or update a target's figures for ``year`` (target_value, value, met, source);
    audited. Raises :class:`ImportRefused` for an unknown target or bad figures."""
    _ensure_loaded(db, scorecard)
    unknown = sorted(set(changes) - set(RESULT_FIELDS))
    errors = [RowError(None, f, "not a scorecard result field", None) for f in unknown]
    errors += result_errors({"year": year, **changes})
    if db.get(ScorecardTarget, (scorecard, code)) is None:
        errors.append(RowError(None, "code", f"no target {code!r} in scorecard {scorecard}", None))
    if errors:
        raise ImportRefused(errors)
    row = db.get(ScorecardResult, (scorecard, code, year))
    before = None if row is None else {f: getattr(row, f) for f in RESULT_FIELDS}
    if row is None:
        row = ScorecardResult(scorecard=scorecard, code=code, year=year)
        db.add(row)
    for f, v in changes.items():
        setattr(row, f, None if v is None else float(v) if f.endswith("value") else v)
    db.flush()
    after = {"scorecard": scorecard, "code": code, "year": year}
    after |= {f: getattr(row, f) for f in RESULT_FIELDS}
    audit(db, actor, "insert" if before is None else "update", "scorecard_results", after, before)
    return after


@dataclass(frozen=True, slots=True)
class ScorecardCell:
    """One target in one year. ``met`` is the official verdict where stated; otherwise it is
    derived from value and target (``met_derived`` True) or None when neither is known."""

    year: int
    target_value: float | None
    value: float | None
    met: bool | None
    met_derived: bool
    source: str | None


@dataclass(frozen=True, slots=True)
class ScorecardRow:
    code: str
    position: int
    indicator_code: str | None
    name_vi: str
    name_en: str
    assigned_by: str | None
    legal_basis: str | None
    direction: str | None
    unit_label: str | None
    placeholder: bool
    source: str | None
    cells: dict[int, ScorecardCell] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Scorecard:
    code: str
    years: list[int]
    rows: list[ScorecardRow]
    title_vi: str = ""
    title_en: str = ""
    source: str = ""

    def summary(self, year: int) -> dict[str, int]:
        """Counts for ``year``: met, not met, unknown (no verdict), and targets in all."""
        verdicts = [r.cells[year].met if year in r.cells else None for r in self.rows]
        return {
            "met": sum(v is True for v in verdicts),
            "not_met": sum(v is False for v in verdicts),
            "unknown": sum(v is None for v in verdicts),
            "targets": len(self.rows),
        }

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for r in self.rows:
            d = asdict(r)
            d["cells"] = {str(y): asdict(c) for y, c in sorted(r.cells.items())}
            rows.append(d)
        return {
            "code": self.code,
            "years": self.years,
            "summary": {str(y): self.summary(y) for y in self.years},
            "rows": rows,
        }


def _ensure_loaded(db: Session, scorecard: str) -> None:
    """Load the shipped file's rows before the first edit, so the slot being filled exists."""
    if db.scalar(select(ScorecardTarget.code).where(ScorecardTarget.scorecard == scorecard)):
        return
    paths = [
        p for p in sorted(SCORECARD_DIR.glob("*.yaml")) if read_scorecard_file(p).code == scorecard
    ]
    if paths:
        load_scorecards(db, paths)


def _cell(
    direction: str | None,
    year: int,
    target_value: float | None,
    value: float | None,
    met: bool | None,
    source: str | None,
) -> ScorecardCell:
    """A year's cell: the stated verdict, else one derived from value against target."""
    derived = None
    if met is None and None not in (direction, target_value, value):
        derived = value <= target_value if direction == "at_most" else value >= target_value  # type: ignore[operator]
    return ScorecardCell(
        year, target_value, value, met if met is not None else derived, derived is not None, source
    )


def national_scorecard(
    db: Session, scorecard: str = NATIONAL, *, years: list[int] | None = None
) -> Scorecard:
    """The scorecard's targets in order with, per year, the target set, the value reached and
    met or not. ``years`` defaults to every year that has a result. Before the scorecard is
    loaded into the database, the shipped file is shown as it stands (nothing is written)."""
    if not db.scalar(select(ScorecardTarget.code).where(ScorecardTarget.scorecard == scorecard)):
        return _from_file(scorecard, years)
    targets = db.execute(
        select(ScorecardTarget)
        .where(ScorecardTarget.scorecard == scorecard)
        .order_by(ScorecardTarget.position, ScorecardTarget.code)
    ).scalars()
    rows = {
        t.code: ScorecardRow(
            code=t.code,
            position=t.position,
            indicator_code=t.indicator_code,
            name_vi=t.name_vi,
            name_en=t.name_en,
            assigned_by=t.assigned_by,
            legal_basis=t.legal_basis,
            direction=t.direction,
            unit_label=t.unit_label,
            placeholder=bool(t.placeholder),
            source=t.source,
        )
        for t in targets
    }
    results = db.execute(
        select(ScorecardResult).where(ScorecardResult.scorecard == scorecard)
    ).scalars()
    seen_years: set[int] = set()
    for r in results:
        row = rows.get(r.code)
        if row is None:
            continue
        row.cells[r.year] = _cell(row.direction, r.year, r.target_value, r.value, r.met, r.source)
        seen_years.add(r.year)
    return Scorecard(
        scorecard, sorted(years or seen_years), list(rows.values()), **_titles(scorecard)
    )


def _titles(scorecard: str) -> dict[str, str]:
    """The shipped file's titles and overall source, empty for a scorecard without a file."""
    try:
        card = scorecard_meta(scorecard)
    except KeyError:
        return {}
    return {"title_vi": card.title_vi, "title_en": card.title_en, "source": card.source}


def _from_file(scorecard: str, years: list[int] | None) -> Scorecard:
    try:
        card = scorecard_meta(scorecard)
    except KeyError:
        return Scorecard(scorecard, sorted(years or []), [])
    rows = []
    seen_years: set[int] = set()
    for position, t in enumerate(card.targets, 1):
        row = ScorecardRow(
            code=t.code,
            position=position,
            indicator_code=t.indicator,
            name_vi=t.name_vi,
            name_en=t.name_en,
            assigned_by=t.assigned_by,
            legal_basis=t.legal_basis,
            direction=t.direction,
            unit_label=t.unit_label,
            placeholder=t.placeholder,
            source=t.source,
        )
        for r in t.results:
            row.cells[r.year] = _cell(t.direction, r.year, r.target_value, r.value, r.met, r.source)
            seen_years.add(r.year)
        rows.append(row)
    return Scorecard(scorecard, sorted(years or seen_years), rows, **_titles(scorecard))
