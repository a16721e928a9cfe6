"""DHIS2's metadata query language: ``fields=``, ``filter=``, ``order=`` and paging.

``fields``: ``id,name,parent[id,name],children[id]``, ``*`` or ``:all`` (every field, nested
objects as ``{"id"}``), ``:identifiable`` / ``:nameable`` presets, ``!name`` to leave a field
out. ``filter``: ``property:operator:value`` (``parent.id:eq:…``; operators in
:data:`OPERATORS`), several filters ANDed (``rootJunction=OR`` ORs them). Objects are plain
dicts whose nested objects are dicts (or lists of dicts) with an ``id``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from chitieu.units.names import fold

#: A parsed ``fields`` spec: field name -> its own spec (None: the field as it is, nested
#: objects reduced to their ``id``).
Fields = dict[str, "Fields | None"]

ALL = "*"
PRESETS = {
    ":identifiable": ("id", "code", "name", "created", "lastUpdated"),
    ":nameable": ("id", "code", "name", "shortName", "description", "created", "lastUpdated"),
}
OPERATORS = (
    "eq",
    "!eq",
    "ne",
    "ieq",
    "like",
    "!like",
    "ilike",
    "!ilike",
    "$like",
    "$ilike",
    "like$",
    "ilike$",
    "in",
    "!in",
    "gt",
    "ge",
    "lt",
    "le",
    "null",
    "!null",
)
_NO_VALUE = ("null", "!null")


class QueryError(ValueError):
    """A malformed ``fields``, ``filter``, ``order`` or paging parameter."""


def parse_fields(text: str | Sequence[str] | None, default: str) -> Fields:
    """The spec of ``text`` (``default`` when empty); a repeated ``fields`` parameter (a list)
    counts as one list of fields, as in DHIS2."""
    if text is not None and not isinstance(text, str):
        text = ",".join(text)
    spec = (text or "").strip() or default
    fields, rest = _parse_list(spec.replace(" ", ""), 0)
    if rest != len(spec.replace(" ", "")):
        raise QueryError(f"fields: unbalanced brackets in {spec!r}")
    return fields


def _parse_list(text: str, i: int) -> tuple[Fields, int]:
    out: Fields = {}
    name = ""
    while i < len(text):
        ch = text[i]
        if ch in "[(":
            sub, i = _parse_list(text, i + 1)
            if i >= len(text) or text[i] not in "])":
                raise QueryError(f"fields: unbalanced brackets in {text!r}")
            _add(out, name, sub)
            name = ""
        elif ch in "])":
            break
        elif ch == ",":
            if name:
                _add(out, name, None)
            name = ""
        else:
            name += ch
        i += 1
    if name:
        _add(out, name, None)
    return out, i


def _add(out: Fields, name: str, sub: Fields | None) -> None:
    name = name.split("~", 1)[0].split("::", 1)[0]  # transformers are not supported: ignored
    if name in ("", ":all", ":owner"):
        name = ALL
    if name in PRESETS:
        for field in PRESETS[name]:
            out.setdefault(field, None)
        return
    if name in out and out[name] is not None and sub is None:
        return
    out[name] = sub


def _reduce(value: Any) -> Any:
    if isinstance(value, dict):
        return {"id": value["id"]} if "id" in value else value
    if isinstance(value, list):
        return [_reduce(v) for v in value]
    return value


class Projection:
    """A ``fields`` spec compiled once, applied to many objects (unknown field names are left
    out, as DHIS2 does)."""

    def __init__(self, fields: Fields) -> None:
        self.every = ALL in fields
        self.named = [f for f in fields if f != ALL and not f.startswith("!")]
        self.excluded = {f[1:] for f in fields if f.startswith("!")}
        self.nested = {name: Projection(sub) for name, sub in fields.items() if sub}

    def __call__(self, obj: dict[str, Any]) -> dict[str, Any]:
        names = self.named
        if self.every:
            names = list(obj) + [n for n in self.named if n not in obj]
        out: dict[str, Any] = {}
        for name in names:
            if name not in obj or name in self.excluded:
                continue
            value, sub = obj[name], self.nested.get(name)
            if sub is None:
                out[name] = _reduce(value) if isinstance(value, dict | list) else value
            elif isinstance(value, list):
                out[name] = [sub(v) if isinstance(v, dict) else v for v in value]
            elif isinstance(value, dict):
                out[name] = sub(value)
            else:
                out[name] = value
        return out


def project(obj: dict[str, Any], fields: Fields) -> dict[str, Any]:
    """``obj`` cut down to ``fields`` (see :class:`Projection`, for many objects)."""
    return Projection(fields)(obj)


def needs(fields: Fields, name: str) -> Fields | bool | None:
    """Whether a projection with ``fields`` reads ``name`` (True with ``*``), and its spec."""
    if name in fields:
        return fields[name] or True
    return ALL in fields and f"!{name}" not in fields


@dataclass(frozen=True, slots=True)
class Filter:
    path: tuple[str, ...]
    op: str
    value: str | None
    values: tuple[str, ...] = ()


def parse_filter(text: str) -> Filter:
    """``property:operator:value`` -> a :class:`Filter` (``QueryError`` when malformed)."""
    parts = text.split(":", 2)
    if len(parts) < 2 or not parts[0]:
        raise QueryError(f"filter {text!r}: expected property:operator:value")
    prop, op = parts[0], parts[1]
    if op not in OPERATORS:
        raise QueryError(f"filter {text!r}: unknown operator {op!r} (use {', '.join(OPERATORS)})")
    if op in _NO_VALUE:
        return Filter(tuple(prop.split(".")), op, None)
    if len(parts) < 3:
        raise QueryError(f"filter {text!r}: the operator {op} needs a value")
    value = parts[2]
    values: tuple[str, ...] = ()
    if op in ("in", "!in"):
        if not (value.startswith("[") and value.endswith("]")):
            raise QueryError(f"filter {text!r}: in takes a list [a,b,…]")
        values = tuple(v for v in value[1:-1].split(",") if v)
    return Filter(tuple(prop.split(".")), op, value, values)


def _get(obj: Any, path: tuple[str, ...]) -> list[Any]:
    """Every value at ``path`` (lists are searched through)."""
    values = [obj]
    for key in path:
        nxt: list[Any] = []
        for v in values:
            if isinstance(v, list):
                nxt += [x.get(key) for x in v if isinstance(x, dict)]
            elif isinstance(v, dict):
                nxt.append(v.get(key))
        values = nxt
    flat: list[Any] = []
    for v in values:
        flat += v if isinstance(v, list) else [v]
    return flat


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _compare(value: Any, wanted: str) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(wanted)
        except ValueError:
            return None
        return (value > number) - (value < number)
    a, b = _text(value), wanted
    return (a > b) - (a < b)


def plain(text: str) -> bool:
    """True if ``text`` has no diacritics (Vietnamese or other): ``ilike`` then matches names
    with or without them, as chitieu's unit search does."""
    return fold(text) == " ".join(text.lower().split())


def like_pattern(op: str, value: str) -> str:
    """The SQL LIKE pattern of a ``like``-family operator (``%`` around, before or after)."""
    escaped = re.sub(r"([%_\\])", r"\\\1", value)
    if op.startswith("$"):
        return escaped + "%"
    if op.endswith("$"):
        return "%" + escaped
    return "%" + escaped + "%"


def _matches_one(value: Any, f: Filter) -> bool:
    op, wanted = f.op, f.value or ""
    if op == "null":
        return value is None
    if op == "!null":
        return value is not None
    if value is None:
        return op in ("!eq", "ne", "!like", "!ilike", "!in")
    text = _text(value)
    if op == "eq":
        return text == wanted
    if op in ("!eq", "ne"):
        return text != wanted
    if op == "ieq":
        return text.lower() == wanted.lower()
    if op in ("in", "!in"):
        return (text in f.values) == (op == "in")
    if op in ("gt", "ge", "lt", "le"):
        c = _compare(value, wanted)
        return c is not None and {"gt": c > 0, "ge": c >= 0, "lt": c < 0, "le": c <= 0}[op]
    hay, needle = text, wanted
    if op.lstrip("!$").startswith("i"):  # ilike: case-insensitive; diacritics too if none given
        hay, needle = (fold(text), fold(wanted)) if plain(wanted) else (hay.lower(), needle.lower())
    if op.lstrip("!$").rstrip("$") in ("like", "ilike"):
        if op.startswith("$"):
            hit = hay.startswith(needle)
        elif op.endswith("$"):
            hit = hay.endswith(needle)
        else:
            hit = needle in hay
        return not hit if op.startswith("!") else hit
    return False


def matches(obj: dict[str, Any], f: Filter) -> bool:
    """True if some value of ``obj`` at the filter's path satisfies it."""
    values = _get(obj, f.path)
    if f.op.startswith("!") or f.op == "ne":
        return all(_matches_one(v, f) for v in values)
    return any(_matches_one(v, f) for v in values)


def select_objects(
    objects: Iterable[dict[str, Any]], filters: list[Filter], any_of: bool
) -> list[dict[str, Any]]:
    """The objects passing every filter (any filter when ``any_of``: ``rootJunction=OR``)."""
    if not filters:
        return list(objects)
    combine: Callable[[Iterable[bool]], bool] = any if any_of else all
    return [o for o in objects if combine(matches(o, f) for f in filters)]


def parse_order(text: str | None) -> list[tuple[str, bool]]:
    """``order=name:asc,level:desc`` -> [(name, descending), …]."""
    out = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, _, direction = part.strip().partition(":")
        direction = direction.lower() or "asc"
        if direction not in ("asc", "desc", "iasc", "idesc"):
            raise QueryError(f"order {part!r}: use property:asc or property:desc")
        out.append((name, direction.endswith("desc")))
    return out


def sort_objects(objects: list[dict[str, Any]], order: list[tuple[str, bool]]) -> None:
    for name, descending in reversed(order):
        objects.sort(key=lambda o: (o.get(name) is None, _text(o.get(name))), reverse=descending)


@dataclass(frozen=True, slots=True)
class Paging:
    """``paging``, ``page`` and ``pageSize`` as DHIS2 reads them."""

    enabled: bool = True
    page: int = 1
    page_size: int = 50

    @classmethod
    def parse(cls, paging: str | None, page: str | None, page_size: str | None) -> Paging:
        enabled = (paging or "true").lower() != "false"
        try:
            p = int(page or 1)
            size = int(page_size or 50)
        except ValueError:
            raise QueryError("page and pageSize must be whole numbers") from None
        if p < 1 or size < 1:
            raise QueryError("page and pageSize must be at least 1")
        return cls(enabled, p, min(size, 100_000))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def pager(self, total: int, next_url: Callable[[int], str]) -> dict[str, Any]:
        """DHIS2's ``pager`` object for ``total`` objects."""
        count = max(1, math.ceil(total / self.page_size))
        pager: dict[str, Any] = {
            "page": self.page,
            "total": total,
            "pageSize": self.page_size,
            "pageCount": count,
        }
        if self.page < count:
            pager["nextPage"] = next_url(self.page + 1)
        if self.page > 1:
            pager["prevPage"] = next_url(min(self.page - 1, count))
        return pager
