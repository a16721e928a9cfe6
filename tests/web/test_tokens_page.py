"""The tokens page: a signed-in user makes a token (shown once), it works as
``Authorization: ApiToken``, they revoke it; forms need the CSRF token."""

from __future__ import annotations

import re

from sqlalchemy import text
from webworld import form_token

TOKEN = re.compile(r'<code id="new-token">(d2pat_[A-Za-z0-9]+)</code>')


def test_make_use_and_revoke_a_token(fresh_site) -> None:
    client = fresh_site.signed_in("entry.00070")
    page = client.get("/tokens")
    assert page.status_code == 200 and "Mã truy cập cá nhân" in page.text
    refused = client.post("/tokens", data={"name": "no csrf", "days": "3"})
    assert refused.status_code == 403
    made = client.post(
        "/tokens", data={"name": "nightly", "days": "3", "csrf_token": form_token(page.text)}
    )
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    token = TOKEN.search(made.text).group(1)
    assert "nightly" in made.text
    again = client.get("/tokens")
    assert token not in again.text  # shown once only
    api = fresh_site.client()
    me = api.get("/api/me", headers={"Authorization": f"ApiToken {token}"})
    assert me.status_code == 200 and me.json()["username"] == "entry.00070"
    with fresh_site.engine.connect() as conn:
        uid = conn.execute(text("SELECT uid FROM api_tokens")).scalar_one()
    gone = client.post(
        f"/tokens/{uid}/revoke", data={"csrf_token": form_token(again.text)}, follow_redirects=False
    )
    assert gone.status_code == 303
    assert api.get("/api/me", headers={"Authorization": f"ApiToken {token}"}).status_code == 401
    outside = client.post(
        "/tokens", data={"unit": "31", "days": "3", "csrf_token": form_token(again.text)}
    )
    assert outside.status_code == 422 and "outside" in outside.text
