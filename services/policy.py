"""The service policy (deadlines, reminders, working hours) the settings describe.

Here, not in the bot: the scheduler, the command line and the bench build it too, without
importing the bot's handlers.
"""

from __future__ import annotations

from datetime import timedelta

from core.settings import Settings
from domain.policy import ServicePolicy
from domain.working_time import WorkingCalendar


def working_calendar(settings: Settings) -> WorkingCalendar | None:
    """The response clock's working hours and holidays; None is the 24-hour clock."""
    week = settings.working_week
    if week is None:
        return None
    holidays = settings.holidays
    return WorkingCalendar(
        week=week, tz=settings.tz, days_off=holidays.days_off, workdays=holidays.workdays
    )


def policy_from(settings: Settings) -> ServicePolicy:
    """The service policy the settings describe."""
    return ServicePolicy(
        tz=settings.tz,
        response=timedelta(hours=settings.response_hours),
        response_reminder_ratio=settings.response_reminder_ratio,
        accept_reminder=timedelta(minutes=settings.accept_reminder_minutes),
        accept_timeout=timedelta(minutes=settings.accept_timeout_minutes),
        onsite_pings=tuple(timedelta(minutes=m) for m in settings.onsite_ping_minutes),
        report_reminder=timedelta(hours=settings.report_reminder_hours),
        quote_reminder=timedelta(hours=settings.quote_reminder_hours),
        quote_flag=timedelta(hours=settings.quote_flag_hours),
        confirm_autoclose=timedelta(hours=settings.confirm_autoclose_hours),
        survey_delay=timedelta(hours=settings.survey_delay_hours),
        survey_reminder=timedelta(hours=settings.survey_reminder_hours),
        survey_expiry=timedelta(days=settings.survey_expiry_days),
        repeat_window_days=settings.repeat_window_days,
        return_visit_days=settings.return_visit_days,
        max_onsite_days=settings.max_onsite_days,
        urgent_onsite_hours=settings.urgent_onsite_hours,
        day_end_hour=settings.working_day_end_hour,
        working=working_calendar(settings),
    )
