"""Export stored data values as DHIS2 ``dataValueSets`` (JSON, CSV, XML) or ADX.

Exporting what was imported gives the same set of values: identifiers are written back under
the id scheme asked for (through the same mapping file), periods in their canonical DHIS2
spelling (ADX: ISO start/duration), values as DHIS2 writes them (counts without decimals).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy import Connection, Engine, select

from chitieu.exchange.adx import write_adx
from chitieu.exchange.dhis2 import FORMATS, MEDIA_TYPES, resolve_unit, unit_names, unit_uids
from chitieu.exchange.dxf import OutValue, write_csv, write_json, write_xml
from chitieu.exchange.mapping import DEFAULT_DISAGGREGATION, Dhis2Mapping, IdScheme, read_mapping
from chitieu.exchange.query import StoredValue, format_value, query_values
from chitieu.store.models import Unit


def _stamp(t: datetime | None) -> str | None:
    return t.isoformat(timespec="milliseconds") if t else None


def _out(
    v: StoredValue,
    mapping: Dhis2Mapping,
    fmt: str,
    de_scheme: IdScheme,
    ou_scheme: IdScheme,
    coc_scheme: IdScheme,
    ds_scheme: IdScheme,
    data_set: str | None,
    unit_uids: dict[str, str],
) -> OutValue:
    adx = fmt == "adx"
    default = v.disaggregation == DEFAULT_DISAGGREGATION
    categories = () if default else tuple(mapping.coc_options.get(v.disaggregation, {}).items())
    coc = "" if adx and default else mapping.coc_id(v.disaggregation, coc_scheme)
    ds = data_set or mapping.data_set_of(v.element)
    return OutValue(
        data_element=mapping.element_id(v.element, de_scheme),
        period=v.period,
        org_unit=mapping.unit_id(v.unit, ou_scheme, v.unit_name, unit_uids.get(v.unit)),
        category_option_combo=coc,
        attribute_option_combo=mapping.coc_id(DEFAULT_DISAGGREGATION, coc_scheme),
        value=format_value(v.value, v.value_type),
        stored_by=v.stored_by,
        created=_stamp(v.created),
        last_updated=_stamp(v.last_updated),
        comment=v.comment,
        categories=categories if adx else (),
        data_set=mapping.data_set_id(ds, ds_scheme),
    )


def export_datavalues(
    conn: Connection,
    units: Sequence[str] | None = None,
    periods: Sequence[str] | None = None,
    elements: Sequence[str] | None = None,
    fmt: str = "json",
    id_scheme: str | None = None,
    *,
    children: bool = False,
    start_date: date | None = None,
    end_date: date | None = None,
    data_set: str | None = None,
    data_element_id_scheme: str | None = None,
    org_unit_id_scheme: str | None = None,
    category_option_combo_id_scheme: str | None = None,
    mapping: Dhis2Mapping | None = None,
) -> bytes:
    """Stored values as a DHIS2 payload in ``fmt`` (json | csv | xml | adx).

    ``units``, ``periods``, ``elements`` are chitieu codes (periods in any DHIS2 spelling);
    None selects all. ``data_set`` (a chitieu data set code from the mapping) limits the
    elements to that data set's. ``id_scheme`` defaults to ``uid`` (``code`` for ADX); org
    units are written as their UIDs only when the UID scheme is asked for by name (here
    ``id_scheme`` or ``org_unit_id_scheme``; the HTTP export asks for it by default, as DHIS2
    does), so chitieu's own exports keep writing unit codes by default.
    ``ValueError`` for an unknown format, scheme, data set or period."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    mapping = mapping or read_mapping()
    base = IdScheme.parse(id_scheme, IdScheme.CODE if fmt == "adx" else IdScheme.UID)
    de_scheme = IdScheme.parse(data_element_id_scheme, base)
    ou_scheme = IdScheme.parse(org_unit_id_scheme, base)
    coc_scheme = IdScheme.parse(category_option_combo_id_scheme, base)
    named_uid = ou_scheme is IdScheme.UID and bool(org_unit_id_scheme or id_scheme)
    unit_uids = dict(conn.execute(select(Unit.code, Unit.uid)).all()) if named_uid else {}
    if data_set is not None:
        if data_set not in mapping.data_sets:
            raise ValueError(f"unknown data set {data_set!r}")
        in_set = mapping.data_sets[data_set].elements
        elements = [e for e in (elements or in_set) if e in in_set]
    rows = query_values(
        conn,
        units=units,
        children=children,
        periods=periods,
        start=start_date,
        end=end_date,
        elements=elements,
    )
    out = [
        _out(v, mapping, fmt, de_scheme, ou_scheme, coc_scheme, base, data_set, unit_uids)
        for v in rows
    ]
    if fmt == "json":
        header = {"dataSet": mapping.data_set_id(data_set, base)} if data_set else None
        return write_json(out, header)
    if fmt == "csv":
        return write_csv(out)
    if fmt == "xml":
        header = {"dataSet": mapping.data_set_id(data_set, base)} if data_set else None
        return write_xml(out, header)
    return write_adx(out)


def export_datavalueset(
    engine: Engine,
    *,
    data_set: Sequence[str] = (),
    period: Sequence[str] = (),
    start_date: date | None = None,
    end_date: date | None = None,
    org_unit: Sequence[str] = (),
    children: bool = False,
    fmt: str = "json",
    id_scheme: str | None = None,
    data_element_id_scheme: str | None = None,
    org_unit_id_scheme: str | None = None,
    data_element: Sequence[str] = (),
    allowed_unit: str | None = None,
    mapping: Dhis2Mapping | None = None,
) -> tuple[bytes, str]:
    """``GET /api/dataValueSets``: the payload and its media type.

    Parameters carry DHIS2's names and meanings; identifiers in ``org_unit``, ``data_set``
    and ``data_element`` are read under the id schemes in force. As in DHIS2, at least one
    ``period`` or a ``start_date``/``end_date`` pair and at least one ``org_unit`` are
    required (``ValueError`` otherwise); no ``data_set`` means every element. ``allowed_unit``
    is the caller's scope: asking for a unit outside it raises ``PermissionError``."""
    mapping = mapping or read_mapping()
    adx = fmt == "adx"
    base = IdScheme.parse(id_scheme, IdScheme.CODE if adx else IdScheme.UID)
    ou_scheme = IdScheme.parse(org_unit_id_scheme, base)
    de_scheme = IdScheme.parse(data_element_id_scheme, base)
    if not period and not (start_date and end_date):
        raise ValueError("At least one period, or start and end dates, must be specified")
    if period and (start_date or end_date):
        raise ValueError("Both periods and start/end date cannot be specified")
    if start_date and end_date and start_date > end_date:
        raise ValueError("Start date must be before end date")
    if not org_unit:
        raise ValueError("At least one organisation unit must be specified")
    with engine.connect() as conn:
        names = unit_names(conn, set(org_unit)) if ou_scheme is IdScheme.NAME else {}
        uids = unit_uids(conn, set(org_unit))
        units = []
        for ident in org_unit:
            code = resolve_unit(ident, ou_scheme, mapping, names, uids)
            if isinstance(code, list):
                raise ValueError(f"organisation unit name {ident!r} is ambiguous")
            units.append(code)
        _check_scope(conn, units, allowed_unit)
        # selectors are read under the scheme in force, else by UID or code (idScheme shapes
        # the output; `dataSet=<uid>&idScheme=CODE` must still find the data set)
        sets = [_any_scheme(mapping.data_set_code, d, base) or d for d in data_set]
        elements = [_element(mapping, e, de_scheme) for e in data_element] or None
        if sets:
            unknown = [d for d in sets if d not in mapping.data_sets]
            if unknown:
                raise ValueError(f"Data set not found: {', '.join(unknown)}")
            listed = {e for d in sets for e in mapping.data_sets[d].elements}
            elements = [e for e in (elements or listed) if e in listed]
        body = export_datavalues(
            conn,
            units,
            list(period) or None,
            elements,
            fmt,
            id_scheme,
            children=children,
            start_date=start_date,
            end_date=end_date,
            data_set=sets[0] if len(sets) == 1 else None,
            data_element_id_scheme=data_element_id_scheme,
            # as DHIS2: org units as UIDs unless a scheme says otherwise (ADX: codes)
            org_unit_id_scheme=org_unit_id_scheme or id_scheme or ("code" if adx else "uid"),
            mapping=mapping,
        )
    return body, MEDIA_TYPES[fmt]


def _any_scheme(lookup: Callable[[str, IdScheme], str | None], ident: str, first: IdScheme):  # type: ignore[no-untyped-def]
    for scheme in (first, IdScheme.UID, IdScheme.CODE):
        found = lookup(ident, scheme)
        if found is not None:
            return found
    return None


def _element(mapping: Dhis2Mapping, ident: str, scheme: IdScheme) -> str:
    """The element a ``dataElement`` selector names; ``ValueError`` for none (an unknown
    element must not answer with an empty export)."""
    for s in (scheme, IdScheme.UID, IdScheme.CODE):
        code = mapping.element_code(ident, s)
        if code in mapping.elements:
            return code
    raise ValueError(f"Data element not found: {ident}")


def _check_scope(conn: Connection, units: Sequence[str], allowed_unit: str | None) -> None:
    if allowed_unit is None:
        return
    scope = conn.scalar(select(Unit.path).where(Unit.code == allowed_unit))
    stmt = select(Unit.code, Unit.path).where(Unit.code.in_(list(units)))
    paths = {code: path for code, path in conn.execute(stmt)}
    for code in units:
        path = paths.get(code)
        if path is None:
            raise ValueError(f"Organisation unit not found: {code}")
        if scope is None or not (path == scope or path.startswith(scope + "/")):
            raise PermissionError(f"Organisation unit {code} is outside your unit {allowed_unit}")
