"""Service clocks: the response deadline, the customer's on-site deadline, repeat repairs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class OnsiteChoice(StrEnum):
    """Quick choices for the on-site deadline."""

    URGENT = "urgent"
    TODAY = "today"
    TOMORROW = "tomorrow"


@dataclass(frozen=True)
class DeadlinePolicy:
    """The limits on what on-site deadline a customer may ask for."""

    tz: ZoneInfo
    urgent_hours: int = 4
    day_end_hour: int = 18
    max_days: int = 30
    min_lead: timedelta = timedelta(hours=1)

    def quick_deadline(self, choice: OnsiteChoice, now: datetime) -> datetime | None:
        """The deadline a quick choice stands for, or None when it is no longer possible."""
        local = now.astimezone(self.tz)
        if choice is OnsiteChoice.URGENT:
            return now + timedelta(hours=self.urgent_hours)
        day = local.date() + timedelta(days=0 if choice is OnsiteChoice.TODAY else 1)
        deadline = datetime.combine(day, time(self.day_end_hour), self.tz).astimezone(UTC)
        return deadline if deadline - now >= self.min_lead else None

    def check(self, deadline: datetime, now: datetime) -> str | None:
        """Returns why a chosen deadline is refused ("past" or "too_far"), None if fine."""
        if deadline - now < self.min_lead:
            return "past"
        if deadline - now > timedelta(days=self.max_days):
            return "too_far"
        return None

    def selectable_days(self, now: datetime, count: int = 7) -> list[date]:
        """The next days a customer may pick from buttons."""
        today = now.astimezone(self.tz).date()
        return [today + timedelta(days=i) for i in range(1, count + 1)]

    def at_local(self, day: date, hour: int, minute: int = 0) -> datetime:
        """Turns a local day and time into UTC."""
        return datetime.combine(day, time(hour, minute), self.tz).astimezone(UTC)


def typed_example(now: datetime, tz: ZoneInfo) -> str:
    """A moment to show as the example of a typed deadline: tomorrow 14:00 local, always valid."""
    return f"{now.astimezone(tz).date() + timedelta(days=1)} 14:00"


_DATETIME_RE = re.compile(
    r"^\s*(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?"
    r"\s*[T ]?\s*(\d{1,2})(?:[:：点时](\d{2})?分?)?\s*$"
)


def parse_local_datetime(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """Reads "2026-11-25 14:00", "11-25 14:00" or "11月25日 14:00" as local time, in UTC."""
    match = _DATETIME_RE.match(text)
    if match is None:
        return None
    year_s, month_s, day_s, hour_s, minute_s = match.groups()
    local_now = now.astimezone(tz)
    year = int(year_s) if year_s else local_now.year
    # A day that does not exist (31 April; 29 February rolled to a common year) and a year at
    # the calendar's edge (0001, 9999: out of range once shifted to UTC) are unreadable.
    try:
        moment = datetime(
            year, int(month_s), int(day_s), int(hour_s), int(minute_s or 0), tzinfo=tz
        )
        if not year_s and moment < local_now - timedelta(days=1):
            moment = moment.replace(year=year + 1)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


@dataclass(frozen=True)
class EarlierCase:
    """A closed case on the same product, as the repeat rule needs it."""

    case_id: int
    closed_at: datetime


def repeat_of(earlier: list[EarlierCase], now: datetime, window_days: int) -> int | None:
    """The id of the newest case closed within the repeat window, if any."""
    cutoff = now - timedelta(days=window_days)
    recent = [c for c in earlier if cutoff <= c.closed_at <= now]
    if not recent:
        return None
    return max(recent, key=lambda c: c.closed_at).case_id
