"""``chitieu remind``: the reports the calendar says are overdue, the users who answer for them,
and one e-mail a user a day through a real (local) SMTP server."""

from __future__ import annotations

import email
import json
import socket
from collections.abc import Iterator
from datetime import date

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, func, insert, select
from typer.testing import CliRunner

from chitieu.auth.users import UserError, create_user
from chitieu.cli import app
from chitieu.config import get_settings
from chitieu.reminders import (
    REMIND_ACTION,
    SmtpSettings,
    overdue_reports,
    reminders,
    send_reminders,
)
from chitieu.store.db import transaction
from chitieu.store.models import AuditEntry, BodyMember, DataValue

AS_OF = date(2026, 11, 20)  # October's monthly report was due by 10 November
HK, BD = "00070", "00004"
PLAN, BODY = "HN-SRB-2026-2030", "HN-SYT"


class Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def world(ready_sqlite: Engine) -> Engine:
    """Two Hanoi wards with entry users (one with an e-mail address), a Department of Health
    member with one; Hoàn Kiếm sent January–September 2026, Ba Đình nothing."""
    with transaction(ready_sqlite) as db:
        create_user(
            db,
            "entry.00070",
            role="entry",
            unit_code=HK,
            password="x" * 12,
            email="hoankiem@example.vn",
        )
        create_user(db, "entry.00004", role="entry", unit_code=BD, password="x" * 12)
        create_user(
            db,
            "syt.hanoi",
            role="analyst",
            unit_code="01",
            password="x" * 12,
            full_name="Sở Y tế Hà Nội",
            email="syt@example.vn",
        )
        db.execute(insert(BodyMember).values(username="syt.hanoi", body_code=BODY))
        db.execute(
            insert(DataValue),
            [
                {
                    "element_code": "LIVE_BIRTHS",
                    "unit_code": HK,
                    "period": f"2026{m:02d}",
                    "disaggregation": cell,
                    "value": 40.0,
                    "status": "submitted",
                }
                for m in range(1, 10)
                for cell in ("M_O1", "F_O1")
            ],
        )
    return ready_sqlite


def test_overdue_reports_follow_the_calendar(world: Engine) -> None:
    with transaction(world) as db:
        overdue = overdue_reports(db, unit="01", today=AS_OF)
    monthly = {(r.reporter, r.period) for r in overdue if r.kind == "monthly"}
    assert (HK, "202610") in monthly
    assert not any(r == HK and p < "202610" for r, p in monthly)  # sent months are not overdue
    assert {p for r, p in monthly if r == BD} == {f"2026{m:02d}" for m in range(1, 11)}
    assert not any(p == "202611" for _, p in monthly)  # November is due by 10 December
    quarterly = {(r.reporter, r.period) for r in overdue if r.kind == "quarterly"}
    assert {(BODY, "2026Q1"), (BODY, "2026Q2"), (BODY, "2026Q3")} <= quarterly
    assert not any(p == "2026Q4" for _, p in quarterly)
    # A day before October's due date passes, October is not overdue yet.
    with transaction(world) as db:
        earlier = overdue_reports(db, unit=HK, today=date(2026, 11, 10))
    assert (HK, "202610") not in {(r.reporter, r.period) for r in earlier}


def test_reminders_go_to_those_responsible_with_an_address(world: Engine) -> None:
    with transaction(world) as db:
        pending, unreachable = reminders(db, overdue_reports(db, unit="01", today=AS_OF))
    by_user = {r.username: r for r in pending}
    assert set(by_user) == {"entry.00070", "syt.hanoi"}
    assert {(x.reporter, x.period) for x in by_user["entry.00070"].reports} >= {(HK, "202610")}
    assert {x.reporter for x in by_user["syt.hanoi"].reports} == {BODY}
    # Ba Đình's officer has no address: its reports are listed as unreachable.
    assert (BD, "202601") in {(x.reporter, x.period) for x in unreachable}


def test_one_email_a_user_a_day_vietnamese_first_audited(world: Engine, smtp) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    settings = SmtpSettings(host="127.0.0.1", port=port, starttls=False)
    with transaction(world) as db:
        pending, _ = reminders(db, overdue_reports(db, unit="01", today=AS_OF))
        sent = send_reminders(db, pending, settings, base_url="https://chitieu.test", today=AS_OF)
    assert sorted(sent) == ["entry.00070", "syt.hanoi"]
    assert sorted(m["To"] for m in inbox.messages) == ["hoankiem@example.vn", "syt@example.vn"]
    to_hk = next(m for m in inbox.messages if m["To"] == "hoankiem@example.vn")
    body = to_hk.get_payload(decode=True).decode("utf-8")
    assert body.index("Báo cáo tháng 202610") < body.index("Monthly report 202610")
    assert "hạn 10/11/2026" in body and "https://chitieu.test/" in body
    # Run again the same day: nothing more is sent.
    with transaction(world) as db:
        pending, _ = reminders(db, overdue_reports(db, unit="01", today=AS_OF))
        assert send_reminders(db, pending, settings, today=AS_OF) == []
        audited = db.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == REMIND_ACTION)
        )
    assert len(inbox.messages) == 2 and audited == 2


def test_cli_lists_and_refuses_to_send_without_a_server(world: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHITIEU_DATABASE_URL", world.url.render_as_string())
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        listed = runner.invoke(
            app, ["remind", "--unit", "01", "--as-of", "2026-11-20", "--format", "json"]
        )
        assert listed.exit_code == 0, listed.output
        data = json.loads(listed.output)
        assert {r["username"] for r in data["reminders"]} == {"entry.00070", "syt.hanoi"}
        assert not any(r["sent"] for r in data["reminders"])
        refused = runner.invoke(app, ["remind", "--send"])
        assert refused.exit_code == 1 and "CHITIEU_SMTP_HOST" in refused.output
        bad_day = runner.invoke(app, ["remind", "--as-of", "20/11/2026"])
        assert bad_day.exit_code == 1 and "YYYY-MM-DD" in bad_day.output
        unknown = runner.invoke(app, ["remind", "--unit", "99999"])
        assert unknown.exit_code == 1
    finally:
        get_settings.cache_clear()


def test_an_address_that_is_not_one_is_refused(ready_sqlite: Engine) -> None:
    with transaction(ready_sqlite) as db, pytest.raises(UserError, match="not an address"):
        create_user(db, "entry.x", role="entry", unit_code=HK, password="x" * 12, email="no-at")
