"""The province's month page shows, beside its communes' reports, the communes whose birth
records disagree with their submitted monthly report: both figures, the difference and the
source the figures use; a commune officer does not see the province's."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, func, insert, select

from chitieu.store.db import make_engine
from chitieu.store.migrate import upgrade
from chitieu.store.models import BirthAggregate, DataValue
from conftest import make_site

PERIOD = "202506"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_hash: str) -> Iterator:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('rec') / 'chitieu.db'}")
    upgrade(engine)
    s = make_site(engine, demo_hash)
    yield s
    engine.dispose()


def _records(site, unit: str, sex: str) -> int:  # type: ignore[no-untyped-def]
    with site.engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.coalesce(func.sum(BirthAggregate.births), 0)).where(
                    BirthAggregate.unit_code == unit,
                    BirthAggregate.year == 2025,
                    BirthAggregate.month == 6,
                    BirthAggregate.sex == sex,
                )
            )
        )


def test_province_sees_the_commune_months_that_disagree(site) -> None:
    boys, girls = _records(site, "00070", "M"), _records(site, "00070", "F")
    assert boys + girls > 0  # the world has birth records for the ward that month
    # the ward's June report, made larger than its records: the report is used
    report = {"M_O1": boys + 200, "F_O1": girls + 190, "M_O2": 0, "M_O3P": 0, "F_O2": 0}
    report["F_O3P"] = 0
    with site.engine.begin() as conn:
        conn.execute(
            delete(DataValue).where(DataValue.unit_code == "00070", DataValue.period == PERIOD)
        )
        conn.execute(
            insert(DataValue),
            [
                dict(
                    element_code="LIVE_BIRTHS",
                    unit_code="00070",
                    period=PERIOD,
                    disaggregation=c,
                    value=v,
                    status="submitted",
                )
                for c, v in report.items()
            ],
        )
    page = site.signed_in("analyst.hanoi").get(f"/entry?period={PERIOD}&lang=vi")
    assert page.status_code == 200
    section = page.text[page.text.index('id="births-reconciliation"') :]
    assert "Đối chiếu số sinh, tháng 6/2025" in section
    shown = len(re.findall(r"<tr>\s*<td>", section))
    assert f"{shown} xã, phường có bản ghi sinh khác với báo cáo tháng" in section
    row = re.search(r"<tr>\s*<td>Phường Hoàn Kiếm.*?</tr>", section, re.S)
    assert row, section[:2000]
    cells = re.findall(r"<td>(.*?)</td>", row.group(0), re.S)
    assert f"{boys} trai, {girls} gái" in cells[1]
    assert f"{boys + 200} trai, {girls + 190} gái" in cells[2]
    assert "-200 trai, -190 gái" in cells[3]
    assert "báo cáo tháng" in cells[4]
    en = site.signed_in("analyst.hanoi").get(f"/entry?period={PERIOD}&lang=en").text
    assert "Births reconciliation, 6/2025" in en and "the monthly report" in en
    assert "Đối chiếu" not in en
    # another month: nothing disagrees
    other = site.signed_in("analyst.hanoi").get("/entry?period=202502&lang=vi").text
    assert "Tháng này không có xã, phường nào có bản ghi sinh khác" in other


def test_a_commune_officer_cannot_open_the_province_month_page(site) -> None:
    page = site.signed_in("entry.00070").get(f"/entry?unit=01&period={PERIOD}")
    assert page.status_code == 403 and "births-reconciliation" not in page.text
