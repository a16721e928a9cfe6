"""Enforcement of the ban on fetal sex selection.

* :mod:`~chitieu.enforcement.register` — the facilities offering ultrasound or obstetrics.
* :mod:`~chitieu.enforcement.inspections` — inspections recorded, audited and listed.
* :mod:`~chitieu.enforcement.history` and :mod:`~chitieu.enforcement.ranking` — each commune's
  inspection history beside its excess sex ratio at birth: where to inspect next.
* :mod:`~chitieu.enforcement.summary` — the figures a periodic report gives.
"""
