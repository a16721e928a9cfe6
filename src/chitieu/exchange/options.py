"""Import options of a DHIS2 data value set: where each comes from and which source wins.

DHIS2 accepts the options both as request parameters and inside the payload (JSON keys of the
data value set, XML attributes of ``<dataValueSet>``). Its precedence, followed here:

1. ``dryRun``: a dry run if either the request or the payload asks for one.
2. ``importStrategy`` (the payload may spell it ``strategy``): the payload's, else the
   request's, else ``CREATE_AND_UPDATE``.
3. Id schemes, per kind of object (data element, org unit, category option combo, data set),
   first found wins: the payload's specific scheme (``dataElementIdScheme``…), the request's
   specific scheme, the payload's ``idScheme``, the request's ``idScheme``, the format's default
   (``UID``; ``CODE`` for ADX).
4. ``period``, ``orgUnit`` and ``attributeOptionCombo`` of the set override each value's own
   (see :mod:`chitieu.exchange.dxf`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chitieu.exchange.mapping import IdScheme
from chitieu.exchange.payload import as_bool
from chitieu.reporting.validate import ImportStrategy

_SCHEMES = (
    ("data_element", "dataElementIdScheme"),
    ("org_unit", "orgUnitIdScheme"),
    ("category_option_combo", "categoryOptionComboIdScheme"),
    ("data_set", "dataSetIdScheme"),
)


@dataclass(frozen=True, slots=True)
class IdSchemes:
    data_element: IdScheme
    org_unit: IdScheme
    category_option_combo: IdScheme
    data_set: IdScheme


@dataclass(frozen=True)
class RequestOptions:
    """What the caller asked for (query parameters or CLI options), before the payload's."""

    dry_run: bool = False
    import_strategy: str | None = None
    id_scheme: str | None = None
    data_element_id_scheme: str | None = None
    org_unit_id_scheme: str | None = None
    category_option_combo_id_scheme: str | None = None
    data_set_id_scheme: str | None = None
    #: ``True``: any conflict refuses the whole payload (DHIS2's ``atomicMode=ALL``);
    #: ``False``: the good values are imported and the summary says WARNING (``NONE``).
    atomic: bool = True
    #: The day future periods are judged against (default: today).
    today: date | None = None
    first_row_is_header: bool = True
    async_: bool = False


@dataclass(frozen=True)
class ImportOptions:
    """The options in force once the payload's header is known."""

    dry_run: bool
    strategy: ImportStrategy
    schemes: IdSchemes
    atomic: bool
    today: date
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def resolve(cls, fmt: str, request: RequestOptions, header: dict[str, str]) -> ImportOptions:
        """The options in force; ``ValueError`` for an unknown strategy, scheme or flag."""
        default = IdScheme.CODE if fmt == "adx" else IdScheme.UID
        general = header.get("idScheme") or request.id_scheme
        chosen = {}
        for attr, key in _SCHEMES:
            text = header.get(key) or getattr(request, f"{attr}_id_scheme") or general
            chosen[attr] = IdScheme.parse(text, default)
        payload_dry = as_bool(header.get("dryRun"), "dryRun")
        strategy = header.get("importStrategy") or header.get("strategy")
        return cls(
            dry_run=request.dry_run or bool(payload_dry),
            strategy=ImportStrategy.parse(strategy or request.import_strategy),
            schemes=IdSchemes(**chosen),
            atomic=request.atomic,
            today=request.today or date.today(),
        )

    def to_dict(self) -> dict[str, Any]:
        """The summary's ``importOptions``, in DHIS2's names."""
        s = self.schemes
        return {
            "idSchemes": {
                "dataElementIdScheme": {"type": s.data_element.name},
                "orgUnitIdScheme": {"type": s.org_unit.name},
                "categoryOptionComboIdScheme": {"type": s.category_option_combo.name},
                "dataSetIdScheme": {"type": s.data_set.name},
            },
            "dryRun": self.dry_run,
            "async": False,
            "importStrategy": self.strategy.value,
            "mergeMode": "REPLACE",
            "reportMode": "FULL",
            "skipExistingCheck": False,
            "sharing": False,
            "skipNotifications": False,
            "skipAudit": False,
            "datasetAllowsPeriods": False,
            "strictPeriods": True,
            "strictDataElements": False,
            "strictCategoryOptionCombos": False,
            "strictAttributeOptionCombos": False,
            "strictOrganisationUnits": True,
            "requireCategoryOptionCombo": False,
            "requireAttributeOptionCombo": False,
            "skipPatternValidation": False,
            "ignoreEmptyCollection": False,
            "force": False,
            "firstRowIsHeader": True,
            "skipLastUpdated": False,
            "mergeDataValues": False,
            "skipCache": False,
            "atomicMode": "ALL" if self.atomic else "NONE",
            **self.extra,
        }
