"""A body refused as too large or a NUL character on a web page comes back as an HTML page in
the user's language with the same status; the API keeps its JSON refusal."""

from __future__ import annotations

from webworld import form_token


def test_too_large_on_a_page_is_an_html_page_in_the_users_language(site) -> None:
    c = site.client()
    token = form_token(c.get("/login").text)
    big = {"username": "z" * 100_000, "password": "x", "csrf_token": token}
    r = c.post("/login", data=big)
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert "Nội dung gửi lên quá lớn" in r.text and "16 KB" in r.text
    r = c.post("/login?lang=en", data=big)
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert "Request too large" in r.text and "16 KB" in r.text
    assert "Nội dung" not in r.text
    # no declared length: the streamed bytes are counted, and the page is still HTML
    r = c.post(
        "/login?lang=vi",
        content=(b"username=" + b"z" * 8192 for _ in range(20)),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert "Nội dung gửi lên quá lớn" in r.text


def test_api_keeps_json_for_the_same_refusals(site) -> None:
    c = site.client()
    r = c.post("/api/login", json={"username": "z" * 100_000, "password": "x"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    r = c.get("/api/units?q=H%00N")
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"


def test_nul_on_a_page_is_an_html_page(site) -> None:
    c = site.signed_in("analyst.hanoi")
    r = c.get("/dashboard?unit=01%00&lang=en")
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert "NUL character" in r.text and "<h1>" in r.text
