"""Which of several targets on one indicator and unit binds, and what meeting a looser one
leaves unmet — the Hanoi plan's case worked by hand: −0.2 a year from 112.0 in 2025 ends at
111.0 in 2030, above 109, which needs (109 − 112)/5 = −0.6 a year."""

from __future__ import annotations

from chitieu.targets.binding import notes, with_relations
from chitieu.targets.evaluation import Point, TargetEvaluation


def _eval(code: str, **fields) -> TargetEvaluation:  # type: ignore[no-untyped-def]
    base = {
        "plan_code": "HN-SRB-2026-2030",
        "target_code": code,
        "indicator_code": "SRB",
        "indicator_name_vi": "Tỷ số giới tính khi sinh",
        "indicator_name_en": "Sex ratio at birth",
        "unit_label_vi": "trai/100 gái",
        "unit_label_en": "boys per 100 girls",
        "unit_code": "01",
        "unit_name": "Thành phố Hà Nội",
        "kind": "by_year",
        "direction": "at_most",
        "description_vi": code,
        "description_en": code,
        "baseline_value": None,
        "baseline_year": None,
        "target_value": None,
        "target_year": 2030,
        "start_year": None,
        "annual_change": None,
        "goal_value": None,
        "goal_latest": None,
        "latest": Point(2025, 112.0, 111.0, 113.0),
        "p_now": None,
        "prob_target_met": 0.3,
        "required_annual_change": None,
        "observed_annual_change": 0.0,
        "status": "at_risk",
        "status_reason": "",
        "method": "srb-trend",
    }
    return TargetEvaluation(**{**base, **fields})


FALL = _eval(
    "FALL",
    annual_change=-0.2,
    baseline_value=112.0,
    baseline_year=2025,
    goal_value=111.0,
    required_annual_change=-0.2,
    status="inconclusive",
    change_sd=1.5,
    detectable_annual_change=0.6,
)
AT_MOST_109 = _eval(
    "AT_MOST_109", target_value=109.0, goal_value=109.0, required_annual_change=-0.6
)


def test_the_level_binds_and_the_annual_fall_does_not_meet_it():
    fall, level = with_relations([FALL, AT_MOST_109])
    assert (fall.binding, level.binding) == (False, True)
    assert fall.relation_en == (
        "Meeting −0.20/yr (→ 111.0 in 2030) does not meet ≤ 109.0 (2030): that needs −0.60/yr."
    )
    assert fall.relation_vi == (
        "Đạt −0,20/năm (→ 111,0 năm 2030) vẫn chưa đạt ≤ 109,0 (2030): chỉ tiêu đó cần −0,60/năm."
    )
    assert level.relation_en == "The binding one of 2 targets on this indicator: it needs −0.60/yr."
    # an inconclusive change target also says what change the data could detect
    assert notes(fall, "en")[1] == (
        "Inconclusive: the data can tell only a change of 0.60/yr or more "
        "(standard error of the change 1.50)."
    )


def test_a_steeper_fall_binds_and_meeting_the_level_does_not_meet_it():
    steep = _eval(
        "STEEP",
        annual_change=-0.8,
        baseline_value=112.0,
        baseline_year=2025,
        goal_value=108.0,
        required_annual_change=-0.8,
    )
    level, fall = with_relations([AT_MOST_109, steep])
    assert (level.binding, fall.binding) == (False, True)
    assert level.relation_en == (
        "Meeting ≤ 109.0 (2030) does not meet −0.80/yr (→ 108.0 in 2030): that needs −0.80/yr."
    )
    # a target that says nothing of the binding year is only told which one binds
    later = _eval("BY_2035", target_year=2035, goal_value=107.0, required_annual_change=-0.5)
    _, bound = with_relations([steep, later])
    assert (
        bound.relation_en == "The binding target is −0.80/yr (→ 108.0 in 2030) (it needs −0.80/yr)."
    )


def test_targets_alone_or_on_other_units_have_no_relation():
    other_unit = _eval("ELSEWHERE", unit_code="79", goal_value=109.0, required_annual_change=-0.6)
    alone = with_relations([FALL, other_unit])
    assert [e.binding for e in alone] == [None, None]
    assert notes(alone[1], "vi") == []


def test_opposite_goals_that_cannot_both_hold_conflict():
    floor = _eval(
        "AT_LEAST_110",
        direction="at_least",
        target_value=110.0,
        goal_value=110.0,
        required_annual_change=-0.4,
    )
    cap = _eval("AT_MOST_108", target_value=108.0, goal_value=108.0, required_annual_change=-0.8)
    low, high = with_relations([cap, floor])
    assert low.relation_en == "Conflicts with the target ≥ 110.0 (2030): both cannot be met."
    assert high.relation_vi == "Mâu thuẫn với chỉ tiêu ≤ 108,0 (2030): không thể đạt cả hai."
