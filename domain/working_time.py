"""Working time: a week of local working hours, holidays and make-up days, and clock maths.

With no calendar the clock is the 24-hour one (every moment counts); with one, a span of
working time is counted only inside the department's working hours, in its time zone, and the
result is always the real moment (UTC) it ends at. A span that ends exactly at closing time
ends then (not at the next opening), so "due by 18:00 Friday" is what people are shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Minutes after local midnight (start, end); one tuple of spans per weekday, Monday first.
Span = tuple[int, int]
Week = tuple[tuple[Span, ...], ...]

# No working week is this sparse: a span still not used up after so many days means the
# calendar has (almost) no working time left, which the settings check rules out.
HORIZON_DAYS = 3660


@dataclass(frozen=True)
class WorkingCalendar:
    """When the department works: weekly hours, days off, make-up working days (调休)."""

    week: Week
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    days_off: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def spans_of(self, day: date) -> tuple[Span, ...]:
        """The working spans of a local day: none on a holiday; a make-up day works the hours
        of the first working weekday (Monday first)."""
        if day in self.days_off:
            return ()
        if day in self.workdays:
            return next((spans for spans in self.week if spans), ())
        return self.week[day.weekday()]

    def periods(
        self, start: datetime, until: datetime | None = None
    ) -> Iterator[tuple[datetime, datetime]]:
        """The working periods (UTC) from the local day of `start` to that of `until`."""
        first = start.astimezone(self.tz).date()
        days = HORIZON_DAYS
        if until is not None:
            days = (until.astimezone(self.tz).date() - first).days + 1
        for offset in range(days):
            day = first + timedelta(days=offset)
            for begin, end in self.spans_of(day):
                yield self._moment(day, begin), self._moment(day, end)
        if until is None:
            raise ValueError("the working calendar has no working time left")

    def _moment(self, day: date, minutes: int) -> datetime:
        """Minutes after local midnight of a day, as a UTC moment (24:00 = next midnight)."""
        # Aware arithmetic is on the wall clock: the offset is the one of the local result.
        return (datetime.combine(day, time(), self.tz) + timedelta(minutes=minutes)).astimezone(
            UTC
        )


def add_working(start: datetime, span: timedelta, calendar: WorkingCalendar | None) -> datetime:
    """The real moment `span` of working time after `start` (plain addition without calendar)."""
    if calendar is None:
        return start + span
    left = span
    if left <= timedelta(0):
        return start
    for begin, end in calendar.periods(start):
        if end <= start:
            continue
        begin = max(begin, start)
        if left <= end - begin:
            return (begin + left).astimezone(start.tzinfo)
        left -= end - begin
    raise AssertionError("periods() never ends without raising")  # pragma: no cover


def working_between(start: datetime, end: datetime, calendar: WorkingCalendar | None) -> timedelta:
    """How much working time lies between two moments (the plain difference without calendar)."""
    if calendar is None:
        return max(end - start, timedelta(0))
    total = timedelta(0)
    if end <= start:
        return total
    for begin, finish in calendar.periods(start, until=end):
        overlap = min(finish, end) - max(begin, start)
        if overlap > timedelta(0):
            total += overlap
    return total
