"""``chitieu remind``: the reports overdue today and who answers for them; ``--send`` e-mails
each responsible user once a day (deploy/systemd/chitieu-remind.timer runs it)."""

from __future__ import annotations

from datetime import date, datetime

import typer

from chitieu.cli.output import FORMAT_OPTION, Format, fail, print_json
from chitieu.config import get_settings
from chitieu.store.db import make_engine, transaction


def remind(
    unit: str = typer.Option(
        "VN",
        "--unit",
        help="Chỉ các báo cáo của đơn vị này và các đơn vị bên dưới (only reports at or below "
        "this unit).",
    ),
    send: bool = typer.Option(
        False,
        "--send",
        help="Gửi thư cho người dùng qua CHITIEU_SMTP_*; không có tùy chọn này thì chỉ liệt kê "
        "(e-mail the users; without it, only list).",
    ),
    as_of: str = typer.Option(
        None,
        "--as-of",
        help="Xét quá hạn tính đến ngày này, YYYY-MM-DD, mặc định hôm nay (judge overdue as on "
        "this day; default today).",
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Nhắc báo cáo quá hạn: liệt kê từng báo cáo quá hạn và người chịu trách nhiệm; --send gửi
    thư cho mỗi người một lần mỗi ngày, có ghi nhật ký (remind users of overdue reports: list
    each overdue report and the users responsible; --send e-mails each user once a day,
    audited)."""
    from chitieu.reminders import (
        SmtpSettings,
        overdue_reports,
        reminders,
        send_reminders,
    )
    from chitieu.units.queries import UnknownUnitError

    try:
        today = datetime.strptime(as_of, "%Y-%m-%d").date() if as_of else None
    except ValueError:
        raise fail(f"--as-of {as_of!r}: expected a date written YYYY-MM-DD") from None
    settings = get_settings()
    if send and not settings.smtp_host:
        raise fail("set CHITIEU_SMTP_HOST (and the other CHITIEU_SMTP_* settings) to send")
    with transaction(make_engine()) as db:
        try:
            overdue = overdue_reports(db, unit=unit, today=today)
        except UnknownUnitError as exc:
            raise fail(str(exc)) from None
        pending, unreachable = reminders(db, overdue)
        sent: list[str] = []
        if send:
            smtp = SmtpSettings(
                host=settings.smtp_host or "",
                port=settings.smtp_port,
                username=settings.smtp_user,
                password=settings.smtp_password,
                sender=settings.smtp_from,
                starttls=settings.smtp_starttls,
            )
            sent = send_reminders(db, pending, smtp, base_url=settings.base_url, today=today)
    if fmt is Format.json:
        print_json(
            {
                "overdue": len(overdue),
                "reminders": [
                    {
                        "username": r.username,
                        "email": r.email,
                        "reports": [f"{x.reporter}:{x.period}" for x in r.reports],
                        "sent": r.username in sent,
                    }
                    for r in pending
                ],
                "unreachable": [f"{x.reporter}:{x.period}" for x in unreachable],
            }
        )
        return
    day = (today or date.today()).isoformat()
    typer.echo(f"Báo cáo quá hạn (overdue reports) on {day}: {len(overdue)}")
    for r in pending:
        mark = "đã gửi (sent)" if r.username in sent else "chưa gửi (not sent)"
        periods = ", ".join(f"{x.reporter} {x.period}" for x in r.reports)
        typer.echo(f"  {r.username} <{r.email}>: {periods} — {mark}")
    if unreachable:
        typer.echo(
            f"Không nhắc được (nobody with an e-mail address answers for): "
            f"{', '.join(f'{x.reporter_name} {x.period}' for x in unreachable)}"
        )
