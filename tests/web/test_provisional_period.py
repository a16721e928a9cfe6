"""A partial year is never the headline: one commune's November 2026 monthly report (126
births), or three 2026 birth records imported through ``chitieu import births``, leave 2025 as
the year the dashboard, ``targets status``, the API and the report lead with, and show 2026
as provisional with its completeness (1 of Hanoi's 126 communes, 1 month)."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner
from webworld import HANOI, HOAN_KIEM

from chitieu.cli import app as cli_app
from chitieu.config import get_settings
from chitieu.ingest.birth_reader import COLUMNS
from chitieu.reports import build_plan_report, render_report
from chitieu.store.db import make_engine, transaction
from chitieu.store.migrate import upgrade
from chitieu.store.models import DataValue

PLAN = "HN-SRB-2026-2030"
#: The November 2026 report: 66 boys and 60 girls (SRB 110.0 on 126 births).
NOVEMBER = {"M_O1": 30, "M_O2": 26, "M_O3P": 10, "F_O1": 28, "F_O2": 24, "F_O3P": 8}
runner = CliRunner()


def _world(tmp_path_factory, demo_hash, name: str):  # type: ignore[no-untyped-def]
    from conftest import make_site

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp(name) / 'chitieu.db'}")
    upgrade(engine)
    return make_site(engine, demo_hash)


@pytest.fixture(scope="module")
def november(tmp_path_factory, demo_hash) -> Iterator:  # type: ignore[no-untyped-def]
    """The world with Hoàn Kiếm's November 2026 monthly report, submitted on time."""
    site = _world(tmp_path_factory, demo_hash, "november")
    with site.engine.begin() as conn:
        conn.execute(
            insert(DataValue),
            [
                {
                    "element_code": "LIVE_BIRTHS",
                    "unit_code": HOAN_KIEM,
                    "period": "202611",
                    "disaggregation": cell,
                    "value": n,
                    "status": "submitted",
                    "created": datetime(2026, 12, 3, 2, 0),
                }
                for cell, n in NOVEMBER.items()
            ],
        )
    yield site
    site.engine.dispose()


@pytest.fixture(scope="module")
def imported(tmp_path_factory, demo_hash) -> Iterator:  # type: ignore[no-untyped-def]
    """The world with three 2026 birth records imported through the CLI."""
    site = _world(tmp_path_factory, demo_hash, "imported")
    path = tmp_path_factory.mktemp("births") / "births-2026.csv"
    rows = [
        ("N1", "2026-11-02", HOAN_KIEM, "M", 1, 0, 0, 1994, ""),
        ("N2", "2026-11-09", HOAN_KIEM, "M", 2, 0, 1, 1991, ""),
        ("N3", "2026-11-20", HOAN_KIEM, "F", 1, 0, 0, 1997, ""),
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHITIEU_DATABASE_URL", site.engine.url.render_as_string(hide_password=False))
        get_settings.cache_clear()
        result = runner.invoke(cli_app, ["import", "births", str(path)])
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    yield site
    site.engine.dispose()


def _status_cli(site, *args: str):  # type: ignore[no-untyped-def]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHITIEU_DATABASE_URL", site.engine.url.render_as_string(hide_password=False))
        get_settings.cache_clear()
        result = runner.invoke(cli_app, ["targets", "status", "--plan", PLAN, *args])
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(params=["november", "imported"])
def partial(request):  # type: ignore[no-untyped-def]
    return request.getfixturevalue(request.param)


def test_dashboard_headline_is_the_last_complete_year(partial):
    client = partial.signed_in("analyst.hanoi")
    data = client.get(f"/api/dashboard/signatures?unit={HANOI}").json()
    assert data["year"] == 2025
    assert data["srb"]["period"] == "2025" and data["srb"]["num"] + data["srb"]["den"] > 50_000
    provisional = data["provisional"]
    assert provisional["year"] == 2026 and provisional["provisional"] is True
    done = provisional["completeness"]
    assert (done["communes_reporting"], done["communes_expected"], done["months"]) == (1, 126, 1)
    assert done["births"] < 200 and done["births_expected"] > 50_000
    assert provisional["text"] == "tạm tính: 1/126 xã, 1 tháng"
    page = client.get(f"/dashboard?unit={HANOI}").text
    assert 'data-year="2025"' in page
    # the page says why it opens on 2025 and links to the provisional year
    line = re.search(r'<p class="muted small" id="headline-year">(.*?)</p>', page, re.S)
    assert line, "no line saying why 2025 is shown"
    text = " ".join(line.group(1).split())
    assert "Đang hiển thị năm 2025, năm gần nhất có đủ số liệu sinh" in text
    assert "Năm 2026 chưa đủ (tạm tính: 1/126 xã, 1 tháng)" in text and "90 %" in text
    assert f'href="/dashboard?unit={HANOI}&amp;year=2026"' in text
    english = client.get(f"/dashboard?unit={HANOI}&lang=en").text
    assert "Showing 2025, the latest year whose births are complete" in english
    # a year asked for is shown without the line: it explains only the year chosen by default
    for asked in (2026, 2024):
        page = client.get(f"/dashboard?unit={HANOI}&year={asked}").text
        assert 'id="headline-year"' not in page, asked
    # the scorecard leads with 2025 too, and names 2026 as provisional
    card = client.get(f"/api/dashboard/scorecard?unit={HANOI}").json()
    assert card["year"] == 2025
    assert {t["latest"]["year"] for t in card["targets"] if t["indicator"] == "SRB"} == {2025}


def test_the_provisional_year_can_still_be_opened_and_says_so(partial):
    client = partial.signed_in("analyst.hanoi")
    data = client.get(f"/api/dashboard/signatures?unit={HANOI}&year=2026").json()
    assert data["year"] == 2026
    assert data["completeness"]["complete"] is False
    assert data["completeness"]["communes_reporting"] == 1


def test_api_latest_carries_completeness_and_the_current_year_is_provisional(partial):
    client = partial.signed_in("analyst.hanoi")
    items = client.get(f"/api/targets/status?plan={PLAN}&unit={HANOI}").json()["items"]
    for item in items:
        latest = item["latest"]
        assert latest["year"] == 2025 and latest["provisional"] is False
        assert latest["completeness"]["complete"] is True
        assert latest["completeness"]["communes_reporting"] == 126
        current = item["current"]
        assert current["year"] == 2026 and current["provisional"] is True
        assert current["completeness"]["communes_reporting"] == 1


def test_targets_status_names_2025_and_shows_2026_as_provisional(partial):
    table = _status_cli(partial, "--unit", HANOI)
    assert "(2026)" not in table.split("\n\n")[0].replace("(2030)", "")
    assert "(2025)" in table
    assert "tạm tính: 1/126 xã, 1 tháng" in table
    rows = json.loads(_status_cli(partial, "--unit", HANOI, "--format", "json"))
    assert {r["latest"]["year"] for r in rows} == {2025}
    assert all(r["latest"]["provisional"] is False for r in rows)


def test_a_commune_target_cannot_turn_met_on_a_provisional_period(partial):
    items = (
        partial.signed_in("analyst.hanoi")
        .get(f"/api/targets/status?plan={PLAN}&unit={HOAN_KIEM}")
        .json()["items"]
    )
    for item in items:
        assert item["latest"]["year"] == 2025
        assert item["current"]["year"] == 2026 and item["current"]["provisional"] is True


def test_report_leads_with_2025_and_names_2026_provisional(partial, tmp_path):
    with transaction(partial.engine) as db:
        report = build_plan_report(db, PLAN, 2026, unit_code=HANOI)
        assert {e.latest.year for e in report.evaluations} == {2025}
        assert {e.current.year for e in report.evaluations} == {2026}
        html = render_report(report, "html", "vi")
    text = html.decode() if isinstance(html, bytes) else html
    assert "tạm tính: 1/126 xã, 1 tháng" in text


def test_indicator_series_marks_the_partial_year(partial):
    client = partial.signed_in("analyst.hanoi")
    got = client.get(f"/api/indicators/SRB?unit={HANOI}&start=2024&end=2026").json()["items"]
    by_year = {row["years"][0]: row for row in got}
    assert [by_year[y]["provisional"] for y in (2024, 2025, 2026)] == [False, False, True]
    assert by_year[2026]["completeness"]["communes_reporting"] == 1
    assert by_year[2025]["completeness"]["communes_reporting"] == 126


def test_the_partial_year_changes_no_status_or_probability(partial, site):
    """The same world without the partial year (``site``, same seed): every figure a status
    rests on is unchanged; only ``current`` is new."""
    url = f"/api/targets/status?plan={PLAN}&unit={HOAN_KIEM}"
    before = site.signed_in("analyst.hanoi").get(url).json()["items"]
    after = partial.signed_in("analyst.hanoi").get(url).json()["items"]
    keys = ("status", "p_now", "prob_target_met", "latest", "observed_annual_change")
    assert [{k: i[k] for k in keys} for i in after] == [{k: i[k] for k in keys} for i in before]
    assert all(i["current"] is None for i in before)


def test_without_births_of_the_current_year_the_dashboard_says_so(site):
    from chitieu.catalog.clock import vietnam_today

    page = site.signed_in("analyst.hanoi").get(f"/dashboard?unit={HANOI}").text
    assert 'data-year="2025"' in page
    line = re.search(r'<p class="muted small" id="headline-year">(.*?)</p>', page, re.S)
    assert line, "no line saying why 2025 is shown"
    text = " ".join(line.group(1).split())
    current = vietnam_today().year
    assert text == (
        f"Đang hiển thị năm 2025, năm gần nhất có số liệu sinh: chưa có số sinh nào của năm "
        f"{current} được báo cáo hoặc nhập."
    )
