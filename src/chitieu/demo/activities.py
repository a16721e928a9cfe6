"""Activity reports in the demo: Hanoi communes' monthly ``ACT_*`` values (January 2024 to
October 2026) and the plan bodies' quarterly reports on the 2026–2030 SRB plan (2026Q1–Q3).

Each commune reports, for each month, the communication sessions it held on the sex imbalance
at birth, the people they reached, the facilities that signed a commitment not to disclose
fetal sex and the inspections it joined (more of both in the August–September campaign). Most
reports arrive by the day they are due (the 10th of the following month); some come late, some
never, and three communes report only about half of their months, so completeness and
timeliness have something to show. A few reports of the last month are still drafts.

The plan's bodies report each quarter what they did under their tasks (:data:`BODY_WORK`).
The demo stands on :data:`AS_OF` (20 November 2026): 2026Q3 was due on 15 October, so a body
that has not reported it is overdue, as two have not; one of them missed 2026Q2 as well.
Synthetic throughout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from chitieu.catalog.periods import month, quarter
from chitieu.demo.communes import labelled
from chitieu.demo.hanoi import HanoiProfile
from chitieu.demo.rows import Row, value_row
from chitieu.reporting.calendar import MONTHLY

_STREAM = 5
#: The day the demo's data stop: everything in it was reported by then.
AS_OF = date(2026, 11, 20)
#: The months communes reported: 2024 and 2025 whole, 2026 up to October (due 15 November).
MONTHS = [(y, m) for y in (2024, 2025) for m in range(1, 13)] + [(2026, m) for m in range(1, 11)]
#: A month's report is due by this day of the following month (the reporting calendar's rule).
DUE_DAY = MONTHLY.due_day
P_MISSING, P_LATE = 0.03, 0.08
P_MISSING_STRUGGLING, P_LATE_STRUGGLING = 0.45, 0.5
N_STRUGGLING = 3
P_DRAFT_LAST_MONTH = 0.05
CAMPAIGN_MONTHS = (8, 9)


@dataclass(frozen=True, slots=True)
class ActivityReports:
    """The data value rows, and the communes that report only about half their months."""

    values: list[Row]
    struggling: tuple[str, ...]


def _sent_at(year: int, mon: int, late: bool, rng: np.random.Generator) -> datetime:
    first_of_next = datetime(year + (mon == 12), mon % 12 + 1, 1, 9, 0)
    days = int(rng.integers(DUE_DAY, DUE_DAY + 30)) if late else int(rng.integers(2, DUE_DAY - 1))
    return first_of_next + timedelta(days=days, hours=int(rng.integers(0, 9)))


def hanoi_activities(profile: HanoiProfile, seed: int) -> ActivityReports:
    """Monthly ``ACT_*`` values for every Hanoi commune and month of 2024–2025, with gaps."""
    rng = np.random.default_rng([seed, _STREAM])
    c = profile.communes
    pop = profile.population(2025)
    struggling = rng.choice(len(c), N_STRUGGLING, replace=False)
    missing_p = np.full(len(c), P_MISSING)
    late_p = np.full(len(c), P_LATE)
    missing_p[struggling] = P_MISSING_STRUGGLING
    late_p[struggling] = P_LATE_STRUGGLING
    sessions_mean = 1.5 + pop / 40_000

    rows: list[Row] = []
    for year, mon in MONTHS:
        period = month(year, mon).code
        campaign = mon in CAMPAIGN_MONTHS
        sent = rng.random(len(c)) >= missing_p
        late = rng.random(len(c)) < late_p
        sessions = rng.poisson(sessions_mean)
        reached = rng.poisson(sessions * rng.uniform(40, 120, len(c)))
        commitments = rng.poisson(0.8 if campaign else 0.25, len(c))
        inspections = rng.poisson(0.6 if campaign else 0.1, len(c))
        draft = ((year, mon) == MONTHS[-1]) & (rng.random(len(c)) < P_DRAFT_LAST_MONTH)
        for i in np.flatnonzero(sent):
            at = _sent_at(year, mon, bool(late[i]), rng)
            if at.date() > AS_OF:
                continue  # still to come on the demo's day: missing for now
            status = "draft" if draft[i] else "submitted"
            code = str(c.codes[i])
            for element, v in (
                ("ACT_COMM_SESSIONS", sessions[i]),
                ("ACT_PEOPLE_REACHED", reached[i]),
                ("ACT_FACILITY_COMMITMENTS", commitments[i]),
                ("ACT_INSPECTIONS", inspections[i]),
            ):
                rows.append(value_row(element, code, period, int(v), status=status, at=at))
    return ActivityReports(rows, tuple(str(c.codes[i]) for i in np.sort(struggling)))


PLAN = "HN-SRB-2026-2030"
#: What each body of the Hanoi plan reports, under which task, and about how many a quarter
#: (Poisson means): the Department of Health runs communication, training and inspections;
#: Education its school programmes; the press and the Fatherland Front reach people.
BODY_WORK: dict[str, list[tuple[str, str | None, float]]] = {
    "HN-SYT": [
        ("comm_sessions", "T1.1", 6),
        ("facility_commitments", "T2.2", 25),
        ("inspections", "T2.3", 4),
        ("trainings", "T3.1", 2),
    ],
    "HN-SGDDT": [("school_programmes", "T1.2", 9)],
    "HN-SNV": [("comm_sessions", "T1.3", 2), ("trainings", None, 1)],
    "HN-SVHTT": [("comm_sessions", None, 3)],
    "HN-SDTTG": [("comm_sessions", None, 2)],
    "HN-TRUONG-LHP": [("trainings", None, 2)],
    "HN-STC": [("trainings", None, 0.5)],
    "HN-SBN": [("comm_sessions", None, 2)],
    "HN-BAOCHI": [("comm_sessions", None, 8), ("people_reached", None, 150_000)],
    "HN-MTTQ": [("comm_sessions", None, 5), ("people_reached", None, 4_000)],
}
#: Quarters a body has not reported by :data:`AS_OF` (so the tracking has overdue ones).
NOT_REPORTED = {("HN-SBN", "2026Q2"), ("HN-SBN", "2026Q3"), ("HN-SDTTG", "2026Q3")}
#: Inspections and commitments double in the August–September campaign's quarter.
CAMPAIGN_QUARTER = 3
_CAMPAIGN_WORK = {"inspections", "facility_commitments"}


def hanoi_body_reports(seed: int) -> list[Row]:
    """Quarterly activity reports of the Hanoi plan's bodies for 2026Q1–Q3, as rows for
    :func:`chitieu.plans.activities.record_activities` (with ``today`` = :data:`AS_OF`)."""
    rng = np.random.default_rng([seed, _STREAM, 1])
    rows: list[Row] = []
    for q in range(1, 4):
        period = quarter(AS_OF.year, q).code
        for body, work in BODY_WORK.items():
            if (body, period) in NOT_REPORTED:
                continue
            for activity, task, mean in work:
                boost = 2.0 if q == CAMPAIGN_QUARTER and activity in _CAMPAIGN_WORK else 1.0
                rows.append(
                    {
                        "plan_code": PLAN,
                        "reporter": body,
                        "unit_code": "01",
                        "period": period,
                        "activity": activity,
                        "task_code": task,
                        "value": int(rng.poisson(mean * boost)),
                        "note": labelled("Báo cáo mô phỏng"),
                        "synthetic": True,
                    }
                )
    return rows
