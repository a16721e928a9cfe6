"""Data exchange: DHIS2 dataValueSets (JSON, CSV, XML) and ADX in and out, Excel report
templates, and history reported under the pre-2025 administrative units.

Entry points:

- :func:`chitieu.exchange.dhis2.import_datavalueset` — ``POST /api/dataValueSets``;
- :func:`chitieu.exchange.export.export_datavalueset` — ``GET /api/dataValueSets``, and
  :func:`chitieu.exchange.export.export_datavalues` for code that holds a session;
- the readers feed :func:`chitieu.reporting.imports.import_values`, the all-or-nothing import
  core of the reporting service (the one write path for data values);
- :mod:`chitieu.exchange.excel` — the commune monthly XLSX template and its import;
- :func:`chitieu.exchange.crosswalk.map_old_series` — pre-2025 units onto today's.
"""
