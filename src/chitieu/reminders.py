"""Reminders for overdue reports: which reports the reporting calendar says are overdue today,
who is responsible for each, and the e-mail each of them gets (one a day, all their overdue
reports in it, Vietnamese first, English below).

* A commune's **monthly report** is overdue once its due moment (:data:`calendar.MONTHLY`) has
  passed and the report is missing or still a draft. Communes that owe it: those that have an
  active data-entry user, and those that have sent a monthly report this year.
* A body's **quarterly activity report** under a plan is overdue as
  :func:`chitieu.plans.tracking.reporting_status` says (the calendar's :data:`QUARTERLY`).

The data-entry users of the commune are responsible for its report; the members and delegates
of the body for the body's. A responsible user without an e-mail address cannot be reminded:
the report is listed as unreachable, for the province to follow up by phone.
"""

from __future__ import annotations

import smtplib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from chitieu.catalog.clock import vietnam_midnight_utc, vietnam_today
from chitieu.catalog.messages import LANGUAGES, message
from chitieu.plans.tracking import reporting_status
from chitieu.reporting.calendar import MONTHLY
from chitieu.reporting.state import REPORT_ELEMENTS, report_states
from chitieu.store.audit import SYSTEM_ACTOR, record_change
from chitieu.store.models import AuditEntry, BodyMember, DataValue, Plan, Unit, User
from chitieu.units.queries import get_unit, in_subtree

#: The audit action of a reminder sent: one a user a day.
REMIND_ACTION = "remind"


@dataclass(frozen=True, slots=True)
class OverdueReport:
    """A report not sent by its due date: ``kind`` is ``monthly`` (a commune's) or
    ``quarterly`` (a body's or a commune's plan report, with its ``plan``)."""

    kind: str
    reporter: str  # commune code or body code
    reporter_name: str
    period: str
    due: date
    plan: str | None = None


@dataclass(slots=True)
class Reminder:
    """One e-mail: a user and every overdue report they answer for."""

    username: str
    email: str
    full_name: str | None
    reports: list[OverdueReport] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    sender: str = "chitieu <chitieu@localhost>"
    starttls: bool = True
    timeout: float = 30.0


def _owing_monthly(db: Session, path: str, year: int) -> dict[str, str]:
    """Communes below ``path`` owing monthly reports in ``year``, with their names."""
    communes = select(Unit.code).where(in_subtree(path), Unit.level == "commune")
    with_user = select(User.unit_code).where(
        User.active.is_(True), User.role == "entry", User.unit_code.in_(communes)
    )
    reported = select(DataValue.unit_code).where(
        DataValue.unit_code.in_(communes),
        DataValue.element_code.in_(REPORT_ELEMENTS),
        DataValue.period.like(f"{year:04d}__"),
        func.length(DataValue.period) == 6,
    )
    codes = set(db.scalars(with_user)) | set(db.scalars(reported.distinct()))
    names = db.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes)))
    return {code: name for code, name in names}


def overdue_monthly(db: Session, path: str, today: date) -> list[OverdueReport]:
    """Monthly commune reports of ``today``'s year that are overdue on ``today``."""
    periods = [p.code for p in MONTHLY.periods_of_year(today.year) if MONTHLY.is_past_due(p, today)]
    if not periods:
        return []
    owing = _owing_monthly(db, path, today.year)
    states = report_states(db, list(owing), periods)
    out = []
    for code, name in sorted(owing.items()):
        for period in periods:
            state = states.get((code, period))
            if state is None or state.status in ("empty", "draft"):
                out.append(OverdueReport("monthly", code, name, period, MONTHLY.due_date(period)))
    return out


def overdue_quarterly(db: Session, path: str, today: date) -> list[OverdueReport]:
    """Plan activity reports of ``today``'s year that are overdue, for plans at or below
    ``path``."""
    plans = db.scalars(
        select(Plan.code)
        .join(Unit, Unit.code == Plan.unit_code)
        .where(in_subtree(path), Plan.start_year <= today.year, Plan.end_year >= today.year)
        .order_by(Plan.code)
    )
    out = []
    for plan in plans:
        status = reporting_status(db, plan, as_of=today, year=today.year)
        out += [
            OverdueReport("quarterly", c.reporter, c.name, c.period, c.due, plan)
            for c in status.overdue()
        ]
    return out


def overdue_reports(
    db: Session, *, unit: str = "VN", today: date | None = None
) -> list[OverdueReport]:
    """Every report overdue on ``today`` (Vietnam date, default today) at or below ``unit``."""
    today = today or vietnam_today()
    path = get_unit(db, unit).path
    return overdue_monthly(db, path, today) + overdue_quarterly(db, path, today)


def reminders(
    db: Session, overdue: Sequence[OverdueReport]
) -> tuple[list[Reminder], list[OverdueReport]]:
    """Group ``overdue`` by the users responsible: the communes' active data-entry users, the
    bodies' members and delegates. Returns the reminders (users with an e-mail address) and
    the reports nobody can be reminded of."""
    communes = {r.reporter for r in overdue if r.kind == "monthly" or _is_commune(r)}
    bodies = {r.reporter for r in overdue} - communes
    responsible: dict[str, list[tuple[str, str | None, str | None]]] = defaultdict(list)
    users = db.execute(
        select(User.unit_code, User.username, User.email, User.full_name).where(
            User.active.is_(True), User.role == "entry", User.unit_code.in_(communes)
        )
    )
    for unit, username, email, name in users:
        responsible[unit].append((username, email, name))
    members = db.execute(
        select(BodyMember.body_code, User.username, User.email, User.full_name)
        .join(User, and_(User.username == BodyMember.username, User.active.is_(True)))
        .where(BodyMember.body_code.in_(bodies))
    )
    for body, username, email, name in members:
        responsible[body].append((username, email, name))
    by_user: dict[str, Reminder] = {}
    unreachable = []
    for report in overdue:
        reachable = [(u, e, n) for u, e, n in responsible[report.reporter] if e]
        if not reachable:
            unreachable.append(report)
        for username, email, name in reachable:
            by_user.setdefault(username, Reminder(username, email, name)).reports.append(report)
    return sorted(by_user.values(), key=lambda r: r.username), unreachable


def _is_commune(report: OverdueReport) -> bool:
    return report.reporter.isdigit() and len(report.reporter) == 5


def compose(reminder: Reminder, *, sender: str, base_url: str | None, today: date) -> EmailMessage:
    """The e-mail for ``reminder``: the Vietnamese text, then the English one."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = reminder.email
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="chitieu")
    count = len(reminder.reports)
    subject = [message("remind_subject", lang, count=count) for lang in LANGUAGES]
    msg["Subject"] = f"{subject[0]} / {subject[1].removeprefix('[chitieu] ')}"
    parts = [_body(reminder, lang, base_url, today) for lang in LANGUAGES]
    msg.set_content("\n\n—\n\n".join(parts) + "\n")
    return msg


def _body(reminder: Reminder, lang: str, base_url: str | None, today: date) -> str:
    day_format = "%d/%m/%Y" if lang == "vi" else "%d %b %Y"
    lines = [
        message("remind_greeting", lang, name=reminder.full_name or reminder.username),
        "",
        message("remind_intro", lang, day=today.strftime(day_format)),
    ]
    for r in reminder.reports:
        key = "remind_monthly" if r.kind == "monthly" else "remind_quarterly"
        text = message(
            key,
            lang,
            period=r.period,
            plan=r.plan,
            reporter=r.reporter_name,
            due=r.due.strftime(day_format),
        )
        lines.append(f"  • {text}")
    if base_url:
        lines += ["", message("remind_link", lang, url=base_url.rstrip("/") + "/")]
    lines += ["", message("remind_footer", lang)]
    return "\n".join(lines)


def already_reminded(db: Session, today: date) -> set[str]:
    """Users a reminder was sent to on ``today`` (Vietnam date)."""
    start = vietnam_midnight_utc(today)
    return set(
        db.scalars(
            select(AuditEntry.row_key).where(
                AuditEntry.action == REMIND_ACTION, AuditEntry.at >= start
            )
        )
    )


def send_reminders(
    db: Session,
    pending: Iterable[Reminder],
    smtp: SmtpSettings,
    *,
    base_url: str | None = None,
    today: date | None = None,
) -> list[str]:
    """E-mail every reminder of ``pending`` not already sent today, each audited in the
    caller's transaction; return the usernames sent to. SMTP errors propagate (those sent
    before the error stay audited when the caller commits)."""
    today = today or vietnam_today()
    done = already_reminded(db, today)
    todo = [r for r in pending if r.username not in done]
    sent: list[str] = []
    if not todo:
        return sent
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.username:
            server.login(smtp.username, smtp.password or "")
        for reminder in todo:
            server.send_message(
                compose(reminder, sender=smtp.sender, base_url=base_url, today=today)
            )
            record_change(
                db,
                actor=SYSTEM_ACTOR,
                action=REMIND_ACTION,
                table="users",
                key=reminder.username,
                after={
                    "email": reminder.email,
                    "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "reports": [f"{r.reporter}:{r.period}" for r in reminder.reports],
                },
            )
            sent.append(reminder.username)
    return sent
