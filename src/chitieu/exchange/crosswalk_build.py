"""Build ``data/crosswalk/old_units_2025.csv`` from the ``vietnamadminunits`` package.

    python -m chitieu.exchange.crosswalk_build            # rewrite the packaged file
    python -m chitieu.exchange.crosswalk_build --check    # exit 1 if it is out of date

Source: ``vietnamadminunits`` (PyPI, by Hieu Tran; MIT), whose ``converter_2025.json`` records,
for each pre-reform commune (state of 30 June 2025: 63 provinces, 696 districts, 10,035
communes), the 2025 commune(s) it went to, and, when it was split, which successor is the
package's default (``isDefaultNewWard``). Its SQLite ``dataset.db`` gives the old official codes.

New units are identified by province and name, then given the code ``vietnam-provinces`` uses
(the codes chitieu's unit table holds): the two packages disagree on about a hundred new
commune codes, so codes are never copied across. Only this build needs ``vietnamadminunits``
(a development dependency); chitieu reads the CSV it writes.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import sys
import unicodedata
from collections import defaultdict
from importlib import resources
from pathlib import Path

from chitieu.units.load import iter_official_units
from chitieu.units.names import fold

OUT = Path(__file__).resolve().parent.parent / "data" / "crosswalk" / "old_units_2025.csv"
COLUMNS = ("old_level", "old_code", "old_parent", "old_name", "new_code", "is_default")


def _norm(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


class _NewUnits:
    """Today's communes by (province code, name), from chitieu's own unit list."""

    def __init__(self) -> None:
        self.exact: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.folded: dict[tuple[str, str], list[str]] = defaultdict(list)
        for u in iter_official_units():
            if u.level == "commune":
                self.exact[(u.parent_code or "", _norm(u.name))].append(u.code)
                self.folded[(u.parent_code or "", fold(u.name))].append(u.code)

    def code(self, province: str, name: str, their_code: str) -> str:
        for table, key in ((self.exact, _norm(name)), (self.folded, fold(name))):
            found = table.get((province, key), [])
            if len(found) == 1:
                return found[0]
            if their_code in found:
                return their_code
        raise LookupError(f"no unique 2025 commune {name!r} in province {province}")


def build_rows() -> list[dict[str, str]]:
    """Every crosswalk row: old provinces, districts and communes to their 2025 units."""
    base = resources.files("vietnamadminunits") / "data"
    conv = json.loads((base / "converter_2025.json").read_text(encoding="utf-8"))
    db = sqlite3.connect(str(base / "dataset.db"))
    new_units = _NewUnits()
    new_by_key: dict[tuple[str, str], str] = {}
    new_province: dict[str, str] = {}
    for pk, wk, ward, wcode, pcode in db.execute(
        "SELECT provinceKey, wardKey, ward, wardCode, provinceCode FROM admin_units"
    ):
        new_by_key[(pk, wk)] = new_units.code(pcode, ward, wcode)
        new_province[pk] = pcode
    old_to_new_province = {
        old: new_province[new] for new, olds in conv["DICT_PROVINCE"].items() for old in olds
    }
    whole: dict[str, str] = {}
    for npk, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for nwk, olds in wards.items():
            for old in olds:
                whole[old] = new_by_key[(npk, nwk)]
    split: dict[str, list[tuple[str, bool]]] = {}
    for npk, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, successors in olds.items():
            split[old] = [
                (new_by_key[(npk, s["newWardKey"])], bool(s["isDefaultNewWard"]))
                for s in successors
            ]

    rows: list[dict[str, str]] = []
    seen_province: set[str] = set()
    seen_district: set[str] = set()
    legacy = db.execute(
        "SELECT provinceKey, districtKey, wardKey, provinceCode, districtCode, wardCode, "
        "province, district, ward FROM admin_units_legacy ORDER BY provinceCode, districtCode, "
        "wardCode"
    ).fetchall()
    for pk, dk, wk, pcode, dcode, wcode, pname, dname, wname in legacy:
        if pcode not in seen_province:
            seen_province.add(pcode)
            rows.append(_row("province", pcode, "", pname, old_to_new_province[pk], True))
        if dcode not in seen_district:
            seen_district.add(dcode)
            island = whole.get(f"{pk}_{dk}_")  # island districts became special zones
            target = island or old_to_new_province[pk]
            rows.append(_row("district", dcode, pcode, dname, target, True))
        if not wcode:
            continue
        key = f"{pk}_{dk}_{wk}"
        if key in whole:
            rows.append(_row("commune", wcode, dcode, wname, whole[key], True))
        else:
            for new_code, is_default in split[key]:
                rows.append(_row("commune", wcode, dcode, wname, new_code, is_default))
    return rows


def _row(level: str, code: str, parent: str, name: str, new: str, default: bool) -> dict:
    return {
        "old_level": level,
        "old_code": code,
        "old_parent": parent,
        "old_name": name,
        "new_code": new,
        "is_default": "1" if default else "0",
    }


def render(rows: list[dict[str, str]]) -> str:
    out = io.StringIO(newline="")
    w = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue()


def main(argv: list[str]) -> int:
    text = render(build_rows())
    if "--check" in argv:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        print("up to date" if current == text else f"{OUT} is out of date")
        return 0 if current == text else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count(chr(10)) - 1} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
