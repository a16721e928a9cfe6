"""``chitieu srb estimate|project``: the public keys, formats, and refusal of bad files."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from chitieu.cli import app
from chitieu.config import get_settings
from chitieu.ingest.errors import ImportRefused
from chitieu.ingest.srb_csv import parse_srb_csv
from chitieu.stats import simulate_srb, smooth_srb

runner = CliRunner()
ESTIMATE_KEYS = [
    "unit", "year", "male", "female", "srb", "srb_lower", "srb_upper",
    "est", "est_lower", "est_upper", "z", "flag",
    "p_excess", "onset", "excess", "excess_lower", "excess_upper",
]  # fmt: skip


@pytest.fixture(scope="module")
def srb_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sim = simulate_srb(24, 6, 2, births=(50, 3000), seed=8)
    cols = sim.long()
    path = tmp_path_factory.mktemp("srb") / "births.csv"
    lines = ["unit,year,male,female,parent"]
    lines += [
        f"{u},{y},{m},{f},{p}"
        for u, y, m, f, p in zip(*(cols[k] for k in ("unit", "year", "male", "female", "parent")),
                                 strict=True)
    ]  # fmt: skip
    lines.append("00999,2010,0,0,R0")  # a unit with no births at all
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_estimate_json_keys_and_values(srb_csv: Path) -> None:
    code, out, _ = run("srb", "estimate", str(srb_csv), "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert list(rows[0]) == ESTIMATE_KEYS
    assert rows[0]["unit"] == "00000"  # leading zeros kept
    assert len(rows) == 24 * 6 + 1
    first = rows[0]
    assert first["srb"] == pytest.approx(100 * first["male"] / first["female"], abs=1e-3)
    assert first["srb_lower"] < first["srb"] < first["srb_upper"]
    assert first["est_lower"] < first["est"] < first["est_upper"]
    assert first["flag"] in (None, "high", "low")
    assert 0 <= first["p_excess"] <= 1
    assert (first["flag"] == "high") == (first["p_excess"] >= 0.5)
    assert first["excess_lower"] <= first["excess"] <= first["excess_upper"]
    assert first["onset"] == 2010  # the first year: the only onset possible by then
    empty = rows[-1]
    assert empty["unit"] == "00999" and empty["srb"] is None and empty["srb_upper"] is None
    assert empty["est"] is not None  # the model still has a view: the region's level


def test_estimate_matches_the_library(srb_csv: Path) -> None:
    code, out, _ = run("srb", "estimate", str(srb_csv), "--level", "0.9", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ESTIMATE_KEYS
    sim = simulate_srb(24, 6, 2, births=(50, 3000), seed=8)
    lib = smooth_srb(**sim.long(), level=0.9)
    assert float(rows[5]["est_upper"]) == pytest.approx(lib.est_upper[5], abs=1e-3)


def test_estimate_table(srb_csv: Path) -> None:
    code, out, _ = run("srb", "estimate", str(srb_csv), "--format", "table")
    assert code == 0
    assert out.splitlines()[0].split() == ESTIMATE_KEYS


def test_project_one_unit_and_all(srb_csv: Path) -> None:
    code, out, _ = run("srb", "project", str(srb_csv), "--to", "2030", "--target", "109",
                       "--unit", "00003")  # fmt: skip
    assert code == 0
    (one,) = json.loads(out)
    assert {"unit", "target", "prob_target_met", "path", "scenario"} <= set(one)
    assert one["scenario"] == "transition" and "pooled" not in one["method"]
    assert one["unit"] == "00003" and one["target"] == 109
    assert [p["year"] for p in one["path"]] == list(range(2016, 2031))
    assert set(one["path"][0]) == {"year", "est", "lower", "upper"}
    assert 0 <= one["prob_target_met"] <= 1
    code, out, _ = run("srb", "project", str(srb_csv), "--to", "2030", "--target", "109")
    assert code == 0
    every = json.loads(out)
    assert [r["unit"] for r in every][:3] == ["00000", "00001", "00002"]
    assert len(every) == 25
    code, out, _ = run("srb", "project", str(srb_csv), "--to", "2026", "--target", "109",
                       "--format", "csv")  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 25 * 11 and {"unit", "prob_target_met", "year", "est"} <= set(rows[0])
    code, out, _ = run("srb", "project", str(srb_csv), "--to", "2030", "--target", "109",
                       "--unit", "00003", "--scenario", "trend")  # fmt: skip
    (trend,) = json.loads(out)
    assert trend["scenario"] == "trend" and trend["path"][-1]["est"] != one["path"][-1]["est"]
    code, _, _ = run("srb", "project", str(srb_csv), "--to", "2030", "--target", "109",
                       "--scenario", "hope")  # fmt: skip
    assert code != 0


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI in English (CHITIEU_LANGUAGE=en): the reasons below are the English ones."""
    monkeypatch.setenv("CHITIEU_LANGUAGE", "en")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_refusals_are_in_vietnamese_by_default(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("unit,year,male,female\n01,2020,5,-1\n", encoding="utf-8")
    code, _, err = run("srb", "estimate", str(path))
    assert code == 1 and "dòng 1, cột female: số sinh phải là số nguyên ≥ 0" in err


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("unit,year,male\n01,2020,5\n", "row 0, column female: required column is missing"),
        ("unit,year,male,female\n01,2020,5,-1\n", "row 1, column female"),
        ("unit,year,male,female\n01,2020,5.5,3\n", "row 1, column male"),
        ("unit,year,male,female\n01,2020,5,3\n01,2020,6,2\n", "row 2, column year: unit 01"),
        ("unit,year,male,female\n01,2021,5,3\n01,2020,6,2\n", "row 2, column year: year out"),
        ("unit,year,male,female\n01,20x0,5,3\n", "row 1, column year"),
        ("unit,year,male,female\n,2020,5,3\n", "row 1, column unit"),
        ("unit,year,male,female,parent\n01,2020,5,3,A\n01,2021,5,3,B\n", "row 2, column parent"),
        ("unit,year,male,female\n", "no data rows"),
        ("", "the file is empty"),
    ],
)
def test_bad_files_are_refused_with_the_row(
    tmp_path: Path, text: str, where: str, english: None
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    for command in (["estimate"], ["project", "--to", "2030", "--target", "109"]):
        code, out, err = run("srb", command[0], str(path), *command[1:])
        assert code == 1
        assert where in err
        assert "Traceback" not in err + out and out == ""


def test_unknown_unit_and_missing_file(srb_csv: Path, tmp_path: Path) -> None:
    code, _, err = run("srb", "project", str(srb_csv), "--to", "2030", "--target", "109",
                       "--unit", "3")  # fmt: skip
    assert code == 1 and "'3' is not in" in err
    code, _, err = run("srb", "estimate", str(tmp_path / "none.csv"))
    assert code == 1 and "no such file" in err


def test_parser_keeps_codes_and_accepts_whole_floats() -> None:
    table = parse_srb_csv("\ufeffUnit,Year,Male,Female\n00070,2024,12.0,10\n00070,2025,3,4\n")
    assert list(table.unit) == ["00070", "00070"]
    assert list(table.male) == [12, 3] and table.parent is None
    with pytest.raises(ImportRefused) as info:
        parse_srb_csv("unit,year,male,female\n01,2020,5,-1\n02,2020,1,x\n")
    assert [e.row for e in info.value.errors] == [1, 2]
    assert np.all([e.column in ("female",) for e in info.value.errors])


def test_every_refusal_of_the_srb_file_also_reads_in_vietnamese():
    text = (
        "unit,year,male,female,parent\n"
        ",2020,5,3,A\n"
        "01,20x0,5,3,A\n"
        "01,2020,-1,3,A\n"
        "02,2021,5,3,A\n"
        "02,2021,5,3,A\n"
        "02,2020,5,3,A\n"
        "02,2022,5,3,B\n"
        "\n"
    )
    with pytest.raises(ImportRefused) as info:
        parse_srb_csv(text)
    errors = info.value.errors
    assert len(errors) == 7
    assert all(e.reason_vi and e.reason_vi != e.reason for e in errors)
    assert "dòng 5, cột year: đơn vị 02 đã có năm 2021 (dòng 4)" in info.value.summary(lang="vi")
