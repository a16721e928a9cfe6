"""The scorecard files (``data/scorecard/*.yaml``): their shape, validation and loading.

Loading adds what the database lacks and brings the rows it wrote itself up to the file (a row
the file no longer holds is deleted); a row a person changed is never overwritten nor deleted,
so an administrator's edits survive a reload.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from chitieu.catalog import read_catalog
from chitieu.catalog.yamlfile import DataFileError, pydantic_errors, read_yaml
from chitieu.ingest.errors import RowError
from chitieu.store.audit import SYSTEM_ACTOR, record_change
from chitieu.store.models import AuditEntry, ScorecardResult, ScorecardTarget

SCORECARD_DIR = Path(__file__).resolve().parent.parent / "data" / "scorecard"
NATIONAL = "VN-2025"
TARGET_FIELDS = (
    "indicator_code",
    "name_vi",
    "name_en",
    "assigned_by",
    "legal_basis",
    "direction",
    "unit_label",
    "placeholder",
    "source",
)
RESULT_FIELDS = ("target_value", "value", "met", "source")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ResultSpec(_Strict):
    year: int
    target_value: float | None = None
    value: float | None = None
    met: bool | None = None
    source: str | None = None


class TargetSpec(_Strict):
    code: str
    indicator: str | None = None
    name_vi: str
    name_en: str
    assigned_by: str | None = None
    legal_basis: str | None = None
    direction: str | None = None
    unit_label: str | None = None
    placeholder: bool = False
    source: str | None = None
    results: list[ResultSpec] = []


class ScorecardFile(_Strict):
    code: str
    title_vi: str
    title_en: str
    unit: str
    year: int
    source: str
    targets: list[TargetSpec]


def read_scorecard_file(path: Path | str) -> ScorecardFile:
    """Parse and validate a scorecard file; raise :class:`DataFileError` naming each problem."""
    raw = read_yaml(path)
    try:
        card = ScorecardFile.model_validate(raw)
    except ValidationError as exc:
        raise DataFileError(path, pydantic_errors(exc, raw)) from None
    errors = []
    for t in card.targets:
        target_row = {
            "indicator_code": t.indicator,
            "direction": t.direction,
            "assigned_by": t.assigned_by,
            "code": t.code,
        }
        errors += [str(e) for e in target_errors(target_row)]
        for r in t.results:
            errors += [f"{t.code}: {e}" for e in result_errors(r.model_dump())]
    if errors:
        raise DataFileError(path, errors)
    return card


def scorecard_meta(code: str = NATIONAL) -> ScorecardFile:
    """The shipped file declaring scorecard ``code`` (titles, unit, year)."""
    for path in sorted(SCORECARD_DIR.glob("*.yaml")):
        card = read_scorecard_file(path)
        if card.code == code:
            return card
    raise KeyError(f"no scorecard file declares {code!r}")


def load_scorecards(db: Session, paths: list[Path] | None = None) -> int:
    """Bring the database up to the shipped scorecard files; return how many rows were added
    updated or deleted. A row the database lacks is added; a row the loader wrote is brought up
    to the file (a release that corrects a figure or a source reaches installed databases), or
    deleted when the file no longer holds it; a row a person changed is left as it is, so an
    administrator's edits survive every reload."""
    changed = 0
    for path in paths or sorted(SCORECARD_DIR.glob("*.yaml")):
        card = read_scorecard_file(path)
        targets, results = ScorecardTarget.__table__, ScorecardResult.__table__
        stored_targets = {
            r.code: r._mapping
            for r in db.execute(select(targets).where(targets.c.scorecard == card.code))
        }
        stored_results = {
            (r.code, r.year): r._mapping
            for r in db.execute(select(results).where(results.c.scorecard == card.code))
        }
        edited: set[tuple[str, str]] | None = None  # read once, only when a row differs
        for position, t in enumerate(card.targets, 1):
            shipped = {"indicator_code": t.indicator} | t.model_dump(
                include=set(TARGET_FIELDS) - {"indicator_code"}
            )
            key = {"scorecard": card.code, "code": t.code}
            rows: list[tuple[str, dict[str, Any], Any, tuple[str, ...]]] = [
                (
                    "scorecard_targets",
                    key | {"position": position} | shipped,
                    stored_targets.get(t.code),
                    TARGET_FIELDS,
                )
            ]
            rows += [
                (
                    "scorecard_results",
                    key | r.model_dump(),
                    stored_results.get((t.code, r.year)),
                    RESULT_FIELDS,
                )
                for r in t.results
            ]
            for table, row, stored, fields in rows:
                model = ScorecardTarget if table == "scorecard_targets" else ScorecardResult
                if stored is None:
                    db.execute(insert(model).values(**row))
                    audit(db, SYSTEM_ACTOR, "insert", table, row, None)
                    changed += 1
                    continue
                before = {f: stored[f] for f in fields}
                if before == {f: row[f] for f in fields}:
                    continue
                if edited is None:
                    edited = _edited_by_people(db, card.code)
                if (table, _row_key(row)) in edited:
                    continue
                after = {k: row[k] for k in ("scorecard", "code", "year") if k in row}
                primary_key = [getattr(model, k) == v for k, v in after.items()]
                db.execute(update(model).where(*primary_key).values({f: row[f] for f in fields}))
                audit(
                    db, SYSTEM_ACTOR, "update", table, after | {f: row[f] for f in fields}, before
                )
                changed += 1
        changed += _withdraw(db, card, stored_targets, stored_results)
    return changed


def _withdraw(
    db: Session,
    card: ScorecardFile,
    stored_targets: Mapping[str, Any],
    stored_results: Mapping[tuple[str, int], Any],
) -> int:
    """Delete (audited) the rows the loader wrote that ``card`` no longer ships: a target
    withdrawn with its years, or a year withdrawn from a target. A row a person changed stays,
    and so does a withdrawn target any of whose rows a person changed. Returns the rows
    deleted."""
    codes = {t.code for t in card.targets}
    years = {(t.code, r.year) for t in card.targets for r in t.results}
    gone = [k for k in stored_results if k not in years]
    gone_targets = [c for c in stored_targets if c not in codes]
    if not gone and not gone_targets:
        return 0
    edited = _edited_by_people(db, card.code)
    touched = {key.split("/")[1] for _, key in edited}  # codes with any row a person changed
    deleted = 0
    for code, year in gone:
        key = {"scorecard": card.code, "code": code, "year": year}
        kept_target = code in gone_targets and code in touched
        if kept_target or ("scorecard_results", _row_key(key)) in edited:
            continue
        stored = stored_results[(code, year)]
        r = ScorecardResult
        db.execute(delete(r).where(r.scorecard == card.code, r.code == code, r.year == year))
        audit(db, SYSTEM_ACTOR, "delete", "scorecard_results", key, dict(stored))
        deleted += 1
    for code in gone_targets:
        if code in touched:
            continue
        t = ScorecardTarget
        db.execute(delete(t).where(t.scorecard == card.code, t.code == code))
        key = {"scorecard": card.code, "code": code}
        audit(db, SYSTEM_ACTOR, "delete", "scorecard_targets", key, dict(stored_targets[code]))
        deleted += 1
    return deleted


def _row_key(row: Mapping[str, Any]) -> str:
    """The audit key of a scorecard row: ``scorecard/code`` or ``scorecard/code/year``."""
    return "/".join(str(row[k]) for k in ("scorecard", "code", "year") if k in row)


def _edited_by_people(db: Session, scorecard: str) -> set[tuple[str, str]]:
    """(table, audit key) of the rows of ``scorecard`` that anyone but the loader changed."""
    found = db.execute(
        select(AuditEntry.table_name, AuditEntry.row_key).where(
            AuditEntry.table_name.in_(("scorecard_targets", "scorecard_results")),
            AuditEntry.row_key.like(f"{scorecard}/%"),
            AuditEntry.actor != SYSTEM_ACTOR,
        )
    )
    return set(found.tuples())


def audit(
    db: Session,
    actor: str,
    action: str,
    table: str,
    after: dict[str, Any],
    before: dict[str, Any] | None,
) -> None:
    record_change(
        db, actor=actor, action=action, table=table, key=_row_key(after), before=before, after=after
    )


#: The longest text each scorecard field takes (characters): a title, a legal basis or a
#: source citation fits; a megabyte pasted into a field is refused, not served to everyone.
TEXT_LIMITS = {
    "indicator_code": 64,
    "name_vi": 500,
    "name_en": 500,
    "assigned_by": 32,
    "legal_basis": 2000,
    "direction": 16,
    "unit_label": 64,
    "source": 2000,
}


def _too_long(data: Mapping[str, Any]) -> list[RowError]:
    return [
        RowError(None, name, f"longer than {limit} characters", f"{len(str(data[name]))} chars")
        for name, limit in TEXT_LIMITS.items()
        if data.get(name) is not None and len(str(data[name])) > limit
    ]


def target_errors(data: Mapping[str, Any]) -> list[RowError]:
    errors = _too_long(data)
    indicator = data.get("indicator_code")
    if indicator is not None and indicator not in read_catalog().indicators:
        errors.append(RowError(None, "indicator_code", "unknown indicator", str(indicator)))
    direction = data.get("direction")
    if direction not in (None, "at_most", "at_least"):
        errors.append(RowError(None, "direction", "must be at_most or at_least", str(direction)))
    assigned_by = data.get("assigned_by")
    if assigned_by not in (None, "national_assembly", "government"):
        reason = "must be national_assembly or government"
        errors.append(RowError(None, "assigned_by", reason, str(assigned_by)))
    for name in ("name_vi", "name_en"):
        if name in data and not str(data[name] or "").strip():
            errors.append(RowError(None, name, "a name is required", None))
    return errors


def result_errors(data: Mapping[str, Any]) -> list[RowError]:
    errors = _too_long({"source": data.get("source")})
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100:
        errors.append(RowError(None, "year", "a year between 1990 and 2100", str(year)))
    for name in ("target_value", "value"):
        v = data.get(name)
        if v is not None and (isinstance(v, bool) or not math.isfinite(float(v))):
            errors.append(RowError(None, name, "must be a finite number", str(v)))
    met = data.get("met")
    if met is not None and not isinstance(met, bool):
        errors.append(RowError(None, "met", "must be true, false or empty", str(met)))
    return errors
