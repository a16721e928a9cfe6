"""The monthly report form's rules, on hand-made forms."""

from __future__ import annotations

from chitieu.reporting.form import check_report
from chitieu.web.i18n import message

FULL = {
    "M_O1": "30",
    "M_O2": "20",
    "M_O3P": "5",
    "F_O1": "28",
    "F_O2": "19",
    "F_O3P": "4",
    "TOTAL": "106",
    "ACT_COMM_SESSIONS": "2",
    "ACT_PEOPLE_REACHED": "150",
    "ACT_FACILITY_COMMITMENTS": "1",
    "ACT_INSPECTIONS": "0",
}


def keys(checked):
    return [(i.field, i.key) for i in checked.errors]


def test_a_consistent_report_passes_and_lists_ten_values():
    checked = check_report(FULL, submitting=True)
    assert checked.ok
    stored = checked.stored()
    assert len(stored) == 10
    assert ("LIVE_BIRTHS", "M_O1", 30) in stored and ("ACT_INSPECTIONS", "default", 0) in stored


def test_negative_decimal_and_text_are_refused_with_the_field():
    form = {**FULL, "M_O1": "-3", "F_O2": "2.5", "ACT_INSPECTIONS": "hai"}
    checked = check_report(form, submitting=False)
    assert ("M_O1", "rule_negative") in keys(checked)
    assert ("F_O2", "rule_not_integer") in keys(checked)
    assert ("ACT_INSPECTIONS", "rule_not_integer") in keys(checked)


def test_total_must_equal_boys_plus_girls_and_says_the_sums():
    checked = check_report({**FULL, "TOTAL": "107"}, submitting=True)
    assert keys(checked) == [("TOTAL", "rule_total")]
    text = message("rule_total", "vi", **checked.errors[0].params)
    assert text == "Tổng số trẻ đẻ ra sống (107) không bằng trai + gái (55 + 51 = 106)."


def test_a_draft_may_leave_fields_empty_but_a_submission_may_not():
    partial = {"M_O1": "3", "F_O1": "4"}
    assert check_report(partial, submitting=False).ok
    refused = check_report(partial, submitting=True)
    assert ("M_O2", "rule_required") in keys(refused)
    assert ("TOTAL", "rule_required") in keys(refused)
    assert ("ACT_COMM_SESSIONS", "rule_required") in keys(refused)


def test_an_implausible_ratio_on_many_births_asks_for_confirmation():
    # 90 boys and 40 girls: SRB 225 over 130 births, outside 80–140 on more than 50 births
    form = {**FULL, "M_O1": "60", "M_O2": "25", "M_O3P": "5", "F_O1": "20", "F_O2": "15"}
    form.update({"F_O3P": "5", "TOTAL": "130"})
    checked = check_report(form, submitting=True)
    assert not checked.errors
    assert checked.confirm is not None and checked.confirm.key == "rule_srb_confirm"
    assert checked.confirm.params["srb"] == 225.0
    assert check_report({**form, "confirm_srb": "1"}, submitting=True).ok


def test_the_ratio_check_needs_more_than_fifty_births():
    # 30 boys, 10 girls: SRB 300 but only 40 births, so no confirmation is asked
    small = {**FULL, "M_O1": "20", "M_O2": "8", "M_O3P": "2", "F_O1": "6", "F_O2": "3"}
    small.update({"F_O3P": "1", "TOTAL": "40"})
    assert check_report(small, submitting=True).ok
    # 51 births with an SRB of 82.1 (23 boys, 28 girls): inside 80–140, so no question
    edge = {**FULL, "M_O1": "23", "M_O2": "0", "M_O3P": "0", "F_O1": "28", "F_O2": "0"}
    edge.update({"F_O3P": "0", "TOTAL": "51"})
    assert check_report(edge, submitting=True).ok


def test_no_girls_at_all_asks_for_confirmation():
    form = {**FULL, "F_O1": "0", "F_O2": "0", "F_O3P": "0", "TOTAL": "55"}
    checked = check_report(form, submitting=True)
    assert checked.confirm is not None and checked.confirm.key == "rule_srb_no_girls"
