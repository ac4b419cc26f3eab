"""Strict readers for numbers, days and months that arrive as text (URLs, forms, commands).

Python's own readers are too kind for input from outside: `"²".isdigit()` is true but `int("²")`
fails, `int("٣")` is 3, `date.fromisoformat` takes "20261101", and a year such as 1 or 9999
overflows once shifted to UTC. Everything from outside goes through these instead.
"""

from __future__ import annotations

import re
from datetime import date

ROW_ID_MAX = 2**31 - 1  # rows are numbered in INTEGER columns (int4 on PostgreSQL)
BIGINT_MAX = 2**63 - 1  # Telegram's numbers (update ids, chat ids) are kept in BIGINT
# Days and months the product can mean: anything else is a typo or a probe.
FIRST_YEAR = 1970
LAST_YEAR = 2199

_ID = re.compile(r"[0-9]{1,10}")
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def parse_id(text: str | None) -> int | None:
    """A row id: ASCII digits only, 1 to ROW_ID_MAX; anything else None."""
    if text is None or not _ID.fullmatch(text):
        return None
    value = int(text)
    return value if is_id(value) else None


def is_id(value: object) -> bool:
    """Whether a value (say, from JSON) is an int a row id column can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ROW_ID_MAX


def is_telegram_number(value: object) -> bool:
    """Whether a value is a positive int a BIGINT column (update ids, chat ids) can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= BIGINT_MAX


def parse_count(text: str | None, *, maximum: int) -> int | None:
    """A typed quantity: ASCII digits only, 1 to maximum; anything else None."""
    value = parse_id(text)
    return value if value is not None and value <= maximum else None


def parse_day(text: str | None) -> date | None:
    """A day written YYYY-MM-DD (ASCII digits) within FIRST_YEAR..LAST_YEAR, or None."""
    match = _DAY.fullmatch(text or "")
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_month(text: str | None) -> date | None:
    """A month written YYYY-MM within FIRST_YEAR..LAST_YEAR, as its first day, or None."""
    match = _MONTH.fullmatch(text or "")
    return parse_day(f"{match[1]}-{match[2]}-01") if match is not None else None
