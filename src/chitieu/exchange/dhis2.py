"""DHIS2 ``dataValueSets`` and ADX in and out: the framework-free functions behind
``GET/POST /api/dataValueSets`` and ``chitieu import dhis2`` / ``chitieu export dhis2``.

Import: read the payload (JSON, CSV, XML or ADX), translate identifiers through the mapping
file under the id schemes in force, then hand the values to the import core
(:func:`chitieu.reporting.imports.import_values`), which writes all or nothing.

Id schemes, most specific first: a per-object parameter (``dataElementIdScheme``,
``orgUnitIdScheme``, ``categoryOptionComboIdScheme``, ``dataSetIdScheme``), then ``idScheme``,
then the same names in the payload's header, then the format's default (``uid``; ``code`` for
ADX).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select

from chitieu.exchange.adx import ADX_NS, read_adx
from chitieu.exchange.dxf import (
    read_csv,
    read_json,
    read_xml,
)
from chitieu.exchange.mapping import (
    DEFAULT_DISAGGREGATION,
    Dhis2Mapping,
    IdScheme,
    read_mapping,
)
from chitieu.exchange.payload import Payload, PayloadError, RawValue
from chitieu.reporting import summary as sm
from chitieu.reporting.imports import ImportSource, ImportStrategy, ValueIn, import_values
from chitieu.reporting.summary import Conflict, ImportSummary
from chitieu.store.models import Unit
from chitieu.store.uids import is_uid

FORMATS = ("json", "csv", "xml", "adx")
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "application/csv",
    "xml": "application/xml",
    "adx": "application/adx+xml",
}
_READERS = {"json": read_json, "csv": read_csv, "xml": read_xml, "adx": read_adx}


def detect_format(
    content_type: str | None = None, payload: bytes = b"", filename: str | None = None
) -> str:
    """The payload's format from its media type, else its file name, else its first bytes.

    XML is told apart from ADX by the ADX namespace."""
    ct = (content_type or "").split(";")[0].strip().lower()
    name = (filename or "").lower()
    looks_adx = ADX_NS.encode() in payload[:4096]
    if "adx" in ct or name.endswith(".adx") or name.endswith(".adx.xml"):
        return "adx"
    if "json" in ct or name.endswith(".json"):
        return "json"
    if "csv" in ct or name.endswith(".csv"):
        return "csv"
    if "xml" in ct or name.endswith(".xml"):
        return "adx" if looks_adx else "xml"
    head = payload.lstrip()[:1]
    if head == b"{":
        return "json"
    if head == b"<":
        return "adx" if looks_adx else "xml"
    return "csv"


def read_payload(payload: bytes, fmt: str) -> Payload:
    """Read ``payload`` in format ``fmt``; :class:`PayloadError` when it cannot be read."""
    if fmt not in _READERS:
        raise PayloadError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    return _READERS[fmt](payload)


@dataclass(frozen=True, slots=True)
class IdSchemes:
    data_element: IdScheme
    org_unit: IdScheme
    category_option_combo: IdScheme
    data_set: IdScheme

    @classmethod
    def choose(
        cls,
        fmt: str,
        header: dict[str, str] | None = None,
        *,
        id_scheme: str | None = None,
        data_element_id_scheme: str | None = None,
        org_unit_id_scheme: str | None = None,
        category_option_combo_id_scheme: str | None = None,
        data_set_id_scheme: str | None = None,
    ) -> IdSchemes:
        """The schemes in force; ``ValueError`` for an unsupported scheme name."""
        h = header or {}
        base = IdScheme.parse(
            id_scheme or h.get("idScheme"), IdScheme.CODE if fmt == "adx" else IdScheme.UID
        )

        def pick(param: str | None, key: str) -> IdScheme:
            explicit = param or (None if id_scheme else h.get(key))
            return IdScheme.parse(explicit, base)

        return cls(
            pick(data_element_id_scheme, "dataElementIdScheme"),
            pick(org_unit_id_scheme, "orgUnitIdScheme"),
            pick(category_option_combo_id_scheme, "categoryOptionComboIdScheme"),
            pick(data_set_id_scheme, "dataSetIdScheme"),
        )


def unit_names(conn: Connection, names: set[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    ordered = sorted(names)
    for i in range(0, len(ordered), 500):
        stmt = select(Unit.name, Unit.code).where(Unit.name.in_(ordered[i : i + 500]))
        for name, code in conn.execute(stmt):
            found.setdefault(name, []).append(code)
    return found


def unit_uids(conn: Connection, idents: set[str]) -> dict[str, str]:
    """Unit UID -> unit code, for the identifiers in ``idents`` that are units' UIDs."""
    wanted = sorted(i for i in idents if is_uid(i))
    found: dict[str, str] = {}
    for i in range(0, len(wanted), 500):
        stmt = select(Unit.uid, Unit.code).where(Unit.uid.in_(wanted[i : i + 500]))
        found.update(dict(conn.execute(stmt).all()))
    return found


def resolve_unit(
    ident: str,
    scheme: IdScheme,
    mapping: Dhis2Mapping,
    names: dict[str, list[str]],
    uids: dict[str, str] | None = None,
) -> str | list[str]:
    """The chitieu unit code for an org unit identifier; a list of candidates when a name is
    ambiguous. A unit's UID (``uids``, from :func:`unit_uids`) is accepted under the UID and
    code schemes alike (codes never look like UIDs); other identifiers are taken to be
    chitieu codes."""
    mapped = mapping.mapped_unit(ident, scheme)
    if mapped:
        return mapped
    if uids and scheme is not IdScheme.NAME and ident in uids:
        return uids[ident]
    if scheme is IdScheme.NAME:
        codes = names.get(ident, [])
        return codes[0] if len(codes) == 1 else codes or ident
    return ident


def to_values(
    conn: Connection, payload: Payload, mapping: Dhis2Mapping, schemes: IdSchemes
) -> tuple[list[ValueIn], list[Conflict]]:
    """Translate the payload's identifiers into chitieu codes; problems become conflicts."""
    conflicts = list(payload.problems)
    header_ds = payload.header.get("dataSet")
    if header_ds and mapping.data_set_code(header_ds, schemes.data_set) is None:
        conflicts.append(
            Conflict(
                header_ds,
                f"Data set not found: `{header_ds}`",
                sm.E_DATA_SET,
                "dataSet",
                None,
                "header",
            )
        )
    idents = {v.org_unit for v in payload.values if v.org_unit}
    names = unit_names(conn, idents) if schemes.org_unit is IdScheme.NAME else {}
    uids = unit_uids(conn, idents) if schemes.org_unit is not IdScheme.NAME else {}
    values: list[ValueIn] = []
    for raw in payload.values:
        problems: list[tuple[str, str, str | None, str]] = []
        if not raw.data_element:
            problems.append(("", "Data element not specified", sm.E_DATA_ELEMENT, "dataElement"))
        if not raw.org_unit:
            problems.append(("", "Organisation unit not specified", sm.E_ORG_UNIT, "orgUnit"))
        if not raw.period:
            problems.append(("", "Period not specified", sm.E_PERIOD, "period"))
        if not mapping.is_default_aoc(raw.attribute_option_combo, schemes.category_option_combo):
            problems.append(
                (
                    str(raw.attribute_option_combo),
                    "Attribute option combo not found: "
                    "chitieu has no attribute dimension, only the default combo",
                    sm.E_AOC,
                    "attributeOptionCombo",
                )
            )
        if raw.attribute_categories:
            shown = ",".join(f"{k}={v}" for k, v in raw.attribute_categories)
            problems.append(
                (
                    shown,
                    f"Attribute categories are not supported: {shown}",
                    sm.E_AOC,
                    "attributeOptionCombo",
                )
            )
        unknown_ds = raw.data_set and raw.data_set != header_ds
        if unknown_ds and mapping.data_set_code(raw.data_set or "", schemes.data_set) is None:
            why = f"Data set not found: `{raw.data_set}`"
            problems.append((str(raw.data_set), why, sm.E_DATA_SET, "dataSet"))
        disaggregation = _disaggregation(raw, mapping, schemes, problems)
        unit = raw.org_unit or ""
        if raw.org_unit:
            resolved = resolve_unit(raw.org_unit, schemes.org_unit, mapping, names, uids)
            if isinstance(resolved, list):
                problems.append(
                    (
                        raw.org_unit,
                        f"Organisation unit name `{raw.org_unit}` is "
                        f"ambiguous ({', '.join(resolved)})",
                        sm.E_ORG_UNIT,
                        "orgUnit",
                    )
                )
            else:
                unit = resolved
        if problems:
            conflicts += [
                Conflict(o, why, code, prop, raw.index, raw.location)
                for o, why, code, prop in problems
            ]
            continue
        values.append(
            ValueIn(
                element=mapping.element_code(raw.data_element or "", schemes.data_element),
                unit=unit,
                period=raw.period or "",
                disaggregation=disaggregation,
                value=raw.value,
                comment=raw.comment,
                stored_by=raw.stored_by,
                location=raw.location,
                index=raw.index,
            )
        )
    return values, conflicts


def _disaggregation(
    raw: RawValue, mapping: Dhis2Mapping, schemes: IdSchemes, problems: list
) -> str:
    """The COC wins over ADX category attributes; neither means the default combo."""
    if raw.category_option_combo:
        return mapping.disaggregation(raw.category_option_combo, schemes.category_option_combo)
    if raw.categories:
        found = mapping.disaggregation_of_options(dict(raw.categories))
        if found is None:
            shown = " ".join(f'{k}="{v}"' for k, v in raw.categories)
            problems.append(
                (
                    shown,
                    f"No category option combo has the options {shown}",
                    sm.E_COC,
                    "categoryOptionCombo",
                )
            )
            return DEFAULT_DISAGGREGATION
        return found
    return DEFAULT_DISAGGREGATION


def import_datavalueset(
    engine: Engine,
    payload: bytes,
    content_type: str | None = None,
    *,
    actor: str,
    dry_run: bool = False,
    fmt: str | None = None,
    id_scheme: str | None = None,
    data_element_id_scheme: str | None = None,
    org_unit_id_scheme: str | None = None,
    category_option_combo_id_scheme: str | None = None,
    data_set_id_scheme: str | None = None,
    import_strategy: str | None = None,
    allowed_unit: str | None = None,
    can_edit_locked: bool = False,
    mapping: Dhis2Mapping | None = None,
    filename: str | None = None,
    old_units: str | None = None,
) -> ImportSummary:
    """Import a DHIS2 data value set or ADX message; all values or none.

    ``allowed_unit`` is the caller's scope: values for units outside it are conflicts.
    ``old_units`` (a split rule, ``"seat"`` or ``"equal"``) reads org units as pre-2025 codes
    and maps them onto today's units first (:mod:`chitieu.exchange.crosswalk`).
    Never raises for bad input: an unreadable payload gives an ``ERROR`` summary too."""
    fmt = fmt or detect_format(content_type, payload, filename)
    try:
        parsed = read_payload(payload, fmt)
        schemes = IdSchemes.choose(
            fmt,
            parsed.header,
            id_scheme=id_scheme,
            data_element_id_scheme=data_element_id_scheme,
            org_unit_id_scheme=org_unit_id_scheme,
            category_option_combo_id_scheme=category_option_combo_id_scheme,
            data_set_id_scheme=data_set_id_scheme,
        )
        strategy = ImportStrategy.parse(import_strategy)
    except (PayloadError, ValueError) as exc:
        return sm.refused([Conflict("payload", str(exc), None, "payload")], 0, dry_run=dry_run)
    mapping = mapping or read_mapping()
    total = parsed.count
    with engine.connect() as conn:
        values, conflicts = to_values(conn, parsed, mapping, schemes)
    extra = {}
    if old_units:
        from chitieu.exchange.crosswalk import map_old_values

        values, report, more = map_old_values(values, rule=old_units)
        conflicts += more
        extra["crosswalk"] = report.to_dict()
    source = ImportSource(fmt, filename or f"{fmt} payload", hashlib.sha256(payload).hexdigest())
    summary = import_values(
        engine,
        values,
        actor=actor,
        dry_run=dry_run,
        strategy=strategy,
        allowed_unit=allowed_unit,
        can_edit_locked=can_edit_locked,
        prior_conflicts=conflicts,
        total=total,
        source=source,
    )
    summary.extra.update(extra)
    return summary
