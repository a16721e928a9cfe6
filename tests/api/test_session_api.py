"""Signing in: bearer tokens, HTTP Basic, session cookies with CSRF, rate limiting."""

from __future__ import annotations

import base64
import time

from fastapi import Form
from fastapi.testclient import TestClient
from sqlalchemy import update

from chitieu.api.deps import CurrentUser
from chitieu.auth import tokens
from chitieu.auth.passwords import hash_password
from chitieu.store.models import User

PASSWORD = "correct horse battery"  # conftest.PASSWORD
SECRET = "test-secret-for-api-tests"  # conftest.SECRET
NEW_VALUE = {"element": "POPULATION", "unit": "00070", "period": "2025", "value": 41_000}


def _basic(username: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def test_login_gives_a_bearer_token(world) -> None:
    r = world.client.post("/api/login", json={"username": "entry.00070", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == tokens.TOKEN_TTL
    me = world.client.get(
        "/api/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    ).json()
    assert (me["username"], me["role"], me["unit"], me["via"]) == (
        "entry.00070",
        "entry",
        "00070",
        "bearer",
    )
    assert me["unit_name"] == "Phường Hoàn Kiếm"


def test_wrong_or_missing_credentials_are_401(world) -> None:
    c = world.client
    for body in (
        {"username": "entry.00070", "password": "wrong"},
        {"username": "nobody", "password": PASSWORD},
    ):
        r = c.post("/api/login", json=body)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "unauthenticated"
    assert c.get("/api/me").status_code == 401
    assert c.get("/api/me", headers={"Authorization": "Bearer v1.x.y.z.w.v"}).status_code == 401
    assert c.get("/api/me", headers={"Authorization": "Basic !!!"}).status_code == 401
    assert c.get("/api/me", headers={"Authorization": "Digest abc"}).status_code == 401
    r = c.get("/api/me", headers=_basic("analyst.hanoi", "wrong"))
    assert r.status_code == 401
    # scripts (DHIS2 clients) are offered Basic too; a browser never is, so it never prompts
    # for and then silently resends Basic credentials (which need no CSRF token)
    assert r.headers.get_list("WWW-Authenticate") == [
        'Basic realm="DHIS2"',
        'Bearer realm="chitieu"',
    ]
    browser = c.get("/api/me", headers={"Sec-Fetch-Mode": "cors"})
    assert browser.headers.get_list("WWW-Authenticate") == ['Bearer realm="chitieu"']
    assert r.json()["httpStatusCode"] == 401 and r.json()["status"] == "ERROR"


def test_basic_auth(world) -> None:
    r = world.client.get("/api/me", headers=_basic("analyst.hanoi", PASSWORD))
    assert r.status_code == 200
    assert r.json()["via"] == "basic"


def test_expired_tampered_and_revoked_tokens_are_refused(world) -> None:
    c = world.client
    c.app.state.auth.accounts.ttl = 0.2  # a worker re-reads an account this often
    expired = tokens.issue_token(SECRET, "admin", world.password_hash, ttl=-1)
    assert c.get("/api/me", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    good = tokens.issue_token(SECRET, "admin", world.password_hash)
    parts = good.split(".")
    parts[1] = base64.urlsafe_b64encode(b"entry.00070").decode().rstrip("=")
    forged = ".".join(parts)
    assert c.get("/api/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    other_secret = tokens.issue_token("another secret", "admin", world.password_hash)
    assert c.get("/api/me", headers={"Authorization": f"Bearer {other_secret}"}).status_code == 401
    assert c.get("/api/me", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    with world.engine.begin() as conn:  # a new password revokes the token
        conn.execute(
            update(User).where(User.username == "admin").values(password_hash=hash_password("x1"))
        )
    time.sleep(0.25)
    assert c.get("/api/me", headers={"Authorization": f"Bearer {good}"}).status_code == 401
    with world.engine.begin() as conn:  # so does disabling the user
        conn.execute(update(User).where(User.username == "analyst.hanoi").values(active=False))
    assert c.get("/api/me", headers=world.as_("analyst")).status_code == 401


def _cookie_client(world) -> tuple[TestClient, str]:
    client = TestClient(world.client.app)
    r = client.post("/api/session", json={"username": "entry.00070", "password": PASSWORD})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert "chitieu_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    return client, r.json()["csrf_token"]


def test_cookie_session_needs_the_csrf_token_to_change_anything(world) -> None:
    client, csrf = _cookie_client(world)
    me = client.get("/api/me").json()  # reads need no token
    assert me["via"] == "session" and me["csrf_token"] == csrf
    before = world.snapshot()
    for headers in ({}, {"X-CSRF-Token": "not-the-token"}):
        r = client.put("/api/datavalues", json=NEW_VALUE, headers=headers)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "csrf"
    assert world.snapshot() == before
    r = client.put("/api/datavalues", json=NEW_VALUE, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201
    assert world.scalar("SELECT value FROM data_values WHERE period = '2025'") == 41_000


def test_another_sessions_token_does_not_pass(world) -> None:
    client, _ = _cookie_client(world)
    _, other_csrf = _cookie_client(world)
    r = client.put("/api/datavalues", json=NEW_VALUE, headers={"X-CSRF-Token": other_csrf})
    assert r.status_code == 403


def test_csrf_token_in_a_form_field(world) -> None:
    """A page's form carries the token in the ``csrf_token`` field; the handler still reads
    its own fields."""
    app = world.client.app

    @app.post("/_test/form")
    def form_page(user: CurrentUser, note: str = Form(...)) -> dict[str, str]:
        return {"user": user.username, "note": note}

    client, csrf = _cookie_client(world)
    assert client.post("/_test/form", data={"note": "hi"}).status_code == 403
    r = client.post("/_test/form", data={"note": "hi", "csrf_token": csrf})
    assert r.status_code == 200
    assert r.json() == {"user": "entry.00070", "note": "hi"}


def test_sign_out_needs_the_token_and_clears_the_cookie(world) -> None:
    client, csrf = _cookie_client(world)
    assert client.delete("/api/session").status_code == 403
    r = client.delete("/api/session", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    assert 'chitieu_session=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
    assert client.get("/api/me").status_code == 401


def test_bearer_requests_need_no_csrf_token(world) -> None:
    r = world.client.put("/api/datavalues", json=NEW_VALUE, headers=world.as_("entry"))
    assert r.status_code == 201


def test_failed_sign_ins_are_rate_limited_per_username_and_address(world) -> None:
    app = world.client.app
    attacker = TestClient(app, client=("203.0.113.7", 50000))
    for _ in range(5):
        r = attacker.post("/api/login", json={"username": "admin", "password": "guess"})
        assert r.status_code == 401
    r = attacker.post("/api/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 429  # even the right password, until the window passes
    assert r.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 300
    assert attacker.get("/api/me", headers=_basic("admin", PASSWORD)).status_code == 429
    # another user from the same address, and the same user from elsewhere, are unaffected
    ok = {"username": "analyst.hanoi", "password": PASSWORD}
    assert attacker.post("/api/login", json=ok).status_code == 200
    office = TestClient(app, client=("198.51.100.2", 50000))
    assert (
        office.post("/api/login", json={"username": "admin", "password": PASSWORD}).status_code
        == 200
    )


def test_basic_failures_count_towards_the_limit(world) -> None:
    client = TestClient(world.client.app, client=("203.0.113.9", 50000))
    for _ in range(5):
        assert client.get("/api/me", headers=_basic("admin", "guess")).status_code == 401
    assert client.get("/api/me", headers=_basic("admin", PASSWORD)).status_code == 429


def test_signing_out_ends_the_session_on_the_server(world) -> None:
    """The old cookie (kept by whoever copied it) and the old bearer token are refused after
    signing out, for reads and for writes."""
    client, csrf = _cookie_client(world)
    cookie = client.cookies.get("chitieu_session")
    assert client.delete("/api/session", headers={"X-CSRF-Token": csrf}).status_code == 200
    replay = TestClient(world.client.app)
    replay.cookies.set("chitieu_session", cookie)
    assert replay.get("/api/me").status_code == 401
    before = world.snapshot()
    r = replay.put("/api/datavalues", json=NEW_VALUE, headers={"X-CSRF-Token": csrf})
    assert r.status_code in (401, 403)
    assert world.snapshot() == before

    login = {"username": "entry.00070", "password": PASSWORD}
    token = world.client.post("/api/login", json=login).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert world.client.get("/api/me", headers=bearer).status_code == 200
    assert world.client.delete("/api/session", headers=bearer).status_code == 200
    assert world.client.get("/api/me", headers=bearer).status_code == 401
    assert world.client.put("/api/datavalues", json=NEW_VALUE, headers=bearer).status_code == 401
    # signing out one token leaves the user's other sessions alone
    other = world.client.post("/api/login", json=login).json()["access_token"]
    assert world.client.get("/api/me", headers={"Authorization": f"Bearer {other}"}).is_success


def test_signing_out_of_the_pages_ends_the_session(world) -> None:
    client, csrf = _cookie_client(world)
    cookie = client.cookies.get("chitieu_session")
    r = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    replay = TestClient(world.client.app)
    replay.cookies.set("chitieu_session", cookie)
    assert replay.get("/api/me").status_code == 401
    assert replay.get("/dashboard", follow_redirects=False).status_code == 303  # to /login
