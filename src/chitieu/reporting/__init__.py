"""Reporting: the one way data values are written, and the state of the reports they form.

* :mod:`~chitieu.reporting.values` — save, delete and set the status of single values (the
  API's data-value routes and the monthly report form call it).
* :mod:`~chitieu.reporting.imports` — the all-or-nothing import core every reader feeds
  (DHIS2 JSON/CSV/XML, ADX, Excel, old-unit series); :mod:`~chitieu.reporting.validate` holds
  the checks both paths share, :mod:`~chitieu.reporting.write` the bulk writes and their
  audit entries, :mod:`~chitieu.reporting.summary` the import summary.
* :mod:`~chitieu.reporting.state` — a report's state (draft, submitted, locked) and when it
  was submitted; the monthly report's deadline.
* :mod:`~chitieu.reporting.periods` — the (unit, period) row lock every write takes first,
  the period's lock, and the one policy on locked periods and submitted reports.
* :mod:`~chitieu.reporting.form` — the monthly commune report form's fields and rules.

Every write, one value or a batch, is checked by :func:`chitieu.reporting.validate.plan_import`
(element, disaggregation, unit and the caller's scope, period, type, duplicates, locks): a rule
that every way data comes in must obey goes there, or, for a whole report's state, in
:mod:`~chitieu.reporting.reports`. :mod:`~chitieu.reporting.calendar` states when reports are
due; :mod:`~chitieu.reporting.monthly_report` what the monthly report holds.

Refusals are :mod:`chitieu.errors` domain errors (or an import summary's conflicts), never
HTTP errors.
"""
