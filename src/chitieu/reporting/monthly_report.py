"""The commune's monthly report: what it holds, listed once.

One report per commune and month (period ``YYYYMM``): live births by sex and birth order (the
six disaggregations of ``LIVE_BIRTHS``) and four counts of activities held (``ACT_*``). The
form (:mod:`chitieu.reporting.form`), the report's state (:mod:`chitieu.reporting.state`) and
a plan's quarterly tracking (:mod:`chitieu.plans.tracking`) all read these names from here;
the DHIS2 mapping file's ``COMMUNE_MONTHLY`` data set lists the same elements for exchange (a
test holds the two together).
"""

from __future__ import annotations

#: (form field, element, disaggregation) of the births by sex and birth order.
BIRTH_FIELDS = (
    ("M_O1", "LIVE_BIRTHS", "M_O1"),
    ("M_O2", "LIVE_BIRTHS", "M_O2"),
    ("M_O3P", "LIVE_BIRTHS", "M_O3P"),
    ("F_O1", "LIVE_BIRTHS", "F_O1"),
    ("F_O2", "LIVE_BIRTHS", "F_O2"),
    ("F_O3P", "LIVE_BIRTHS", "F_O3P"),
)
#: The activity counts: element, and the plan activity (:mod:`chitieu.plans.activities`) each
#: counts.
ACTIVITY_ELEMENTS: dict[str, str] = {
    "ACT_COMM_SESSIONS": "comm_sessions",
    "ACT_PEOPLE_REACHED": "people_reached",
    "ACT_FACILITY_COMMITMENTS": "facility_commitments",
    "ACT_INSPECTIONS": "inspections",
}
#: (form field, element, disaggregation) of the activity counts.
ACTIVITY_FIELDS = tuple((element, element, "default") for element in ACTIVITY_ELEMENTS)
#: Every stored figure of the report.
STORED_FIELDS = BIRTH_FIELDS + ACTIVITY_FIELDS
#: The report's data elements, in the form's order.
REPORT_ELEMENTS = tuple(dict.fromkeys(element for _, element, _ in STORED_FIELDS))
