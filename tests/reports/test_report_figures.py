"""The periodic report: its figures equal the API's (values parsed back out of the XLSX and out
of the PDF's text), the PDF renders to pages with Vietnamese intact, DOCX and English work."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook
from PIL import Image

from chitieu.reports import build_plan_report, render_report
from chitieu.reports.i18n import fmt_number, fmt_percent, fmt_signed
from chitieu.reports.xlsx import HEADER_ROW, TARGET_COLUMNS
from chitieu.store.db import transaction
from chitieu.store.models import Facility

PLAN = "HN-SRB-2026-2030"
#: Figures the XLSX shows and the decimals the PDF prints them with.
COMPARED = {
    "goal_value": 1,
    "latest_value": 1,
    "latest_lower": 1,
    "latest_upper": 1,
    "p_now": 2,
    "prob_target_met": 2,
    "required_annual_change": 2,
    "observed_annual_change": 2,
}


class _Signed:
    """The test client, each request signed in as ``user`` (admin unless said)."""

    def __init__(self, client, headers) -> None:  # type: ignore[no-untyped-def]
        self.client, self.headers = client, headers

    def get(self, url: str, params=None, user: str = "admin"):  # type: ignore[no-untyped-def]
        return self.client.get(url, params=params, headers=self.headers(user))


@pytest.fixture
def client(plan_api):
    return _Signed(*plan_api)


def _api_targets(client) -> list[dict]:
    r = client.get("/api/targets/status", params={"plan": PLAN, "unit": "01", "year": 2026})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _flat(item: dict) -> dict:
    latest = item["latest"] or {}
    return {
        **item,
        "latest_value": latest.get("value"),
        "latest_lower": latest.get("lower"),
        "latest_upper": latest.get("upper"),
    }


def _download(client, fmt: str, lang: str = "vi", **extra) -> bytes:
    params = {"period": 2026, "format": fmt, "lang": lang, **extra}
    r = client.get(f"/api/reports/{PLAN}", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].endswith(f'_{lang}.{fmt}"')
    return r.content


def _pdf_text(tmp_path, pdf: bytes) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_xlsx_figures_equal_the_api(client):
    items = _api_targets(client)
    assert {i["target_code"] for i in items} == {"SRB_ANNUAL_FALL", "SRB_AT_MOST_109_BY_2030"}
    api = {i["description_vi"]: _flat(i) for i in items}
    wb = load_workbook(io.BytesIO(_download(client, "xlsx")), data_only=True)
    ws = wb["Chỉ tiêu"]
    keys = [k for k, _, _ in TARGET_COLUMNS]
    headers = [c.value for c in ws[HEADER_ROW]]
    assert headers == [vi for _, vi, _ in TARGET_COLUMNS]
    rows = [dict(zip(keys, r, strict=True)) for r in ws.iter_rows(HEADER_ROW + 1, values_only=True)]
    assert len(rows) == len(api)
    for row in rows:
        expected = api[row["description"]]
        # names, not codes: the indicator's and the unit's name (the unit code beside it)
        assert (row["indicator"], row["unit_name"], row["unit_code"]) == (
            "Tỷ số giới tính khi sinh",
            "Thành phố Hà Nội",
            "01",
        )
        assert row["status_label"] and row["status_label"] != expected["status"]
        for key, digits in COMPARED.items():
            value = expected[key]
            want = None if value is None else round(value, digits)  # as the PDF prints it
            assert row[key] == want, (row["description"], key, row[key], value)
    for ws in wb:
        for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
            for v in row:  # no figure with more than two decimals anywhere in the workbook
                assert not isinstance(v, float) or round(v, 2) == v, (ws.title, v)
    # the numbers are real figures, not blanks: the SRB in 2025 and a probability
    assert all(110 < r["latest_value"] < 120 and 0 <= r["prob_target_met"] <= 1 for r in rows)


def test_pdf_text_shows_the_api_figures(client, tmp_path):
    items = _api_targets(client)
    text = _pdf_text(tmp_path, _download(client, "pdf"))
    squeezed = _squeeze(text)
    for item in items:
        latest = item["latest"]
        for shown in (
            fmt_number(latest["value"], 1, "vi"),
            f"({fmt_number(latest['lower'], 1, 'vi')}–{fmt_number(latest['upper'], 1, 'vi')})",
            fmt_percent(item["prob_target_met"]),
            fmt_signed(item["required_annual_change"], 2, "vi"),
            fmt_signed(item["observed_annual_change"], 2, "vi"),
            fmt_number(item["goal_value"], 1, "vi"),
        ):
            assert _squeeze(shown) in squeezed, (item["target_code"], shown)
    # enforcement: the 2026 inspections of the plan world (two, one fined 40,000,000 VND)
    assert "40.000.000" in text


def test_pdf_pages_render_with_vietnamese_intact(client, tmp_path):
    pdf = _download(client, "pdf")
    text = _pdf_text(tmp_path, pdf)
    for phrase in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO",
        "Sở Y tế",
        "Tỷ số giới tính khi sinh",
        "Căn cứ Nghị quyết số 21-NQ/TW",
        "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU",
        "CÔNG TÁC THANH TRA, KIỂM TRA",
        "Phường Tây Hồ",  # the ward with an excess, named in the proposals
        "Nơi nhận:",
    ):
        assert phrase in text, phrase
    assert "số liệu mô phỏng" not in text.lower()  # the plan world is not flagged synthetic
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "report.pdf")], capture_output=True, check=True, text=True
    ).stdout
    assert "ReportSerif" in fonts and all(
        line.split()[-5] == "yes"
        for line in fonts.splitlines()[2:]  # every font embedded
    )
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(tmp_path / "report.pdf"), str(tmp_path / "page")],
        check=True,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "report.pdf")], capture_output=True, check=True, text=True
    ).stdout
    n_pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert len(pages) == n_pages and 3 <= n_pages <= 12
    for page in pages:
        image = Image.open(page).convert("L")
        assert image.size[0] < image.size[1]  # A4 portrait
        dark = sum(image.histogram()[:128])
        assert dark > 500, f"{page.name} looks blank"
    # the first page carries the title block: ink in its top quarter
    first = Image.open(pages[0]).convert("L")
    top = first.crop((0, 0, first.size[0], first.size[1] // 4))
    assert sum(top.histogram()[:128]) > 2000


def test_docx_and_english(client, tmp_path):
    doc = Document(io.BytesIO(_download(client, "docx")))
    body = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "BÁO CÁO" in body and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells
    item = _api_targets(client)[0]
    assert fmt_number(item["latest"]["value"], 1, "vi") in cells
    assert len(doc.inline_shapes) == 2  # one chart per target
    english = _pdf_text(tmp_path, _download(client, "pdf", lang="en"))
    for phrase in ("SOCIALIST REPUBLIC OF VIET NAM", "Department of Health", "Sex ratio at birth"):
        assert phrase in english
    assert fmt_number(item["latest"]["value"], 1, "en") in english


def test_synthetic_data_are_labelled(plan_world, tmp_path):
    with transaction(plan_world) as db:
        db.get(Facility, "PW-PK").synthetic = True
    with transaction(plan_world) as db:
        report = build_plan_report(db, PLAN, 2026, as_of=date(2026, 11, 23))
    assert report.synthetic
    text = _pdf_text(tmp_path, render_report(report, "pdf", "vi"))
    assert "Số liệu mô phỏng" in text


def test_report_requests_outside_scope_or_period_are_refused(client):
    r = client.get(f"/api/reports/{PLAN}", params={"period": 2026}, user="entry.00070")
    assert r.status_code == 403  # the city's report, asked by a ward user
    r = client.get(f"/api/reports/{PLAN}", params={"period": 2031})
    assert r.status_code == 422 and "outside the plan" in r.json()["error"]["message"]
    r = client.get("/api/reports/NO-PLAN", params={"period": 2026})
    assert r.status_code == 404
    r = client.get(f"/api/reports/{PLAN}", params={"period": 2026, "format": "exe"})
    assert r.status_code == 422


def test_english_editions_are_english_and_the_xlsx_shows_rounded_figures(client, tmp_path):
    """No Vietnamese legal bases or issuer in the English PDF; the English XLSX gives labels,
    not codes, for kinds, directions and statuses, and shows no figure with 13 decimals."""
    text = _pdf_text(tmp_path, _download(client, "pdf", "en"))
    flat = _squeeze_spaces(text)
    assert "Căn cứ" not in text and "Ủy ban nhân dân" not in flat
    # each legal basis in its English rendering, none in Vietnamese, none merely counted
    for words in ("Nghị quyết", "Quyết định", "Kết luận", "Chính phủ", "Thủ tướng", "Bộ Chính trị"):
        assert words not in flat, words
    assert "legal documents cited" not in flat
    assert "Pursuant to Resolution No. 21-NQ/TW of 25 October 2017" in flat
    assert "Pursuant to Decision No. 1679/QĐ-TTg of 22 November 2019" in flat
    assert flat.count("Pursuant to ") >= 5
    html = _download(client, "html", "en").decode()
    assert "Căn cứ" not in html and "Nghị quyết" not in html
    assert "Pursuant to Plan No. 237/KH-UBND of 8 December 2020" in _squeeze_spaces(html)
    wb = load_workbook(io.BytesIO(_download(client, "xlsx", "en")))
    codes = {"at_most", "at_least", "observed", "smoothed", "projection", "body", "overdue"}
    codes |= {"reported", "not_due", "high", "low", "off_track", "on_track", "at_risk", "met"}
    codes |= {"SRB_ANNUAL_FALL", "SRB_AT_MOST_109_BY_2030", "commune", "HN-SDTTG"}
    for ws in wb:
        headers = [c.value for c in ws[HEADER_ROW] if isinstance(c.value, str)]
        # a code column only where a person needs it: a unit's code beside its name
        assert all(h == "Unit code" for h in headers if "code" in h.lower()), (ws.title, headers)
        for row in ws.iter_rows(min_row=HEADER_ROW):
            for cell in row:
                if isinstance(cell.value, float):
                    assert cell.number_format != "General", (ws.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert cell.value not in codes, (ws.title, cell.coordinate, cell.value)
        if ws.title == "Reporting":
            names = [r[2] for r in ws.iter_rows(HEADER_ROW + 1, values_only=True) if r[1] == "Body"]
            assert "Department of Health" in names and "Sở Y tế" not in names


def _squeeze_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text)
