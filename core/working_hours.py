"""Reading the working-hours settings: the weekly hours and the holidays file.

Only the text is read here (settings are checked at start-up, and core may not use domain);
the calendar arithmetic on what this returns is `domain.working_time`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# Minutes after local midnight: (start, end), end up to 24:00 = 1440.
Span = tuple[int, int]
# One tuple of spans per weekday, Monday first (date.weekday()).
Week = tuple[tuple[Span, ...], ...]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Days (letters, "-", ",") then hours (from the first digit on).
_PART = re.compile(r"^([A-Za-z][A-Za-z ,\-]*?)\s*(\d.*)$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
# Words after a date in the holidays file that make it a make-up working day (调休 / 补班).
WORKDAY_WORDS = frozenset({"work", "workday", "上班", "补班"})


def _day(word: str) -> int:
    """The weekday (Monday 0) a day name stands for."""
    name = word.strip().lower()
    for names in (DAYS, _FULL_DAYS):
        if name in names:
            return names.index(name)
    raise ValueError(f"unknown day {word.strip()!r} (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)")


def _days(text: str) -> list[int]:
    """The weekdays of "Mon-Fri", "Sat", "Mon,Wed,Fri" or "Fri-Mon" (wrapping round)."""
    found: list[int] = []
    for item in text.split(","):
        if "-" in item:
            first_s, last_s = item.split("-", 1)
            first, last = _day(first_s), _day(last_s)
            found += [(first + i) % 7 for i in range((last - first) % 7 + 1)]
        else:
            found.append(_day(item))
    return found


def _minutes(text: str) -> int:
    """Minutes after midnight of "09:00" (24:00 allowed as the end of the day)."""
    match = _TIME.match(text.strip())
    if match is None:
        raise ValueError(f"{text.strip()!r} is not a time (use HH:MM)")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"{text.strip()!r} is not a time of day")
    return hours * 60 + minutes


def _span(text: str) -> Span:
    """The minutes of "09:00-18:00"; a range past midnight must be split in two."""
    if text.count("-") != 1:
        raise ValueError(f"{text!r} is not a time range (use HH:MM-HH:MM)")
    start_s, end_s = text.split("-")
    start, end = _minutes(start_s), _minutes(end_s)
    if start >= end:
        raise ValueError(
            f"{text!r} ends before it starts (a range over midnight: split it at 24:00)"
        )
    return start, end


def _merged(spans: list[Span]) -> tuple[Span, ...]:
    """Spans sorted, overlapping or touching ones joined."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def parse_week(text: str) -> Week:
    """Reads "Mon-Fri 09:00-18:00; Sat 09:00-12:00" (raises ValueError saying what is wrong).

    Each part is days then one or more time ranges ("Mon-Fri 09:00-12:00,13:00-18:00");
    parts are separated by ";". A day named twice works the hours of both parts.
    """
    per_day: list[list[Span]] = [[] for _ in DAYS]
    parts = [part.strip() for part in text.split(";") if part.strip()]
    if not parts:
        raise ValueError("no working hours given (e.g. 'Mon-Fri 09:00-18:00')")
    for part in parts:
        match = _PART.match(part)
        if match is None:
            raise ValueError(f"{part!r} needs days and hours (e.g. 'Mon-Fri 09:00-18:00')")
        days_s, spans_s = match.groups()
        days = _days(days_s.replace(" ", ""))
        spans = [_span(item.strip()) for item in spans_s.split(",")]
        for day in days:
            per_day[day] += spans
    return tuple(_merged(spans) for spans in per_day)


@dataclass(frozen=True)
class Holidays:
    """The holidays file: days off, and make-up working days (调休) that work anyway."""

    days_off: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()


def parse_holidays(text: str) -> Holidays:
    """Reads one ISO date per line, "#" comments; "DATE work" marks a make-up working day."""
    days_off: set[date] = set()
    workdays: set[date] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in WORKDAY_WORDS):
            raise ValueError(f"line {number}: {line!r} is not 'YYYY-MM-DD' or 'YYYY-MM-DD work'")
        try:
            day = date.fromisoformat(words[0])
        except ValueError:
            raise ValueError(f"line {number}: {words[0]!r} is not a date (YYYY-MM-DD)") from None
        (workdays if len(words) == 2 else days_off).add(day)
    both = sorted(days_off & workdays)
    if both:
        raise ValueError(f"{both[0].isoformat()} is both a holiday and a working day")
    return Holidays(frozenset(days_off), frozenset(workdays))


def read_holidays(path: Path) -> Holidays:
    """Reads and checks the holidays file (UTF-8, a BOM allowed)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValueError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{str(path)!r} is not UTF-8 text") from None
    return parse_holidays(text)
