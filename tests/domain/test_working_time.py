"""Working-time arithmetic of the response clock (weekly hours, holidays, make-up days)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.working_hours import parse_holidays, parse_week
from domain.policy import ServicePolicy
from domain.reminders import response_clock
from domain.working_time import WorkingCalendar, add_working, working_between

SHANGHAI = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)


def _cal(week: str, holidays: str = "", tz: ZoneInfo = SHANGHAI) -> WorkingCalendar:
    days = parse_holidays(holidays)
    return WorkingCalendar(parse_week(week), tz, days.days_off, days.workdays)


def _at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A Shanghai moment of 2026 (23 November is a Monday), as UTC like every stored moment."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


OFFICE = _cal("Mon-Fri 09:00-18:00")


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (_at(23, 10), 4, _at(23, 14)),  # inside one day
        (_at(23, 17), 1, _at(23, 18)),  # ends at closing time, not at the next opening
        (_at(23, 17), 2, _at(24, 10)),  # over the night
        (_at(27, 17), 4, _at(30, 12)),  # Friday 17:00: over the weekend to Monday
        (_at(28, 11), 4, _at(30, 13)),  # starts on Saturday: counts from Monday 09:00
        (_at(23, 7), 2, _at(23, 11)),  # before opening
        (_at(23, 20), 2, _at(24, 11)),  # after closing
        (_at(27, 17), 24, _at(2, 14, month=12)),  # 24 h standard, spread over five days
    ],
)
def test_add_working_counts_only_office_hours(start: datetime, hours: int, due: datetime) -> None:
    assert add_working(start, hours * H, OFFICE) == due
    assert working_between(start, due, OFFICE) == hours * H


def test_without_a_calendar_the_clock_is_the_24_hour_one() -> None:
    start = _at(27, 17)
    assert add_working(start, 24 * H, None) == start + 24 * H
    assert working_between(start, start + 30 * H, None) == 30 * H
    assert working_between(start, start - H, None) == timedelta(0)


def test_working_between_skips_nights_weekends_and_ignores_reversed_spans() -> None:
    assert working_between(_at(27, 12), _at(30, 12), OFFICE) == 9 * H
    assert working_between(_at(28, 9), _at(29, 20), OFFICE) == timedelta(0)
    assert working_between(_at(30, 12), _at(27, 12), OFFICE) == timedelta(0)


def test_a_holiday_is_skipped_and_a_make_up_day_works() -> None:
    text = "# National Day week\n2026-11-30\n\n2026-11-29 work  # 调休\n"
    calendar = _cal("Mon-Fri 09:00-18:00", text)
    assert calendar.days_off == {date(2026, 11, 30)}
    # Friday 17:00 + 4 h: 1 h on Friday, then Sunday 29th works (make-up), Monday does not.
    assert add_working(_at(27, 17), 4 * H, calendar) == _at(29, 12)
    holiday_only = _cal("Mon-Fri 09:00-18:00", "2026-11-30")
    assert add_working(_at(27, 17), 4 * H, holiday_only) == _at(1, 12, month=12)


def test_several_ranges_a_lunch_break_and_a_short_saturday() -> None:
    calendar = _cal("Mon-Fri 09:00-12:00, 13:00-18:00; Sat 09:00-12:00")
    assert add_working(_at(23, 11), 2 * H, calendar) == _at(23, 14)  # lunch skipped
    assert add_working(_at(27, 17), 4 * H, calendar) == _at(28, 12)  # Saturday morning
    assert add_working(_at(27, 17), 5 * H, calendar) == _at(30, 10)
    assert working_between(_at(27, 0), _at(30, 0), calendar) == 11 * H


def test_a_clock_change_keeps_local_working_hours() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    calendar = _cal("Mon-Fri 09:00-17:00", tz=berlin)
    # Friday 2026-10-23 16:00 CEST + 2 h: Monday 26 October 10:00 CET (after the change).
    start = datetime(2026, 10, 23, 16, tzinfo=berlin)
    assert add_working(start, 2 * H, calendar) == datetime(2026, 10, 26, 10, tzinfo=berlin)


def test_the_response_clock_plans_its_reminder_and_breach_in_working_time() -> None:
    policy = ServicePolicy(response=4 * H, working=OFFICE)
    remind, breach = response_clock(_at(27, 17), policy, 0)
    assert (remind.due_at, breach.due_at) == (_at(30, 11), _at(30, 12))
    assert policy.response_due(_at(27, 17)) == _at(30, 12)
    assert policy.response_elapsed(_at(27, 17), _at(30, 11)) == 3 * H
    plain = response_clock(_at(27, 17), ServicePolicy(), 0)
    assert [r.due_at for r in plain] == [_at(28, 11), _at(28, 17)]


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("Mon-Fri", "needs days and hours"),
        ("Mon-Fry 09:00-18:00", "unknown day 'Fry'"),
        ("Mon-Fri 9-18", "not a time"),
        ("Mon-Fri 18:00-09:00", "ends before it starts"),
        ("Mon-Fri 09:00-25:00", "not a time of day"),
        ("Mon-Fri 09:60-18:00", "not a time of day"),
        (" ; ", "no working hours"),
    ],
)
def test_unreadable_working_hours_say_what_is_wrong(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_week(text)


def test_day_lists_wrapping_ranges_and_full_day() -> None:
    week = parse_week("Mon, Wed 08:00-12:00; Fri-Sun 00:00-24:00; wednesday 11:00-13:00")
    assert week[0] == ((480, 720),) and week[1] == ()
    assert week[2] == ((480, 780),)  # overlapping ranges of one day joined
    assert week[4:] == (((0, 1440),),) * 3


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("2026-02-30", "line 1: '2026-02-30' is not a date"),
        ("# ok\n2026-10-01 holiday", "line 2"),
        ("2026-10-01\n2026-10-01 work", "both a holiday and a working day"),
    ],
)
def test_unreadable_holidays_say_which_line(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_holidays(text)
