"""Times as people in Vietnam read them. Times are stored in UTC (naive datetimes from the
database are UTC); every page, report and message that shows a time to a person shows it in
Vietnam time (UTC+7, no daylight saving) through these functions; a Vietnam date ("today",
"the 10th") begins at 17:00 UTC the day before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

#: Vietnam is UTC+7 all year (no daylight saving).
VIETNAM_OFFSET = timedelta(hours=7)
VIETNAM = timezone(VIETNAM_OFFSET, "ICT")


def vietnam_today() -> date:
    """Today's date in Vietnam."""
    return datetime.now(VIETNAM).date()


def vietnam_midnight_utc(day: date) -> datetime:
    """The moment ``day`` begins in Vietnam, as a naive UTC datetime (as times are stored)."""
    return datetime(day.year, day.month, day.day) - VIETNAM_OFFSET


def vietnam_time(moment: datetime) -> datetime:
    """``moment`` (aware, or naive meaning UTC) in Vietnam time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM)


def format_vietnam_time(moment: datetime | None, *, with_time: bool = True) -> str:
    """``dd/mm/yyyy hh:mm`` (or ``dd/mm/yyyy``) in Vietnam time; ``""`` for None."""
    if moment is None:
        return ""
    return vietnam_time(moment).strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")
