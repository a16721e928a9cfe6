"""``chitieu targets``: where each target stands, and the national scorecard."""

from __future__ import annotations

from typing import Any

import typer

from chitieu.cli.output import (
    FORMAT_OPTION,
    Format,
    database,
    fail,
    print_json,
    refused,
    render_table,
)
from chitieu.ingest.errors import ImportRefused

# Domain modules are imported inside the commands, not here: every start-up would pay for them.

#: chitieu.targets.scorecard.NATIONAL, which loads the catalogue (tests check they agree).
NATIONAL = "VN-2025"
#: The scorecard a command reads or amends.
_SCORECARD = typer.Option(NATIONAL, "--scorecard", help="Mã bảng điểm (scorecard code).")

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Chỉ tiêu: tình hình thực hiện và bảng điểm quốc gia (targets and the scorecard).",
    no_args_is_help=True,
)


def _interval(lower: float | None, upper: float | None) -> str:
    if lower is None or upper is None:
        return ""
    return f"{lower:.1f}–{upper:.1f}"


@app.command("status")
def status_command(
    plan: str = typer.Option(
        None, "--plan", help="Mã kế hoạch, ví dụ HN-SRB-2026-2030 (plan code)."
    ),
    unit: str = typer.Option(
        None,
        "--unit",
        help="Đánh giá cho đơn vị này, mặc định đơn vị của từng chỉ tiêu (evaluate for this unit; "
        "default each target's).",
    ),
    year: int = typer.Option(
        None,
        "--year",
        help="Dùng số liệu đến năm này, mặc định tất cả (use data up to this year; default all).",
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Giá trị mới nhất của từng chỉ tiêu với khoảng tin cậy 95 %, xác suất đạt, mức thay đổi mỗi
    năm còn cần và tình trạng (each target's latest value with its 95 % interval, the
    probability of meeting it, the change per year still needed and its status)."""
    from chitieu.catalog import UnknownCodeError
    from chitieu.reports.i18n import fmt_number, fmt_percent, fmt_signed
    from chitieu.targets.rules import rules_text
    from chitieu.targets.service import evaluate_targets
    from chitieu.units.queries import UnknownUnitError

    try:
        with database() as db:
            evaluations = evaluate_targets(db, plan_code=plan, unit_code=unit, until_year=year)
    except (KeyError, UnknownUnitError, UnknownCodeError) as exc:
        raise fail(str(exc).strip("'\"")) from None
    if fmt is Format.json:
        payload = [e.to_dict(with_series=False) for e in evaluations]
        print_json(payload)
        return
    rows = []
    for e in evaluations:
        latest = e.latest
        rows.append(
            {
                "plan": e.plan_code,
                "target": e.target_code,
                "unit": e.unit_code,
                "goal": f"{'≤' if e.direction == 'at_most' else '≥'} "
                f"{fmt_number(e.goal_value, 1, 'en')} ({e.target_year})"
                if e.goal_value is not None
                else "–",
                "latest": f"{fmt_number(latest.value, 1, 'en')} ({latest.year})" if latest else "",
                "95% interval": _interval(latest.lower, latest.upper) if latest else "",
                "P(met)": fmt_percent(e.prob_target_met),
                "needed/yr": fmt_signed(e.required_annual_change, 2, "en"),
                "drift/yr ± se": _drift(e),
                "status": e.status,
            }
        )
    if rows:
        typer.echo(render_table(rows, list(rows[0])))
    else:
        typer.echo("(không có chỉ tiêu — no targets)")
    for line in _provisional_lines(evaluations) + _note_lines(evaluations):
        typer.echo(line)
    typer.echo(f"\n{rules_text('en')}")


def _drift(e: Any) -> str:
    """The model's drift per year with its standard error: ``+0.02 ± 0.30``."""
    from chitieu.reports.i18n import fmt_signed

    drift = fmt_signed(e.observed_annual_change, 2, "en")
    se = e.observed_annual_change_se
    if se is None or e.observed_annual_change is None:
        return drift
    return f"{drift} ± {se:.2f}"


def _note_lines(evaluations: list[Any]) -> list[str]:
    """Which target binds, what meeting a looser one leaves unmet, and what an inconclusive
    change target would need to be detectable: Vietnamese, then English."""
    from chitieu.targets.binding import notes

    lines: list[str] = []
    for e in evaluations:
        for vi, en in zip(notes(e, "vi"), notes(e, "en"), strict=True):
            lines += [f"{e.unit_code} {e.target_code}: {vi}", f"  ({en})"]
    return ["", *lines] if lines else []


def _provisional_lines(evaluations: list[Any]) -> list[str]:
    """One line per unit and indicator whose latest year is still arriving: shown, not judged."""
    from chitieu.reports.i18n import fmt_number

    lines: list[str] = []
    for e in evaluations:
        p = e.current
        if p is None or p.completeness is None:
            continue
        line = (
            f"{e.unit_code} {e.indicator_code} {p.year}: {fmt_number(p.value, 1, 'en')} "
            f"{_interval(p.lower, p.upper)} — {p.completeness.text('vi')} "
            f"({p.completeness.text('en')})"
        )
        if line not in lines:
            lines.append(line)
    return ["", *lines] if lines else []


@app.command("scorecard")
def scorecard_command(
    year: int = typer.Option(None, "--year", help="Chỉ năm này (only this year)."),
    code: str = _SCORECARD,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Bảng điểm quốc gia mười chỉ tiêu: theo năm, giá trị, chỉ tiêu, đạt hay không và nguồn (the
    national ten-target scorecard: per year, each target's value, target, verdict and source)."""
    from chitieu.reports.i18n import fmt_figure
    from chitieu.targets.scorecard import national_scorecard

    with database() as db:
        card = national_scorecard(db, code, years=[year] if year else None)
    if fmt is Format.json:
        print_json(card.to_dict())
        return
    rows: list[dict[str, Any]] = []
    for r in card.rows:
        row: dict[str, Any] = {"#": r.position, "code": r.code, "target": r.name_vi}
        for y in card.years:
            cell = r.cells.get(y)
            verdict = {True: "đạt", False: "không đạt", None: "?"}[cell.met if cell else None]
            if cell is None:
                row[str(y)] = "?"
                continue
            shown = [verdict + (" (suy ra)" if cell.met_derived else "")]
            if cell.value is not None or cell.target_value is not None:
                target = fmt_figure(cell.target_value, "vi")
                shown.append(f"{fmt_figure(cell.value, 'vi')} / {target}")
            row[str(y)] = " ".join(shown)
        rows.append(row)
    typer.echo(render_table(rows, list(rows[0])) if rows else "(trống — empty)")
    for y in card.years:
        s = card.summary(y)
        typer.echo(f"{y}: {s['met']} đạt, {s['not_met']} không đạt, {s['unknown']} chưa rõ")


def _yes_no(text: str | None) -> bool | None:
    if text is None:
        return None
    lowered = text.strip().lower()
    if lowered in ("yes", "true", "1", "đạt", "dat"):
        return True
    if lowered in ("no", "false", "0", "không đạt", "khong dat"):
        return False
    raise typer.BadParameter("yes or no")


@app.command("scorecard-set")
def scorecard_set_command(
    code: str = typer.Argument(
        ..., help="Mã chỉ tiêu trong bảng điểm, ví dụ SLOT_06 (target code in the scorecard)."
    ),
    name_vi: str = typer.Option(
        None, "--name-vi", help="Tên chỉ tiêu bằng tiếng Việt (the target's name in Vietnamese)."
    ),
    name_en: str = typer.Option(
        None, "--name-en", help="Tên chỉ tiêu bằng tiếng Anh (the target's name in English)."
    ),
    indicator: str = typer.Option(
        None, "--indicator", help="Mã chỉ số trong danh mục (catalogue indicator code)."
    ),
    direction: str = typer.Option(
        None, "--direction", help="Hướng: at_most hoặc at_least (direction)."
    ),
    unit_label: str = typer.Option(
        None, "--unit-label", help='Đơn vị đo, ví dụ "% dân số" (unit of measure).'
    ),
    assigned_by: str = typer.Option(
        None, "--assigned-by", help="Cơ quan giao: national_assembly hoặc government (assigned by)."
    ),
    legal_basis: str = typer.Option(
        None, "--legal-basis", help="Văn bản giao chỉ tiêu (the act that assigns the target)."
    ),
    year: int = typer.Option(
        None, "--year", help="Đặt số liệu của năm này (set this year's figures)."
    ),
    target: float = typer.Option(
        None, "--target", help="Chỉ tiêu của năm --year (the target for --year)."
    ),
    value: float = typer.Option(
        None, "--value", help="Giá trị đạt được năm --year (the value reached in --year)."
    ),
    met: str = typer.Option(
        None, "--met", help="Kết luận chính thức: yes hoặc no (official verdict)."
    ),
    source: str = typer.Option(
        None, "--source", help="Nguồn của số liệu (where the figures come from)."
    ),
    scorecard: str = _SCORECARD,
    actor: str = typer.Option(
        "cli-admin", "--actor", help="Ghi vào nhật ký thay đổi (recorded in the audit log)."
    ),
) -> None:
    """Bổ sung hoặc sửa một chỉ tiêu của bảng điểm (quản trị viên), có ghi nhật ký; với --year là
    chỉ tiêu, giá trị và kết quả năm đó (fill or amend a scorecard target as an administrator,
    audited; with --year that year's target, value and verdict)."""
    from chitieu.targets.scorecard import set_scorecard_result, set_scorecard_target

    definition = {
        "name_vi": name_vi,
        "name_en": name_en,
        "indicator_code": indicator,
        "direction": direction,
        "unit_label": unit_label,
        "assigned_by": assigned_by,
        "legal_basis": legal_basis,
    }
    definition = {k: v for k, v in definition.items() if v is not None}
    figures = {"target_value": target, "value": value, "met": _yes_no(met), "source": source}
    figures = {k: v for k, v in figures.items() if v is not None}
    if figures and year is None:
        raise fail("--target, --value, --met and --source need --year")
    if not definition and year is None:
        raise fail("nothing to set: give a definition (--name-vi, …) or --year with figures")
    try:
        with database() as db:
            if definition:
                set_scorecard_target(db, scorecard, code, definition, actor=actor)
            if year is not None:
                set_scorecard_result(db, scorecard, code, year, figures, actor=actor)
    except ImportRefused as exc:
        raise refused(exc) from None
    typer.echo(f"{scorecard}/{code}: saved")
