"""Hanoi communes' monthly activity reports in the demo (``ACT_*`` data values), 2024–2025.

Each commune reports, for each month, the communication sessions it held on the sex imbalance
at birth, the people they reached, the facilities that signed a commitment not to disclose
fetal sex and the inspections it joined (more of both in the August–September campaign). Most
reports arrive by the 15th of the following month; some come late, some never, and three
communes report only about half of their months, so completeness and timeliness have something
to show. A few reports of the last month are still drafts. Synthetic throughout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from chitieu.catalog.periods import month
from chitieu.demo.hanoi import HanoiProfile
from chitieu.demo.rows import Row, value_row

_STREAM = 5
YEARS = (2024, 2025)
#: A month's report is due by this day of the following month (as the plan tracking reads it).
DUE_DAY = 15
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
    last = (YEARS[-1], 12)
    for year in YEARS:
        for mon in range(1, 13):
            period = month(year, mon).code
            campaign = mon in CAMPAIGN_MONTHS
            sent = rng.random(len(c)) >= missing_p
            late = rng.random(len(c)) < late_p
            sessions = rng.poisson(sessions_mean)
            reached = rng.poisson(sessions * rng.uniform(40, 120, len(c)))
            commitments = rng.poisson(0.8 if campaign else 0.25, len(c))
            inspections = rng.poisson(0.6 if campaign else 0.1, len(c))
            draft = ((year, mon) == last) & (rng.random(len(c)) < P_DRAFT_LAST_MONTH)
            for i in np.flatnonzero(sent):
                at = _sent_at(year, mon, bool(late[i]), rng)
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
