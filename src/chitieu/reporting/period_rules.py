"""Which periods a data element may receive: its data sets' period types and the future
periods they open (DHIS2's ``openFuturePeriods``), judged against a day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from chitieu.catalog.periods import Period, PeriodType, period_of_day
from chitieu.reporting import summary as sm


@dataclass(frozen=True)
class DataSetRule:
    """The periods a data set accepts: its period type and how many future periods it opens
    (DHIS2's ``openFuturePeriods``; 0 means up to the current period)."""

    data_set: str
    period_type: PeriodType | None
    open_future_periods: int = 0


@dataclass
class PeriodRules:
    """Which periods an element may receive, judged against ``today``.

    A period of a type none of the element's data sets has is refused (E7632); a period after
    the latest open one — the current period of its type, moved on by the data set's open
    future periods — is refused (E7641). Elements in no data set with a period type are only
    held to the second rule, with no future periods open."""

    today: date
    by_element: dict[str, list[DataSetRule]] = field(default_factory=dict)
    _latest: dict[tuple[PeriodType, int], Period] = field(default_factory=dict, repr=False)
    _judged: dict[tuple[str, Period], tuple[str, str, str] | None] = field(
        default_factory=dict, repr=False
    )

    def latest_open(self, ptype: PeriodType, future: int) -> Period:
        key = (ptype, future)
        if key not in self._latest:
            p = period_of_day(ptype, self.today)
            for _ in range(future):
                p = period_of_day(ptype, p.end + timedelta(days=1))
            self._latest[key] = p
        return self._latest[key]

    def problem(self, element: str, period: Period) -> tuple[str, str, str] | None:
        """(errorCode, reason in English, reason in Vietnamese) when ``period`` is refused."""
        key = (element, period)
        if key not in self._judged:
            self._judged[key] = self._judge(element, period)
        return self._judged[key]

    def _judge(self, element: str, period: Period) -> tuple[str, str, str] | None:
        rules = [r for r in self.by_element.get(element, ()) if r.period_type is not None]
        matching = [r for r in rules if r.period_type == period.type]
        if rules and not matching:
            sets = ", ".join(f"{r.data_set} ({r.period_type})" for r in rules)
            return (
                sm.E_PERIOD_TYPE,
                f"Period type of period `{period.code}` ({period.type.value}) not valid for data "
                f"element `{element}`: its data sets are {sets}",
                f"Loại kỳ của `{period.code}` ({period.type.value}) không hợp lệ cho chỉ tiêu "
                f"`{element}`: bộ dữ liệu {sets}",
            )
        future = max((r.open_future_periods for r in matching), default=0)
        latest = self.latest_open(period.type, future)
        if period.start > latest.end:
            return (
                sm.E_FUTURE_PERIOD,
                f"Period `{period.code}` is after latest open future period `{latest.code}` "
                f"for data element `{element}` (today is {self.today.isoformat()})",
                f"Kỳ `{period.code}` sau kỳ mở muộn nhất `{latest.code}` cho chỉ tiêu "
                f"`{element}` (hôm nay là {self.today.isoformat()})",
            )
        return None
