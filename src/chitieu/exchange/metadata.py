"""The catalogue as DHIS2 metadata: data elements, data sets, category combos, categories,
category options and option combos, built from the DHIS2 mapping file and the catalogue.

Identifiers are those the data exchange uses (:mod:`chitieu.exchange.mapping`), so an id read
here is accepted by ``POST /api/dataValueSets``. Category options, which the mapping names
only by code, get UIDs derived from their codes; the default category combo, category and
option keep DHIS2's well-known UIDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chitieu.catalog import read_catalog
from chitieu.exchange.mapping import DEFAULT_DISAGGREGATION, Dhis2Mapping, IdScheme, read_mapping
from chitieu.store.uids import derived_uid

#: DHIS2's own UIDs of its default category combo, category and category option.
DEFAULT_COMBO_UID = "bjDvmb4bfuf"
DEFAULT_CATEGORY_UID = "GLevLNI9wkl"
DEFAULT_OPTION_UID = "xYerKDKCefk"
DEFAULT = "default"
VALUE_TYPES = {"integer": "INTEGER", "number": "NUMBER"}
AGGREGATION = {"sum": "SUM", "last": "LAST"}

#: Collection name (as in the URL) -> the kind of object it lists.
COLLECTIONS = (
    "dataElements",
    "dataSets",
    "categoryCombos",
    "categories",
    "categoryOptions",
    "categoryOptionCombos",
)


def _ref(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: obj[k] for k in ("id", "code", "name", "displayName") if k in obj}


def _named(uid: str, code: str, name: str, **more: Any) -> dict[str, Any]:
    return {
        "id": uid,
        "code": code,
        "name": name,
        "shortName": name[:50],
        "displayName": name,
        "displayShortName": name[:50],
        **more,
    }


@dataclass(frozen=True)
class Catalogue:
    """Every catalogue object as a DHIS2-shaped dict, per collection, in a stable order."""

    collections: dict[str, list[dict[str, Any]]]

    def find(self, collection: str, ident: str) -> dict[str, Any] | None:
        """The object with UID (or, failing that, code) ``ident``."""
        objects = self.collections[collection]
        return next((o for o in objects if o["id"] == ident), None) or next(
            (o for o in objects if o.get("code") == ident), None
        )


def _options(mapping: Dhis2Mapping) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for cat, info in mapping.category_info.items():
        for code, name in info.options.items():
            out[(cat, code)] = _named(
                derived_uid("categoryOption", f"{cat}.{code}"), code, name or code
            )
    return out


def build_catalogue(mapping: Dhis2Mapping) -> Catalogue:
    """The catalogue objects of ``mapping`` (with the catalogue's value types)."""
    catalog = read_catalog()
    default_option = _named(DEFAULT_OPTION_UID, DEFAULT, DEFAULT)
    default_category = _named(
        DEFAULT_CATEGORY_UID,
        DEFAULT,
        DEFAULT,
        dataDimensionType="DISAGGREGATION",
        categoryOptions=[_ref(default_option)],
    )
    default_coc_obj = mapping.cocs[DEFAULT_DISAGGREGATION]
    default_coc = _named(
        default_coc_obj.id(IdScheme.UID), default_coc_obj.code, DEFAULT, ignoreApproval=False
    )
    default_combo = _named(
        DEFAULT_COMBO_UID,
        DEFAULT,
        DEFAULT,
        dataDimensionType="DISAGGREGATION",
        skipTotal=False,
        categories=[_ref(default_category)],
        categoryOptionCombos=[_ref(default_coc)],
    )
    default_coc["categoryCombo"] = _ref(default_combo)
    default_coc["categoryOptions"] = [_ref(default_option)]

    options = _options(mapping)
    categories = {DEFAULT: default_category}
    for cat, info in mapping.category_info.items():
        categories[cat] = _named(
            info.uid or derived_uid("category", cat),
            cat,
            info.name,
            dataDimensionType="DISAGGREGATION",
            categoryOptions=[_ref(o) for (c, _), o in options.items() if c == cat],
        )
    combos: dict[str, dict[str, Any]] = {DEFAULT: default_combo}
    cocs: dict[str, dict[str, Any]] = {DEFAULT_DISAGGREGATION: default_coc}
    for code, combo in mapping.category_combos.items():
        combos[code] = _named(
            combo.uid or derived_uid("categoryCombo", code),
            code,
            " / ".join(categories[c]["name"] for c in combo.categories),
            dataDimensionType="DISAGGREGATION",
            skipTotal=False,
            categories=[_ref(categories[c]) for c in combo.categories],
            categoryOptionCombos=[],
        )
    for code, coc in mapping.cocs.items():
        if code == DEFAULT_DISAGGREGATION:
            continue
        opts = mapping.coc_options.get(code, {})
        combo_code = next(
            (c for c, cc in mapping.category_combos.items() if set(cc.categories) == set(opts)),
            None,
        )
        obj = _named(
            coc.id(IdScheme.UID),
            coc.code,
            coc.names[0] if coc.names else code,
            ignoreApproval=False,
            categoryOptions=[_ref(options[(c, o)]) for c, o in opts.items() if (c, o) in options],
        )
        if combo_code is not None:
            obj["categoryCombo"] = _ref(combos[combo_code])
            combos[combo_code]["categoryOptionCombos"].append(_ref(obj))
        cocs[code] = obj

    data_sets: dict[str, dict[str, Any]] = {}
    for code, ds in mapping.data_sets.items():
        data_sets[code] = _named(
            ds.obj.id(IdScheme.UID),
            ds.obj.code,
            ds.obj.names[0] if ds.obj.names else code,
            periodType=ds.period_type or "Monthly",
            categoryCombo=_ref(default_combo),
            dataSetElements=[],
        )
    elements = []
    for code, el in mapping.elements.items():
        entry = catalog.elements.get(code)
        combo_code = mapping.element_combos.get(code, DEFAULT)
        obj = _named(
            el.id(IdScheme.UID),
            el.code,
            el.names[0] if el.names else code,
            formName=entry.name_vi if entry else None,
            description=entry.description_en if entry else None,
            valueType=VALUE_TYPES.get(entry.value_type if entry else "number", "NUMBER"),
            aggregationType=AGGREGATION.get(entry.period_aggregation if entry else "sum", "SUM"),
            domainType="AGGREGATE",
            zeroIsSignificant=False,
            categoryCombo=_ref(combos.get(combo_code, default_combo)),
            dataSetElements=[],
        )
        for ds_code, ds in mapping.data_sets.items():
            if code in ds.elements:
                ds_obj = data_sets[ds_code]
                obj["dataSetElements"].append({"dataSet": _ref(ds_obj)})
                ds_obj["dataSetElements"].append({"dataElement": _ref(obj)})
        elements.append(obj)
    return Catalogue(
        {
            "dataElements": elements,
            "dataSets": list(data_sets.values()),
            "categoryCombos": list(combos.values()),
            "categories": list(categories.values()),
            "categoryOptions": [default_option, *options.values()],
            "categoryOptionCombos": list(cocs.values()),
        }
    )


#: Built catalogues by mapping (``read_mapping`` keeps one mapping per file version).
_BUILT: dict[int, tuple[Dhis2Mapping, Catalogue]] = {}


def catalogue(mapping: Dhis2Mapping | None = None) -> Catalogue:
    """The catalogue of ``mapping`` (default: the packaged mapping), built once per mapping."""
    m = mapping or read_mapping()
    hit = _BUILT.get(id(m))
    if hit is None or hit[0] is not m:
        hit = _BUILT[id(m)] = (m, build_catalogue(m))
    return hit[1]
