"""The DHIS2 mapping file: identifiers of data elements, category option combos, categories,
data sets and org units under DHIS2's id schemes (uid | code | name), tied to chitieu's codes.

The file (``data/dhis2/mapping.yaml``) is validated strictly (unknown keys, duplicate UIDs and
references to undeclared categories are refused). Anything it does not list falls back to the
chitieu code, so a catalogue element added later still imports and exports by code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from chitieu.catalog import read_catalog
from chitieu.catalog.periods import PeriodType
from chitieu.catalog.yamlfile import DataFileError, pydantic_errors, read_yaml
from chitieu.store.uids import UID_PATTERN

DEFAULT_MAPPING = Path(__file__).resolve().parent.parent / "data" / "dhis2" / "mapping.yaml"
DEFAULT_DISAGGREGATION = "default"
#: The data set ADX groups name when an element belongs to no listed data set.
FALLBACK_DATA_SET = "CHITIEU_ALL"


class IdScheme(StrEnum):
    UID = "uid"
    CODE = "code"
    NAME = "name"

    @classmethod
    def parse(cls, text: str | IdScheme | None, default: IdScheme) -> IdScheme:
        """Read DHIS2's spelling (``UID``, ``code``, ``Name``); ``None`` or ``""`` -> default.

        ``ATTRIBUTE:…`` schemes are not supported and raise ``ValueError``."""
        if text is None or text == "":
            return default
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            raise ValueError(f"unsupported id scheme {text!r} (use uid, code or name)") from None


# --- file schema ----------------------------------------------------------------------------

Uid = Annotated[str, StringConstraints(pattern=UID_PATTERN.pattern)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Object(_Strict):
    uid: Uid | None = None
    code: str | None = None
    name: str | None = None


class _Element(_Object):
    category_combo: str | None = None


class _Category(_Strict):
    uid: Uid | None = None
    name: str
    options: dict[str, str] = Field(min_length=1)  # option code -> option name


class _CategoryCombo(_Strict):
    uid: Uid | None = None
    categories: list[str] = Field(min_length=1)


class _Coc(_Object):
    options: dict[str, str] = Field(default_factory=dict)  # category code -> option code


class _DataSet(_Object):
    period_type: PeriodType | None = None
    #: DHIS2's openFuturePeriods: how many periods after the current one accept data.
    open_future_periods: int = Field(default=0, ge=0, le=1000)
    elements: list[str] = Field(default_factory=list)


class _MappingFile(_Strict):
    version: int
    default_category_option_combo: _Object
    data_elements: dict[str, _Element] = Field(default_factory=dict)
    categories: dict[str, _Category] = Field(default_factory=dict)
    category_combos: dict[str, _CategoryCombo] = Field(default_factory=dict)
    category_option_combos: dict[str, _Coc] = Field(default_factory=dict)
    data_sets: dict[str, _DataSet] = Field(default_factory=dict)
    org_units: dict[str, _Object] = Field(default_factory=dict)


# --- resolved mapping -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Identified:
    """One object's identifiers; ``chitieu`` is the chitieu code it stands for."""

    chitieu: str
    uid: str | None
    code: str
    names: tuple[str, ...] = ()  # the first is the one written on export

    def id(self, scheme: IdScheme) -> str:
        """The identifier to write under ``scheme`` (falls back to the chitieu code)."""
        if scheme is IdScheme.UID:
            return self.uid or self.chitieu
        if scheme is IdScheme.NAME:
            return self.names[0] if self.names else self.code
        return self.code


class _Index:
    """Identifier -> chitieu code under each scheme, refusing clashes when built."""

    def __init__(self, kind: str, objects: Iterable[Identified], errors: list[str]) -> None:
        self.by_scheme: dict[IdScheme, dict[str, str]] = {s: {} for s in IdScheme}
        for obj in objects:
            keys = {
                IdScheme.UID: [obj.uid] if obj.uid else [],
                IdScheme.CODE: [obj.code],
                IdScheme.NAME: list(obj.names),
            }
            for scheme, ids in keys.items():
                for ident in ids:
                    seen = self.by_scheme[scheme].setdefault(ident, obj.chitieu)
                    if seen != obj.chitieu:
                        errors.append(
                            f"{kind}: {scheme} {ident!r} names both {seen} and {obj.chitieu}"
                        )

    def lookup(self, ident: str, scheme: IdScheme) -> str | None:
        return self.by_scheme[scheme].get(ident)


@dataclass(frozen=True)
class DataSet:
    obj: Identified
    period_type: PeriodType | None
    elements: tuple[str, ...]
    open_future_periods: int = 0


@dataclass(frozen=True)
class CategoryInfo:
    """A category as the mapping declares it: UID, name and option code -> option name."""

    uid: str | None
    name: str
    options: dict[str, str]


@dataclass(frozen=True)
class ComboInfo:
    """A category combo: its UID and its categories' codes, in order."""

    uid: str | None
    categories: tuple[str, ...]


@dataclass
class Dhis2Mapping:
    """Identifiers of chitieu's objects in DHIS2, both ways."""

    elements: dict[str, Identified]
    cocs: dict[str, Identified]
    #: disaggregation code -> {category code: option code}, for ADX
    coc_options: dict[str, dict[str, str]]
    #: category code -> option codes, for ADX
    categories: dict[str, tuple[str, ...]]
    data_sets: dict[str, DataSet]
    org_units: dict[str, Identified]
    _element_ix: _Index = field(repr=False)
    _coc_ix: _Index = field(repr=False)
    _dataset_ix: _Index = field(repr=False)
    _unit_ix: _Index = field(repr=False)
    #: category code -> its UID, name and options (for the metadata API)
    category_info: dict[str, CategoryInfo] = field(default_factory=dict)
    #: category combo code -> its UID and categories
    category_combos: dict[str, ComboInfo] = field(default_factory=dict)
    #: data element code -> its category combo code (elements not listed use the default)
    element_combos: dict[str, str] = field(default_factory=dict)

    # -- import: DHIS2 identifier -> chitieu code (None when unknown) --

    # Identifiers are read trimmed of blanks, as DHIS2 reads them.

    def element_code(self, ident: str, scheme: IdScheme) -> str:
        """The chitieu element code for ``ident``; an unlisted identifier is taken to be a
        chitieu code already (the core then says whether it exists)."""
        ident = ident.strip()
        return self._element_ix.lookup(ident, scheme) or ident

    def disaggregation(self, ident: str | None, scheme: IdScheme) -> str:
        ident = (ident or "").strip()
        if not ident:
            return DEFAULT_DISAGGREGATION
        return self._coc_ix.lookup(ident, scheme) or ident

    def disaggregation_of_options(self, options: dict[str, str]) -> str | None:
        """The combo whose category options are exactly ``options`` (ADX attributes)."""
        if not options:
            return DEFAULT_DISAGGREGATION
        for code, opts in self.coc_options.items():
            if opts == options:
                return code
        return None

    def is_default_aoc(self, ident: str | None, scheme: IdScheme) -> bool:
        """chitieu has no attribute dimension: only the default combo (or none) is accepted."""
        return self.disaggregation(ident, scheme) == DEFAULT_DISAGGREGATION

    def data_set_code(self, ident: str, scheme: IdScheme) -> str | None:
        return self._dataset_ix.lookup(ident.strip(), scheme)

    def mapped_unit(self, ident: str, scheme: IdScheme) -> str | None:
        """A unit listed in the mapping's ``org_units``; None when the file does not list it."""
        return self._unit_ix.lookup(ident.strip(), scheme)

    # -- export: chitieu code -> DHIS2 identifier --

    def element_id(self, code: str, scheme: IdScheme) -> str:
        obj = self.elements.get(code)
        return obj.id(scheme) if obj else code

    def coc_id(self, disaggregation: str, scheme: IdScheme) -> str:
        obj = self.cocs.get(disaggregation)
        return obj.id(scheme) if obj else disaggregation

    def unit_id(
        self, unit_code: str, scheme: IdScheme, name: str | None = None, uid: str | None = None
    ) -> str:
        """A unit's identifier under ``scheme``: under UID the mapping's UID, else the unit's
        stored ``uid`` when given, else its code."""
        obj = self.org_units.get(unit_code)
        if scheme is IdScheme.UID and obj and obj.uid:
            return obj.uid
        if scheme is IdScheme.UID and uid:
            return uid
        if scheme is IdScheme.NAME and name:
            return name
        return unit_code

    def data_set_id(self, code: str, scheme: IdScheme) -> str:
        ds = self.data_sets.get(code)
        return ds.obj.id(scheme) if ds else code

    def data_set_rules(self) -> dict[str, list[tuple[str, PeriodType, int]]]:
        """Element -> [(data set, its period type, its open future periods)] for every data
        set with a period type that lists the element."""
        out: dict[str, list[tuple[str, PeriodType, int]]] = {}
        for code, ds in self.data_sets.items():
            if ds.period_type is None:
                continue
            for element in ds.elements:
                out.setdefault(element, []).append((code, ds.period_type, ds.open_future_periods))
        return out

    def data_set_of(self, element: str) -> str:
        """The data set an element is exported under in ADX: the first that lists it, else
        ``CHITIEU_ALL``."""
        for code, ds in self.data_sets.items():
            if element in ds.elements:
                return code
        return FALLBACK_DATA_SET


class MappingError(DataFileError):
    """The mapping file is malformed."""


def parse_mapping(raw: object, path: Path | str = "<mapping>") -> Dhis2Mapping:
    """Validate the parsed YAML and merge it with the catalogue's names."""
    try:
        f = _MappingFile.model_validate(raw)
    except ValidationError as exc:
        raise MappingError(path, pydantic_errors(exc, raw)) from None
    errors: list[str] = []
    catalog = read_catalog()

    elements: dict[str, Identified] = {}
    for code in dict.fromkeys([*catalog.elements, *f.data_elements]):
        m = f.data_elements.get(code, _Element())
        el = catalog.elements.get(code)
        names = [n for n in (m.name, el and el.name_en, el and el.name_vi) if n]
        elements[code] = Identified(code, m.uid, m.code or code, tuple(dict.fromkeys(names)))

    default = f.default_category_option_combo
    cocs = {
        DEFAULT_DISAGGREGATION: Identified(
            DEFAULT_DISAGGREGATION,
            default.uid,
            default.code or DEFAULT_DISAGGREGATION,
            (default.name or DEFAULT_DISAGGREGATION,),
        )
    }
    coc_options: dict[str, dict[str, str]] = {}
    for code, c in f.category_option_combos.items():
        cocs[code] = Identified(code, c.uid, c.code or code, (c.name,) if c.name else ())
        coc_options[code] = dict(c.options)
        for cat, opt in c.options.items():
            if cat not in f.categories or opt not in f.categories[cat].options:
                errors.append(f"category_option_combos.{code}: no option {cat}={opt} declared")
    for code, declared in f.data_elements.items():
        if declared.category_combo and declared.category_combo not in f.category_combos:
            errors.append(f"data_elements.{code}: unknown category_combo {declared.category_combo}")
    for code, cc in f.category_combos.items():
        errors += [
            f"category_combos.{code}: unknown category {c}"
            for c in cc.categories
            if c not in f.categories
        ]

    data_sets = {
        code: DataSet(
            Identified(code, d.uid, d.code or code, (d.name,) if d.name else ()),
            d.period_type,
            tuple(d.elements),
            d.open_future_periods,
        )
        for code, d in f.data_sets.items()
    }
    org_units = {
        code: Identified(code, u.uid, u.code or code, (u.name,) if u.name else ())
        for code, u in f.org_units.items()
    }
    mapping = Dhis2Mapping(
        elements=elements,
        cocs=cocs,
        coc_options=coc_options,
        categories={c: tuple(cat.options) for c, cat in f.categories.items()},
        data_sets=data_sets,
        org_units=org_units,
        _element_ix=_Index("data_elements", elements.values(), errors),
        _coc_ix=_Index("category_option_combos", cocs.values(), errors),
        _dataset_ix=_Index("data_sets", (d.obj for d in data_sets.values()), errors),
        _unit_ix=_Index("org_units", org_units.values(), errors),
        category_info={
            c: CategoryInfo(cat.uid, cat.name, dict(cat.options)) for c, cat in f.categories.items()
        },
        category_combos={
            c: ComboInfo(cc.uid, tuple(cc.categories)) for c, cc in f.category_combos.items()
        },
        element_combos={
            c: e.category_combo for c, e in f.data_elements.items() if e.category_combo
        },
    )
    if errors:
        raise MappingError(path, errors)
    return mapping


@cache
def _read_cached(path: Path, mtime_ns: int) -> Dhis2Mapping:
    return parse_mapping(read_yaml(path), path)


def read_mapping(path: Path | str | None = None) -> Dhis2Mapping:
    """The mapping at ``path`` (default: the packaged ``data/dhis2/mapping.yaml``), validated;
    cached per file version."""
    p = Path(path) if path is not None else DEFAULT_MAPPING
    try:
        mtime = p.stat().st_mtime_ns
    except OSError as exc:
        raise MappingError(p, [f"cannot read: {exc.strerror}"]) from None
    return _read_cached(p.resolve(), mtime)
