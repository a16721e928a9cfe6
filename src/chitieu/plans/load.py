"""Load the plans declared in ``data/plans/*.yaml`` into the database, validated, idempotent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.catalog import Catalog, read_catalog
from chitieu.catalog.sync import sync_rows
from chitieu.catalog.yamlfile import DataFileError, pydantic_errors, read_yaml
from chitieu.plans.schema import PlanFile, cross_check
from chitieu.store.models import Body, Plan, PlanBody, Target, Task, Unit

PLANS_DIR = Path(__file__).resolve().parent.parent / "data" / "plans"


class PlanError(DataFileError):
    """A plan file is malformed or refers to something that does not exist."""


def plan_files(directory: Path = PLANS_DIR) -> list[Path]:
    """The plan files shipped with chitieu, in name order."""
    return sorted(directory.glob("*.yaml"))


def parse_plan(raw: Any, path: Path | str) -> PlanFile:
    """Check the structure of one parsed plan file; raise :class:`PlanError` listing problems."""
    try:
        return PlanFile.model_validate(raw)
    except ValidationError as exc:
        raise PlanError(path, pydantic_errors(exc, raw)) from None


def _existing_units(db: Session, codes: Iterable[str]) -> set[str]:
    wanted = sorted(set(codes))
    return set(db.scalars(select(Unit.code).where(Unit.code.in_(wanted)))) if wanted else set()


def read_plans(
    db: Session, paths: Sequence[Path | str] | None = None, catalog: Catalog | None = None
) -> list[PlanFile]:
    """Read and validate every plan file (default: all shipped ones) against the catalogue and
    the units in the database. Raise :class:`PlanError` on the first file with problems, listing
    all of that file's problems; also refuse two files declaring the same plan, or one body code
    with two different names."""
    catalog = catalog or read_catalog()
    parsed = [(Path(p), parse_plan(read_yaml(p, PlanError), p)) for p in paths or plan_files()]
    units = _existing_units(
        db, [c for _, p in parsed for c in [p.unit, *(t.unit for t in p.targets if t.unit)]]
    )
    seen_plans: dict[str, Path] = {}
    body_names: dict[str, tuple[str, str, Path]] = {}
    for path, plan in parsed:
        errors = cross_check(plan, catalog, units.__contains__)
        if plan.code in seen_plans:
            errors.append(f"code: plan {plan.code} is also declared in {seen_plans[plan.code]}")
        seen_plans[plan.code] = path
        for body in plan.every_body:
            names = (body.name_vi, body.name_en, path)
            first = body_names.setdefault(body.code, names)
            if first[:2] != names[:2]:
                errors.append(f"bodies[{body.code}]: named differently in {first[2]}")
        if errors:
            hint = " (are the units loaded?)" if any("unknown unit" in e for e in errors) else ""
            raise PlanError(path, [e + hint if "unknown unit" in e else e for e in errors])
    return [plan for _, plan in parsed]


def _rows(plan: PlanFile) -> dict[str, list[dict[str, Any]]]:
    """The database rows that represent ``plan``, by table."""
    return {
        "plan": [
            {
                "code": plan.code,
                "title_vi": plan.title_vi,
                "title_en": plan.title_en,
                "issuer": plan.issuer,
                "number": plan.number,
                "issued": plan.issued,
                "unit_code": plan.unit,
                "start_year": plan.start_year,
                "end_year": plan.end_year,
                "legal_bases": [b.model_dump() for b in plan.legal_bases],
                "reporting": [d.model_dump() for d in plan.reporting],
            }
        ],
        "bodies": [
            {"code": b.code, "name_vi": b.name_vi, "name_en": b.name_en} for b in plan.every_body
        ],
        "plan_bodies": [
            {
                "plan_code": plan.code,
                "body_code": b.code,
                "position": i,
                "role": b.role,
                "duties_vi": list(b.duties_vi),
                "duties_en": list(b.duties_en),
            }
            for i, b in enumerate(plan.bodies, start=1)
        ],
        "targets": [
            {
                "plan_code": plan.code,
                "code": t.code,
                "indicator_code": t.indicator,
                "unit_code": t.unit or plan.unit,
                "description_vi": t.description_vi,
                "description_en": t.description_en,
                "baseline_value": t.baseline.value if t.baseline else None,
                "baseline_year": t.baseline.year if t.baseline else None,
                "target_value": t.value,
                "target_year": t.year,
                "direction": t.direction,
                "annual_change": t.annual_change,
                "start_year": t.start_year,
                "kind": t.kind,
                "source": t.source,
            }
            for t in plan.targets
        ],
        "tasks": [
            {
                "plan_code": plan.code,
                "code": t.code,
                "group_code": g.code,
                "group_vi": g.title_vi,
                "group_en": g.title_en,
                "title_vi": t.title_vi,
                "title_en": t.title_en,
                "details_vi": list(t.details_vi),
                "details_en": list(t.details_en),
                "lead_body": t.lead,
                "partner_bodies": list(t.partners),
            }
            for g, t in plan.tasks
        ],
    }


def load_plans(
    db: Session, paths: Sequence[Path | str] | None = None, catalog: Catalog | None = None
) -> int:
    """Validate every plan file (default: all shipped ones), then bring plans, bodies, duties,
    targets and tasks in the database in step with them; return how many rows changed.

    Nothing is written unless every file is valid. Idempotent: a second run changes nothing.
    A target, task or duty removed from a file is deleted; bodies are kept (other plans may
    name them). Each change is audited in the caller's transaction. Units must be loaded."""
    plans = read_plans(db, paths, catalog)
    changed = 0
    for plan in plans:
        rows = _rows(plan)
        in_plan = {m: m.plan_code == plan.code for m in (PlanBody, Target, Task)}
        changed += sync_rows(db, Body, ["code"], rows["bodies"])
        changed += sync_rows(db, Plan, ["code"], rows["plan"], scope=Plan.code == plan.code)
        for model, key, table in (
            (PlanBody, ["plan_code", "body_code"], "plan_bodies"),
            (Target, ["plan_code", "code"], "targets"),
            (Task, ["plan_code", "code"], "tasks"),
        ):
            changed += sync_rows(
                db, model, key, rows[table], scope=in_plan[model], delete_missing=True
            )
    return changed
