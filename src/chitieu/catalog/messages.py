"""The one bilingual message catalogue: every text that pages, the API, the CLI and the reports
show people, in Vietnamese and English side by side, declared in ``data/messages.yaml``.

    message("kpi_srb", "en", year=2025)   # "Sex ratio at birth, 2025"

Each key maps to exactly ``vi`` and ``en``; ``{name}`` fields are filled by :func:`message`
(or by the dashboard's script for the texts it is sent). The file is read once, refusing a
duplicate key, a missing language or an empty text, so a message cannot exist in one language
only. To add a message, add a key to the YAML file and use it; ``tests/test_messages.py`` fails
on a key that nothing uses, on two keys with the same texts, and on Vietnamese without diacritics.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from chitieu.catalog.yamlfile import DataFileError, read_yaml

LANGUAGES = ("vi", "en")
MESSAGES_FILE = Path(__file__).resolve().parent.parent / "data" / "messages.yaml"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every key with its texts, ``{key: {"vi": …, "en": …}}``; read and checked once."""
    raw = read_yaml(MESSAGES_FILE)
    if not isinstance(raw, dict):
        raise DataFileError(MESSAGES_FILE, ["the file must be a mapping of keys to texts"])
    problems = []
    for key, entry in raw.items():
        if not isinstance(entry, dict) or set(entry) != set(LANGUAGES):
            problems.append(f"{key}: needs exactly the languages {', '.join(LANGUAGES)}")
        elif not all(isinstance(v, str) and v.strip() for v in entry.values()):
            problems.append(f"{key}: every text must be a non-empty string")
    if problems:
        raise DataFileError(MESSAGES_FILE, problems)
    return raw


def message(key: str, lang: str, **values: Any) -> str:
    """The text of ``key`` in ``lang`` (English for ``"en"``, else Vietnamese), with ``{name}``
    fields filled from ``values``. An unknown key raises KeyError: a typo must fail the tests,
    not show a code to people."""
    entry = catalogue()[key]
    text = entry["en"] if lang == "en" else entry["vi"]
    return text.format(**values) if values else text
