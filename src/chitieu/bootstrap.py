"""Make a database ready to use: the schema, then the reference data every feature needs."""

from __future__ import annotations

from sqlalchemy import Engine

from chitieu.catalog import load_catalog
from chitieu.plans import load_plans
from chitieu.store.db import transaction
from chitieu.store.migrate import upgrade
from chitieu.targets.scorecard_load import load_scorecards
from chitieu.units.load import load_units


def bootstrap(engine: Engine) -> dict[str, int]:
    """Migrate the schema to head, then load the units, the catalogue, the plans and the
    national scorecards, in that order (plans refer to units and indicators), in one
    transaction.

    Idempotent: on a ready database it changes nothing. Returns the rows added or changed per
    step (``units``, ``catalog``, ``plans``, ``scorecards``), all zero on a second run."""
    upgrade(engine)
    with transaction(engine) as db:
        return {
            "units": load_units(db),
            "catalog": load_catalog(db),
            "plans": load_plans(db),
            "scorecards": load_scorecards(db),
        }
