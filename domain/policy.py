"""The service standard's numbers, as the rules need them (built from the settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.working_time import WorkingCalendar, add_working, working_between


@dataclass(frozen=True)
class ServicePolicy:
    """Windows and limits of the service standard."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    response: timedelta = timedelta(hours=24)
    response_reminder_ratio: float = 0.75
    accept_reminder: timedelta = timedelta(minutes=30)
    accept_timeout: timedelta = timedelta(minutes=60)
    onsite_pings: tuple[timedelta, ...] = (timedelta(hours=2), timedelta(minutes=30))
    report_reminder: timedelta = timedelta(hours=4)
    quote_reminder: timedelta = timedelta(hours=24)
    quote_flag: timedelta = timedelta(hours=72)
    confirm_autoclose: timedelta = timedelta(hours=48)
    survey_delay: timedelta = timedelta(hours=1)
    survey_reminder: timedelta = timedelta(hours=24)
    survey_expiry: timedelta = timedelta(days=7)
    repeat_window_days: int = 30
    return_visit_days: int = 90
    max_onsite_days: int = 30
    urgent_onsite_hours: int = 4
    day_end_hour: int = 18
    # The response clock's working hours; None is the 24-hour clock (every moment counts).
    working: WorkingCalendar | None = None

    def response_due(self, start: datetime, share: float = 1.0) -> datetime:
        """The real moment a share of the response window from `start` ends."""
        return add_working(start, self.response * share, self.working)

    def response_elapsed(self, start: datetime, now: datetime) -> timedelta:
        """How much of the response window has run between two moments."""
        return working_between(start, now, self.working)
