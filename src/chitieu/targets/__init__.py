"""Targets: whether each plan target and national scorecard target will be met.

* :mod:`~chitieu.targets.service` — evaluate the loaded plans' targets for a unit (the one
  function behind the CLI, the API, the dashboard and the periodic report).
* :mod:`~chitieu.targets.rules` — the rule that turns a projection into a status.
* :mod:`~chitieu.targets.projection` — the indicator's path projected to the target year.
* :mod:`~chitieu.targets.scorecard` and :mod:`~chitieu.targets.scorecard_load` — the national
  scorecard, its data files and their loading.
"""
