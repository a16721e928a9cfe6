"""Vietnamese names without diacritics, for search that works with or without them."""

from __future__ import annotations

import re

from unidecode import unidecode

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case ASCII form of ``text``: "Phường Hoàn Kiếm" -> "phuong hoan kiem" (Đ -> d)."""
    return _SPACES.sub(" ", unidecode(text).lower()).strip()
