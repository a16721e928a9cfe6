"""Sign-in, sign-out, language switch, the dashboard page and its JSON, through TestClient."""

from __future__ import annotations

import gzip

import brotli
import pytest
from webworld import PASSWORD, form_token

from chitieu.api.deps import SESSION_COOKIE
from chitieu.app import WEB_STATIC as STATIC
from chitieu.web.i18n import LANG_COOKIE
from chitieu.web.static_files import compressible


def test_login_page_is_vietnamese_with_a_csrf_field(site):
    response = site.client().get("/login")
    assert response.status_code == 200
    assert "Đăng nhập" in response.text
    assert "Tên đăng nhập" in response.text and "Mật khẩu" in response.text
    assert len(form_token(response.text)) >= 20
    assert response.headers["content-type"].startswith("text/html")


def test_sign_in_needs_the_form_token(site):
    client = site.client()
    client.get("/login")  # sets the token cookie
    response = client.post(
        "/login",
        data={"username": "analyst.hanoi", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies
    assert "biểu mẫu không hợp lệ" in response.text


def test_wrong_password_shows_the_form_again(site):
    client = site.client()
    token = form_token(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "analyst.hanoi", "password": "nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.text
    assert SESSION_COOKIE not in client.cookies


def test_sign_in_goes_to_the_page_asked_for_but_never_off_site(site):
    client = site.client()
    first = client.get("/dashboard?year=2024", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=/dashboard%3Fyear%3D2024"
    token = form_token(client.get("/login").text)
    data = {"username": "analyst.hanoi", "password": PASSWORD, "csrf_token": token}
    ok = client.post(
        "/login", data={**data, "next": "/dashboard?year=2024"}, follow_redirects=False
    )
    assert ok.headers["location"] == "/dashboard?year=2024"
    other = site.client()
    token = form_token(other.get("/login").text)
    evil = other.post(
        "/login",
        data={**data, "csrf_token": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert evil.headers["location"] == "/dashboard"


def test_dashboard_page_in_vietnamese_then_english(site):
    client = site.signed_in("analyst.hanoi")
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Thành phố Hà Nội" in page.text
    assert "Dữ liệu mô phỏng" in page.text
    assert "Tỷ số giới tính khi sinh (số bé trai/100 bé gái) qua các năm" in page.text
    assert "echarts-5.6.0.common.min.js?v=" in page.text  # vendored, not a CDN
    assert "http://" not in page.text.replace("http://testserver", "")
    english = client.get("/dashboard?lang=en")
    assert "Sex ratio at birth (boys per 100 girls) over the years" in english.text
    assert english.cookies.get(LANG_COOKIE) == "en"
    assert "Synthetic data" in client.get("/dashboard").text  # the choice sticks


def test_entry_user_is_refused_another_unit_dashboard(site):
    client = site.signed_in("entry.00070")
    own = client.get("/dashboard")
    assert own.status_code == 200 and "Phường Hoàn Kiếm" in own.text
    refused = client.get("/dashboard?unit=01")
    assert refused.status_code == 403
    assert "Không có quyền truy cập" in refused.text
    assert client.get("/api/dashboard/trend?unit=00004").status_code == 403


def test_dashboard_json_needs_sign_in_and_known_sections(site):
    anonymous = site.client().get("/api/dashboard/trend")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthenticated"
    client = site.signed_in("analyst.hanoi")
    assert client.get("/api/dashboard/nope").status_code == 404
    assert client.get("/api/dashboard/trend?unit=99999").status_code == 404
    assert client.get("/api/dashboard/trend?year=1800").status_code == 422


def test_dashboard_json_is_gzipped_and_revalidated_by_etag(site):
    client = site.signed_in("analyst.hanoi")
    response = client.get("/api/dashboard/communes", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    raw = int(response.headers["content-length"])
    assert raw < len(gzip.compress(response.content)) * 1.5  # sent compressed
    etag = response.headers["etag"]
    again = client.get("/api/dashboard/communes", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_static_files_are_versioned_and_kept(site):
    client = site.client()
    response = client.get("/static/dashboard.js?v=1")
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]


ECHARTS = STATIC / "echarts-5.6.0.common.min.js"


def test_every_large_static_file_has_a_fresh_brotli_copy():
    """scripts/compress-static writes them; a stale or missing copy would serve old code."""
    files = compressible(STATIC)
    assert ECHARTS in files
    for path in files:
        copy = path.with_name(path.name + ".br")
        assert copy.is_file(), f"{copy.name} missing: run scripts/compress-static"
        assert brotli.decompress(copy.read_bytes()) == path.read_bytes(), f"{copy.name} is stale"


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip, deflate, br, zstd", "br"),  # what Chromium sends
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("identity", None),
    ],
)
def test_the_chart_library_goes_out_as_brotli_where_accepted(site, accept, encoding):
    response = site.client().get(
        "/static/echarts-5.6.0.common.min.js?v=1", headers={"Accept-Encoding": accept}
    )
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == encoding
    assert response.headers["content-type"].startswith(
        ("text/javascript", "application/javascript")
    )
    assert "Accept-Encoding" in response.headers["vary"]
    assert "immutable" in response.headers["cache-control"]
    assert response.content == ECHARTS.read_bytes()  # decoded by the client as a browser does


def test_sign_out_needs_the_session_token(site):
    client = site.signed_in("analyst.hanoi")
    refused = client.post("/logout", follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/dashboard", follow_redirects=False).status_code == 200  # still in
    token = form_token(client.get("/dashboard").text)
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_unknown_page_is_an_html_404(site):
    response = site.signed_in("analyst.hanoi").get("/entry/99999/202501")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.text
