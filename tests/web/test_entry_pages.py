"""The monthly report form end to end: scope, CSRF, rules, draft → submitted → reopened →
locked, audit, and the report counted in completeness — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from webworld import form_token

from chitieu.dashboard.reporting import reporting_json
from chitieu.reporting.state import deadline
from chitieu.store.db import transaction
from chitieu.store.models import AuditEntry, DataValue
from chitieu.units.queries import get_unit

HK, BD = "00070", "00004"
PERIOD = "202512"  # nobody has sent December 2025 in the world
REPORT = {
    "M_O1": "30",
    "M_O2": "20",
    "M_O3P": "5",
    "F_O1": "28",
    "F_O2": "19",
    "F_O3P": "4",
    "TOTAL": "106",
    "ACT_COMM_SESSIONS": "2",
    "ACT_PEOPLE_REACHED": "150",
    "ACT_FACILITY_COMMITMENTS": "1",
    "ACT_INSPECTIONS": "0",
}


def post(client, unit, action, fields=None, token=True):  # type: ignore[no-untyped-def]
    page = client.get(f"/entry/{unit}/{PERIOD}")
    data = {**(fields or {}), "action": action}
    if token:
        data["csrf_token"] = form_token(page.text)
    return client.post(f"/entry/{unit}/{PERIOD}", data=data, follow_redirects=False)


def statuses(site, unit=HK):  # type: ignore[no-untyped-def]
    with site.engine.connect() as conn:
        return set(
            conn.scalars(
                select(DataValue.status).where(
                    DataValue.unit_code == unit, DataValue.period == PERIOD
                )
            )
        )


def december(site):  # type: ignore[no-untyped-def]
    """(completeness, timeliness) of December 2025 over Hanoi, as the dashboard computes it."""
    with transaction(site.engine) as db:
        out = reporting_json(db, get_unit(db.connection(), "01"), 2025)
    return out["completeness"][11], out["timeliness"][11]


def test_entry_user_reaches_only_their_commune(fresh_site):
    client = fresh_site.signed_in(f"entry.{HK}")
    form = client.get(f"/entry/{HK}/{PERIOD}")
    assert form.status_code == 200
    assert "Báo cáo tháng của xã, phường" in form.text and "Con thứ ba trở lên" in form.text
    assert (
        client.get("/entry", follow_redirects=False).headers["location"].startswith(f"/entry/{HK}/")
    )
    before = fresh_site.counts()
    assert client.get(f"/entry/{BD}/{PERIOD}").status_code == 403
    own_token = form_token(form.text)
    refused = client.post(
        f"/entry/{BD}/{PERIOD}",
        data={**REPORT, "action": "submit", "csrf_token": own_token},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert "ngoài phạm vi" in refused.text
    assert fresh_site.counts() == before


def test_form_posts_need_the_csrf_token_and_valid_figures(fresh_site):
    client = fresh_site.signed_in(f"entry.{HK}")
    before = fresh_site.counts()
    assert post(client, HK, "submit", REPORT, token=False).status_code == 403
    bad = post(client, HK, "submit", {**REPORT, "M_O2": "-1"})
    assert bad.status_code == 422
    assert "Số liệu không được âm (-1)." in bad.text
    assert "Chưa có gì được lưu." in bad.text
    mismatch = post(client, HK, "submit", {**REPORT, "TOTAL": "100"})
    assert mismatch.status_code == 422
    assert "không bằng trai + gái (55 + 51 = 106)" in mismatch.text
    odd = {**REPORT, "M_O1": "60", "M_O2": "25", "F_O1": "20", "F_O2": "15", "F_O3P": "5"}
    odd["TOTAL"] = "130"
    asks = post(client, HK, "submit", odd)
    assert asks.status_code == 422 and "ngoài khoảng thường gặp 80–140" in asks.text
    assert fresh_site.counts() == before
    confirmed = post(client, HK, "submit", {**odd, "confirm_srb": "1"})
    assert confirmed.status_code == 303
    assert statuses(fresh_site) == {"submitted"}


def test_draft_submit_reopen_lock_with_audit_and_completeness(fresh_site):
    entry = fresh_site.signed_in(f"entry.{HK}")
    complete_before, timely_before = december(fresh_site)

    draft = post(entry, HK, "save", {"M_O1": "30", "F_O1": "28"})
    assert draft.status_code == 303 and draft.headers["location"].endswith("?done=saved")
    assert statuses(fresh_site) == {"draft"}
    assert december(fresh_site)[0] == complete_before  # a draft is not a report yet

    sent = post(entry, HK, "submit", REPORT)
    assert sent.status_code == 303
    assert statuses(fresh_site) == {"submitted"}
    complete, timely = december(fresh_site)
    # one more of Hanoi's 126 communes has sent December, but late: it is sent today, after
    # the deadline of 10 January 2026 (the world's clock is real time, the report's year 2025)
    assert round(complete - complete_before, 1) == round(100 / 126, 1)
    assert timely == timely_before
    with fresh_site.engine.connect() as conn:
        audit = conn.execute(
            select(AuditEntry.actor, AuditEntry.row_key, AuditEntry.after).where(
                AuditEntry.unit_code == HK, AuditEntry.row_key.like(f"%|{PERIOD}|%")
            )
        ).all()
    assert {a.actor for a in audit} == {f"entry.{HK}"}
    assert {a.row_key for a in audit} >= {f"LIVE_BIRTHS|{HK}|{PERIOD}|M_O3P"}
    assert any(a.after["status"] == "submitted" for a in audit)

    page = entry.get(f"/entry/{HK}/{PERIOD}")
    assert "Đã gửi" in page.text and 'name="action" value="submit"' not in page.text
    before = fresh_site.counts()
    closed = post(entry, HK, "save", {**REPORT, "M_O1": "31"})
    assert closed.status_code == 409 and fresh_site.counts() == before
    assert post(entry, HK, "reopen").status_code == 403  # the commune cannot reopen

    analyst = fresh_site.signed_in("analyst.hanoi")
    assert post(analyst, HK, "reopen").status_code == 303
    assert statuses(fresh_site) == {"draft"}
    assert post(entry, HK, "submit", REPORT).status_code == 303

    admin = fresh_site.signed_in("admin")
    assert post(analyst, HK, "lock").status_code == 403  # locking needs an admin
    assert post(admin, HK, "lock").status_code == 303
    assert statuses(fresh_site) == {"locked"}
    assert post(analyst, HK, "reopen").status_code == 403  # a locked report: admin only
    assert post(admin, HK, "reopen").status_code == 303
    assert statuses(fresh_site) == {"draft"}


def test_deadline_is_the_end_of_the_tenth_vietnam_time():
    # 10 January 2026, 24:00 in Hanoi (UTC+7) is 10 January 2026, 17:00 UTC
    assert deadline("202512") == datetime(2026, 1, 10, 17, 0)
    assert deadline("202503") == datetime(2025, 4, 10, 17, 0)
