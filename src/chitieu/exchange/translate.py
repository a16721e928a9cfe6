"""DHIS2 identifiers to chitieu codes, as a payload's values stream by: units (by code, UID
or name), data elements, category option combos and the set's data set, under the id
schemes in force (:mod:`chitieu.exchange.mapping`); what cannot be translated becomes a
conflict with DHIS2's error code."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.exchange.mapping import DEFAULT_DISAGGREGATION, Dhis2Mapping, IdScheme
from chitieu.exchange.old_codes import OldCodeWatch
from chitieu.exchange.options import IdSchemes
from chitieu.exchange.payload import Payload, RawValue
from chitieu.reporting import summary as sm
from chitieu.reporting.imports import Outcome, ValueIn
from chitieu.reporting.summary import Conflict
from chitieu.reporting.value_checks import both_languages
from chitieu.store.models import Unit
from chitieu.store.uids import is_uid


def unit_names(db: Session, names: set[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    ordered = sorted(names)
    for i in range(0, len(ordered), 500):
        stmt = select(Unit.name, Unit.code).where(Unit.name.in_(ordered[i : i + 500]))
        for name, code in db.execute(stmt):
            found.setdefault(name, []).append(code)
    return found


def unit_uids(db: Session, idents: set[str]) -> dict[str, str]:
    """Unit UID -> unit code, for the identifiers in ``idents`` that are units' UIDs."""
    wanted = sorted(i for i in idents if is_uid(i))
    found: dict[str, str] = {}
    for i in range(0, len(wanted), 500):
        stmt = select(Unit.uid, Unit.code).where(Unit.uid.in_(wanted[i : i + 500]))
        found.update({uid: code for uid, code in db.execute(stmt).tuples() if uid is not None})
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
    chitieu codes. The identifier is read trimmed of blanks, as DHIS2 reads it."""
    ident = ident.strip()
    mapped = mapping.mapped_unit(ident, scheme)
    if mapped:
        return mapped
    if uids and scheme is not IdScheme.NAME and ident in uids:
        return uids[ident]
    if scheme is IdScheme.NAME:
        codes = names.get(ident, [])
        return codes[0] if len(codes) == 1 else codes or ident
    return ident


def unit_names_all(db: Session) -> dict[str, list[str]]:
    """Every unit's name -> its codes (a few thousand rows), for the ``name`` id scheme."""
    found: dict[str, list[str]] = {}
    for name, code in db.execute(select(Unit.name, Unit.code)):
        found.setdefault(name, []).append(code)
    return found


def unit_uids_all(db: Session) -> dict[str, str]:
    """Every unit's UID -> its code, for the uid and code id schemes."""
    rows = db.execute(select(Unit.uid, Unit.code).where(Unit.uid.is_not(None))).tuples()
    return {uid: code for uid, code in rows if uid is not None}


#: Why an attribute option combo other than the default one is refused.
NO_ATTRIBUTES = (
    "Attribute option combo not found: chitieu has no attribute dimension, only the default combo"
)


def header_conflicts(
    payload: Payload,
    mapping: Dhis2Mapping,
    schemes: IdSchemes,
    unit_exists: Callable[[str], bool] | None = None,
) -> list[Conflict]:
    """Problems with the set as a whole, each refusing the whole payload as in DHIS2: a data
    set, an org unit or an attribute option combo given for the whole set that does not
    exist. ``unit_exists`` judges the set's org unit as the payload spells it (None: not
    judged here)."""
    header = payload.header
    found = []
    data_set = header.get("dataSet")
    if data_set and mapping.data_set_code(data_set, schemes.data_set) is None:
        why = f"Data set not found: `{data_set}`"
        found.append(Conflict(data_set, why, sm.E_DATA_SET, "dataSet", None, "header"))
    org_unit = header.get("orgUnit")
    if org_unit and unit_exists is not None and not unit_exists(org_unit):
        why = both_languages("import_unit_not_found", unit=org_unit)
        found.append(Conflict(org_unit, why, sm.E_ORG_UNIT, "orgUnit", None, "header"))
    combo = header.get("attributeOptionCombo")
    if combo and not mapping.is_default_aoc(combo, schemes.category_option_combo):
        found.append(
            Conflict(combo, NO_ATTRIBUTES, sm.E_AOC, "attributeOptionCombo", None, "header")
        )
    return found


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
    # Identifiers repeat across a payload's values: each is translated once.
    elements: dict[str, str] = {}
    units: dict[str, str | list[str]] = {}
    combos: dict[str | tuple[tuple[str, str], ...], str | None] = {}
    default_aoc: dict[str | None, bool] = {}
    known_sets: dict[str, bool] = {}
    for raw in raws:
        (
            index,
            location,
            de,
            period,
            ou,
            coc,
            aoc,
            value,
            stored_by,
            _created,
            _last_updated,
            comment,
            followup,
            categories,
            attribute_categories,
            ds,
            deleted,
        ) = raw
        plain_aoc = default_aoc.get(aoc)
        if plain_aoc is None:
            plain_aoc = mapping.is_default_aoc(aoc, schemes.category_option_combo)
            default_aoc[aoc] = plain_aoc
        if ds and ds != header_ds:
            known = known_sets.get(ds)
            if known is None:
                known = mapping.data_set_code(ds, schemes.data_set) is not None
                known_sets[ds] = known
        else:
            known = True
        # the combo, else the ADX categories (none: the default combo)
        combo_key = coc or categories
        if combo_key in combos:
            disaggregation = combos[combo_key]
        else:
            if coc:
                disaggregation = mapping.disaggregation(coc, schemes.category_option_combo)
            elif categories:
                disaggregation = mapping.disaggregation_of_options(dict(categories))
            else:
                disaggregation = DEFAULT_DISAGGREGATION
            combos[combo_key] = disaggregation
        if (
            de
            and ou
            and period
            and plain_aoc
            and disaggregation is not None
            and not attribute_categories
            and known
        ):
            unit = units.get(ou)
            if unit is None:
                unit = resolve_unit(ou, schemes.org_unit, mapping, names, uids)
                units[ou] = unit
            if isinstance(unit, str):  # the common case, with nothing to refuse
                element = elements.get(de)
                if element is None:
                    element = elements[de] = mapping.element_code(de, schemes.data_element)
                if watch is not None:
                    watch.see(ou, unit, period, location)
                yield ValueIn(
                    element,
                    unit,
                    period,
                    disaggregation,
                    value,
                    comment,
                    stored_by,
                    location,
                    index,
                    followup,
                    bool(deleted),
                )
                continue
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
                    NO_ATTRIBUTES,
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
