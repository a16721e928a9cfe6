"""Strict YAML reading for the declarative data files (catalogue, plans).

PyYAML silently keeps the last of two equal keys in a mapping; in a file that declares codes that
hides mistakes, so a duplicate key is refused here with its line number.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


class DataFileError(ValueError):
    """A declarative data file is malformed; ``errors`` holds one readable line per problem."""

    def __init__(self, path: Path | str, errors: list[str]) -> None:
        self.path = str(path)
        self.errors = errors
        lines = "\n".join(f"  - {e}" for e in errors)
        super().__init__(f"{self.path}: {len(errors)} problem(s):\n{lines}")


class _StrictLoader(yaml.SafeLoader):
    pass


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first at line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


def read_yaml(path: Path | str, error: type[DataFileError] = DataFileError) -> Any:
    """Parse ``path`` as YAML, refusing duplicate keys; raise ``error`` (a
    :class:`DataFileError`) on any syntax problem, with the line."""
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise error(path, [str(exc).replace("\n", " ")]) from None
    except OSError as exc:
        raise error(path, [f"cannot read: {exc.strerror}"]) from None


def describe_location(raw: Any, loc: Sequence[str | int]) -> str:
    """Render a location in ``raw`` readably: list items that carry a ``code`` are named by it,
    e.g. ``elements[3:POPULATION].name_vi``."""
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and step < len(node) else None
            code = item.get("code") if isinstance(item, dict) else None
            parts.append(f"[{step}:{code}]" if code else f"[{step}]")
            node = item
        else:
            parts.append(f".{step}" if parts else str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return "".join(parts)


def pydantic_errors(exc: ValidationError, raw: Any) -> list[str]:
    """One line per pydantic error, ``location: message``, the location named as in the file."""
    lines = []
    for err in exc.errors():
        # pydantic adds the validator's name for tagged unions and model validators; drop it
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        where = describe_location(raw, loc) or "(top level)"
        lines.append(f"{where}: {err['msg']}")
    return lines
