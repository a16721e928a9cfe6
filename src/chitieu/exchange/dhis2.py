"""DHIS2 ``dataValueSets`` and ADX in and out: the framework-free functions behind
``GET/POST /api/dataValueSets`` and ``chitieu import dhis2`` / ``chitieu export dhis2``.

Import: read the payload as a stream (JSON, CSV, XML or ADX), settle the options (request and
payload, in DHIS2's precedence: :mod:`chitieu.exchange.options`), translate identifiers
through the mapping file, then hand the values to the import core
(:func:`chitieu.reporting.imports.import_values`), which writes them in batches — all or
nothing (atomic, chitieu's rule and the CLI's default) or the good ones (partial, DHIS2's
default on its HTTP API).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, BinaryIO

from sqlalchemy import Connection, Engine, select

from chitieu.exchange.adx import ADX_NS, read_adx
from chitieu.exchange.crosswalk import SPLIT_RULES
from chitieu.exchange.dxf import read_csv, read_json, read_xml
from chitieu.exchange.mapping import (
    DEFAULT_DISAGGREGATION,
    Dhis2Mapping,
    IdScheme,
    read_mapping,
)
from chitieu.exchange.old_codes import NEW_UNITS, OldCodeWatch, map_old_values_warn
from chitieu.exchange.options import IdSchemes, ImportOptions, RequestOptions
from chitieu.exchange.payload import Payload, PayloadError, RawValue, as_stream
from chitieu.reporting import summary as sm
from chitieu.reporting.imports import ImportSource, Outcome, ValueIn, import_values
from chitieu.reporting.periods import Editor
from chitieu.reporting.summary import Conflict, ImportSummary
from chitieu.reporting.validate import DataSetRule, PeriodRules
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


def read_payload(
    payload: bytes | BinaryIO,
    fmt: str,
    header: dict[str, str] | None = None,
    *,
    first_row_is_header: bool = True,
) -> Payload:
    """A streaming reader of ``payload`` in format ``fmt`` (``header``: set fields already
    known from an earlier pass); :class:`PayloadError` when the format is unknown."""
    if fmt not in _READERS:
        raise PayloadError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    stream = as_stream(payload)
    if fmt == "csv":
        return read_csv(stream, header, first_row_is_header=first_row_is_header)
    return _READERS[fmt](stream, header)


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
        found.update({uid: code for uid, code in conn.execute(stmt).tuples() if uid is not None})
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


def unit_names_all(conn: Connection) -> dict[str, list[str]]:
    """Every unit's name -> its codes (a few thousand rows), for the ``name`` id scheme."""
    found: dict[str, list[str]] = {}
    for name, code in conn.execute(select(Unit.name, Unit.code)):
        found.setdefault(name, []).append(code)
    return found


def unit_uids_all(conn: Connection) -> dict[str, str]:
    """Every unit's UID -> its code, for the uid and code id schemes."""
    rows = conn.execute(select(Unit.uid, Unit.code).where(Unit.uid.is_not(None))).tuples()
    return {uid: code for uid, code in rows if uid is not None}


def header_conflicts(payload: Payload, mapping: Dhis2Mapping, schemes: IdSchemes) -> list[Conflict]:
    """Problems with the set as a whole (each refuses the whole payload, as in DHIS2)."""
    header_ds = payload.header.get("dataSet")
    if header_ds and mapping.data_set_code(header_ds, schemes.data_set) is None:
        why = f"Data set not found: `{header_ds}`"
        return [Conflict(header_ds, why, sm.E_DATA_SET, "dataSet", None, "header")]
    return []


def to_values(
    raws: Iterable[RawValue],
    header: dict[str, str],
    mapping: Dhis2Mapping,
    schemes: IdSchemes,
    names: dict[str, list[str]],
    outcome: Outcome,
    uids: dict[str, str] | None = None,
    watch: OldCodeWatch | None = None,
) -> Iterator[ValueIn]:
    """Translate the payload's identifiers into chitieu codes as the values stream by;
    problems go to ``outcome`` and the value is left out. ``watch`` sees each value's unit
    as written and as read."""
    header_ds = header.get("dataSet")
    for raw in raws:
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
            for o, why, code, prop in problems:
                outcome.add(Conflict(o, why, code, prop, raw.index, raw.location))
            continue
        if watch is not None:
            watch.see(raw.org_unit or "", unit, raw.period or "", raw.location)
        yield ValueIn(
            element=mapping.element_code(raw.data_element or "", schemes.data_element),
            unit=unit,
            period=raw.period or "",
            disaggregation=disaggregation,
            value=raw.value,
            comment=raw.comment,
            stored_by=raw.stored_by,
            location=raw.location,
            index=raw.index,
            followup=raw.followup,
            deleted=bool(raw.deleted),
        )


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


class _ReadAgain(Exception):
    """The payload's set fields came after its values: read it again with them known."""

    def __init__(self, header: dict[str, str]) -> None:
        super().__init__("header after the values")
        self.header = header


def period_rules(mapping: Dhis2Mapping, today: date) -> PeriodRules:
    """The allowed periods of each element, from the data sets of the mapping file."""
    return PeriodRules(
        today,
        {e: [DataSetRule(*r) for r in rules] for e, rules in mapping.data_set_rules().items()},
    )


def import_datavalueset(
    engine: Engine,
    payload: bytes | BinaryIO,
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
    editor: Editor = Editor(),
    mapping: Dhis2Mapping | None = None,
    filename: str | None = None,
    old_units: str | None = None,
    atomic: bool = True,
    today: date | None = None,
    first_row_is_header: bool = True,
) -> ImportSummary:
    """Import a DHIS2 data value set or ADX message (bytes, or a seekable binary stream).

    ``atomic`` (the default, chitieu's rule): any refused value refuses the whole payload;
    ``atomic=False`` is DHIS2's partial import (WARNING, the good values written).
    ``allowed_unit`` is the caller's scope: values for units outside it are conflicts.
    ``old_units`` (a split rule, ``"seat"`` or ``"equal"``) reads org units as pre-2025 codes
    and maps them onto today's units first (:mod:`chitieu.exchange.crosswalk`); ``"none"``
    says they are 2025 codes; without it, values before July 2025 keyed by codes that named
    other communes before the reform are imported as 2025 codes with a WARNING naming them.
    ``today`` judges future periods.
    Never raises for bad input: an unreadable payload gives an ``ERROR`` summary too."""
    request = RequestOptions(
        dry_run=dry_run,
        import_strategy=import_strategy,
        id_scheme=id_scheme,
        data_element_id_scheme=data_element_id_scheme,
        org_unit_id_scheme=org_unit_id_scheme,
        category_option_combo_id_scheme=category_option_combo_id_scheme,
        data_set_id_scheme=data_set_id_scheme,
        atomic=atomic,
        today=today,
        first_row_is_header=first_row_is_header,
    )
    stream = as_stream(payload)
    head = stream.read(4096)
    fmt = fmt or detect_format(content_type, head, filename)
    digest = _sha256(stream)
    mapping = mapping or read_mapping()
    header: dict[str, str] = {}
    for _ in range(2):
        try:
            return _import_once(
                engine,
                stream,
                fmt,
                header,
                request,
                mapping,
                actor,
                allowed_unit,
                editor,
                old_units,
                ImportSource(fmt, filename or f"{fmt} payload", digest),
            )
        except _ReadAgain as again:
            header = again.header
    raise AssertionError("unreachable: the second pass knows the whole header")


def _sha256(stream: BinaryIO) -> str:
    stream.seek(0)
    h = hashlib.sha256()
    for block in iter(lambda: stream.read(1 << 20), b""):
        h.update(block)
    stream.seek(0)
    return h.hexdigest()


def _import_once(
    engine: Engine,
    stream: BinaryIO,
    fmt: str,
    known_header: dict[str, str],
    request: RequestOptions,
    mapping: Dhis2Mapping,
    actor: str,
    allowed_unit: str | None,
    editor: Editor,
    old_units: str | None,
    source: ImportSource,
) -> ImportSummary:
    outcome = Outcome()
    try:
        parsed = read_payload(
            stream, fmt, known_header, first_row_is_header=request.first_row_is_header
        )
        parsed.problems = outcome.conflicts
        parsed.rejected = outcome.rejected
        raws = _primed(parsed.values)  # reads the header that precedes the values
        options = ImportOptions.resolve(fmt, request, parsed.header)
    except (PayloadError, ValueError) as exc:
        why = [Conflict("payload", str(exc), None, "payload")]
        return sm.refused(why, 0, dry_run=request.dry_run)
    if any(c.location == "header" for c in outcome.conflicts):
        outcome.fatal = True
    for c in header_conflicts(parsed, mapping, options.schemes):
        outcome.add(c)
        outcome.fatal = True
    with engine.connect() as conn:
        by_name = options.schemes.org_unit is IdScheme.NAME
        names = unit_names_all(conn) if by_name else {}
        uids = {} if by_name else unit_uids_all(conn)
    watch = OldCodeWatch() if old_units not in (*SPLIT_RULES, NEW_UNITS) else None
    values: Iterable[ValueIn] = to_values(
        _guarded(raws, outcome),
        parsed.header,
        mapping,
        options.schemes,
        names,
        outcome,
        uids,
        watch,
    )
    extra: dict[str, Any] = {}
    if old_units in SPLIT_RULES:
        values, report = map_old_values_warn(list(values), old_units, outcome)
        extra["crosswalk"] = report.to_dict()

    def finish() -> None:
        late = {k: v for k, v in parsed.late_header.items() if known_header.get(k) != v}
        if late:
            raise _ReadAgain({**parsed.header, **late})
        if watch is not None:
            watch.report(outcome, extra)

    summary = import_values(
        engine,
        values,
        actor=actor,
        dry_run=options.dry_run,
        strategy=options.strategy,
        allowed_unit=allowed_unit,
        editor=editor,
        source=source,
        atomic=options.atomic,
        rules=period_rules(mapping, options.today),
        outcome=outcome,
        count_total=lambda: parsed.count,
        finish=finish,
    )
    summary.import_options = options.to_dict()
    summary.extra.update(extra)
    return summary


def _primed(values: Iterator[RawValue]) -> Iterator[RawValue]:
    """Read up to the first value now (so the header before it is known); the same values."""
    first = next(values, None)
    return values if first is None else itertools.chain((first,), values)


def _guarded(values: Iterator[RawValue], outcome: Outcome) -> Iterator[RawValue]:
    """The values; a payload that turns out unreadable part-way becomes a fatal conflict."""
    try:
        yield from values
    except PayloadError as exc:
        outcome.add(Conflict("payload", str(exc), None, "payload"))
        outcome.fatal = True
