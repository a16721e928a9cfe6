"""Times as people in Vietnam read them. Times are stored in UTC (naive datetimes from the
database are UTC); every page, report and message that shows a time to a person shows it in
Vietnam time (UTC+7, no daylight saving) through these two functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7), "ICT")


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
