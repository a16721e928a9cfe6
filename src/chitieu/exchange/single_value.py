"""DHIS2's single data value (``/api/dataValues``): one value named by its data element, period,
org unit and category option combo (DHIS2 UIDs; codes are read too), read, saved or deleted.

Reading goes through the export and writing through the import of a data value set of one
value, so the identifiers, the caller's scope, the checks, the audit and the kept deletions
are those of ``/api/dataValueSets``. chitieu keeps no value without a number: an empty value
clears the stored one by deleting it, and a comment or follow-up flag alone changes a value
already stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from chitieu.exchange.dhis2 import import_datavalueset
from chitieu.exchange.export import export_datavalueset
from chitieu.exchange.mapping import Dhis2Mapping, IdScheme, read_mapping
from chitieu.reporting import summary as sm
from chitieu.reporting.periods import Editor
from chitieu.reporting.summary import Conflict, ImportSummary

NOT_STORED = "Data value does not exist"
NOT_DELETABLE = "Data value cannot be deleted because it does not exist"
NOTHING_GIVEN = "Data value or comment not specified"


@dataclass(frozen=True, slots=True)
class ValueName:
    """A value's identifiers as DHIS2's ``de``, ``pe``, ``ou`` and ``co`` give them."""

    data_element: str
    period: str
    org_unit: str
    category_option_combo: str | None = None
    attribute_option_combo: str | None = None

    def item(self) -> dict[str, Any]:
        """The value's identifiers as a data value set's item has them."""
        item = {"dataElement": self.data_element, "period": self.period, "orgUnit": self.org_unit}
        if self.category_option_combo:
            item["categoryOptionCombo"] = self.category_option_combo
        if self.attribute_option_combo:
            item["attributeOptionCombo"] = self.attribute_option_combo
        return item


class Refused(Exception):
    """The request cannot be served: ``conflict`` says why, in DHIS2's terms."""

    def __init__(self, conflict: Conflict) -> None:
        super().__init__(conflict.value)
        self.conflict = conflict


def read_value(
    engine: Engine,
    name: ValueName,
    *,
    allowed_unit: str | None,
    mapping: Dhis2Mapping | None = None,
) -> dict[str, Any]:
    """The stored value as a data value set's item has it (``value`` a text); :class:`Refused`
    when there is none, or the unit lies outside ``allowed_unit``."""
    mapping = mapping or read_mapping()
    try:
        chunks, _ = export_datavalueset(
            engine,
            period=[name.period],
            org_unit=[name.org_unit],
            data_element=[name.data_element],
            allowed_unit=allowed_unit,
            mapping=mapping,
        )
        items = json.loads(b"".join(chunks))["dataValues"]
    except PermissionError as exc:
        raise Refused(Conflict(name.org_unit, str(exc), sm.E_NOT_IN_HIERARCHY, "orgUnit")) from None
    except ValueError as exc:
        raise Refused(Conflict(name.data_element, str(exc), None, "dataValue")) from None
    wanted = mapping.disaggregation(name.category_option_combo, IdScheme.UID)
    for item in items:
        if mapping.disaggregation(item["categoryOptionCombo"], IdScheme.UID) == wanted:
            return item
    raise Refused(Conflict(name.data_element, NOT_STORED, None, "dataValue"))


def save_value(
    engine: Engine,
    name: ValueName,
    *,
    value: str | None,
    comment: str | None = None,
    followup: bool | None = None,
    actor: str,
    allowed_unit: str | None,
    editor: Editor = Editor(),
) -> ImportSummary:
    """Save one value as DHIS2's ``POST /api/dataValues`` does: a new value, a changed value,
    comment or follow-up flag. No value keeps the stored one (it must exist); an empty value
    clears it. :class:`Refused` when nothing can be saved."""
    item = name.item()
    if value is None:
        if comment is None and followup is None:
            raise Refused(Conflict(name.data_element, NOTHING_GIVEN, sm.E_VALUE_MISSING, "value"))
        item["value"] = read_value(engine, name, allowed_unit=allowed_unit)["value"]
    elif value.strip() == "":
        item["deleted"] = True  # kept among the deleted values, as a deletion is
    else:
        item["value"] = value
    if comment is not None:
        item["comment"] = comment
    if followup is not None:
        item["followup"] = followup
    return _import(engine, item, actor=actor, allowed_unit=allowed_unit, editor=editor)


def delete_value(
    engine: Engine,
    name: ValueName,
    *,
    actor: str,
    allowed_unit: str | None,
    editor: Editor = Editor(),
) -> ImportSummary:
    """Delete one stored value (kept among the deleted values); :class:`Refused` when there
    is none."""
    item = {**name.item(), "deleted": True}
    summary = _import(engine, item, actor=actor, allowed_unit=allowed_unit, editor=editor)
    if summary.count.deleted == 0:
        raise Refused(Conflict(name.data_element, NOT_DELETABLE, None, "dataValue"))
    return summary


def _import(
    engine: Engine, item: dict[str, Any], *, actor: str, allowed_unit: str | None, editor: Editor
) -> ImportSummary:
    body = json.dumps({"dataValues": [item]}).encode()
    summary = import_datavalueset(
        engine,
        body,
        "application/json",
        actor=actor,
        allowed_unit=allowed_unit,
        editor=editor,
        old_units="none",
        filename="dataValues",
    )
    if summary.status == "ERROR":
        raise Refused(summary.conflicts[0])
    return summary
