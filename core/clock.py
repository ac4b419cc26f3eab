"""Clocks: the wall clock in production, a movable one for tests and the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current UTC time."""

    def now(self) -> datetime:
        """Returns the current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """Returns the wall-clock time in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests, the sandbox's time control)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 23, 1, 0, tzinfo=UTC)

    def now(self) -> datetime:
        """Returns the set time."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Moves the clock forward and returns the new time."""
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        """Puts the clock at a given moment."""
        self._now = moment
