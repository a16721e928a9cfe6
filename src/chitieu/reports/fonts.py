"""The font embedded in the reports: DejaVu Serif, which covers every Vietnamese letter.

It is looked for first where Debian's ``fonts-dejavu-core`` puts it (installed by
``scripts/install-system-deps``), then in matplotlib's own copy (a Python dependency of
chitieu), so a report renders with its diacritics even without the Debian package.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import matplotlib

FAMILY = "DejaVu Serif"
_FILES = {
    "regular": "DejaVuSerif.ttf",
    "bold": "DejaVuSerif-Bold.ttf",
    "italic": "DejaVuSerif-Italic.ttf",
    "bolditalic": "DejaVuSerif-BoldItalic.ttf",
}
_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path(matplotlib.get_data_path()) / "fonts" / "ttf",
)


@cache
def font_file(style: str = "regular") -> Path:
    """Path of the DejaVu Serif file for ``style`` (regular, bold, italic, bolditalic)."""
    name = _FILES[style]
    for directory in _DIRS:
        path = directory / name
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"{name} not found in {', '.join(map(str, _DIRS))}: run scripts/install-system-deps"
    )


def font_face_css() -> str:
    """``@font-face`` rules that make WeasyPrint embed DejaVu Serif (as ``ReportSerif``)."""
    rules = []
    for style, (weight, slant) in {
        "regular": ("normal", "normal"),
        "bold": ("bold", "normal"),
        "italic": ("normal", "italic"),
        "bolditalic": ("bold", "italic"),
    }.items():
        uri = font_file(style).as_uri()
        rules.append(
            "@font-face { font-family: ReportSerif; "
            f"src: url('{uri}'); font-weight: {weight}; font-style: {slant}; }}"
        )
    return "\n".join(rules)
