"""SLA badges: how long until a deadline, or that it was missed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.models import Case

SOON = timedelta(hours=2)
WAITING_FOR_VISIT = ("new", "assigned", "accepted", "quote_pending")


@dataclass(frozen=True)
class Badge:
    """One badge: catalog key, minutes left (or overdue) and how urgent it looks."""

    key: str
    minutes: int
    level: str


def minutes_of(span: timedelta) -> int:
    """Whole minutes of a duration, never negative."""
    return max(0, int(span.total_seconds() // 60))


def duration_parts(minutes: int) -> tuple[str, dict[str, int]]:
    """The catalog key and arguments that show a duration compactly."""
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return "web.duration.days", {"d": days, "h": hours}
    if hours:
        return "web.duration.hours", {"h": hours, "m": mins}
    return "web.duration.minutes", {"m": mins}


def _badge(kind: str, due: datetime, now: datetime) -> Badge:
    """The badge of one deadline."""
    if now >= due:
        return Badge(f"web.badge.{kind}_breached", minutes_of(now - due), "late")
    left = due - now
    return Badge(f"web.badge.{kind}_due", minutes_of(left), "soon" if left <= SOON else "ok")


def badges(case: Case, now: datetime) -> list[Badge]:
    """The badges of a case's open service-standard clocks."""
    found = []
    if case.status == "new" and case.responded_at is None:
        found.append(_badge("response", case.response_due_at, now))
    if (
        case.onsite_due_at is not None
        and case.arrived_at is None
        and case.status in WAITING_FOR_VISIT
    ):
        found.append(_badge("onsite", case.onsite_due_at, now))
    return found
