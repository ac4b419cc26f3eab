"""Case numbers: SR-YYYYMMDD-NNNN for service requests, CP-… for complaints, per local day."""

from __future__ import annotations

import re
from datetime import date

SERVICE_SERIES = "SR"
COMPLAINT_SERIES = "CP"
CASE_NUMBER_RE = re.compile(r"^(?:SR|CP)-(\d{8})-(\d{4,})$")


def format_case_number(day: date, sequence: int, series: str = SERVICE_SERIES) -> str:
    """Formats the sequence-th case of a day's series as SR-20261123-0042 (or CP-…)."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{series}-{day:%Y%m%d}-{sequence:04d}"


def parse_case_number(text: str) -> tuple[date, int] | None:
    """Reads a typed case number back into (day, sequence); None if it is not one."""
    match = CASE_NUMBER_RE.match(text.strip().upper())
    if match is None:
        return None
    raw_day, raw_seq = match.groups()
    try:
        day = date(int(raw_day[:4]), int(raw_day[4:6]), int(raw_day[6:]))
    except ValueError:
        return None
    return day, int(raw_seq)
