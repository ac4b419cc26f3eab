"""Calendar jobs (daily digest, return visits, monthly report) as ordinary reminder rows.

Usage, in a module under scheduler/jobs/:

    @recurring("digest", next_due=daily_at(lambda s: s.digest_hour))
    async def send_digest(ctx: JobContext, reminder: Reminder) -> None: ...

`next_due(now, settings)` returns the `Occurrence` of the period `now` falls in: a period key
(a local date "2026-11-24", a month "2026-11") and the moment it is due, which may already be
past. On every sweep, before claiming, `ensure_rows` inserts the row
`f"{kind}:{occurrence.key}"` (kind, stage "run", no case) unless a row of that kind is already
due at or after that moment; the sweep then claims it once it is due, exactly once, like any
reminder. So a job runs once per period, at or after its moment, and still runs after downtime
within its period. The very first time a job is seen (no row of its kind yet) a moment already
past is not run: the job starts with the next period, so a fresh install sends no stale digest.
The handler gets the row; the period's key is in `reminder.payload["period"]`.

Helpers: `daily_at(hour)` and `monthly_at(day, hour)`, in local time (settings.timezone);
`hour`/`day` may be numbers or functions of the settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import Settings
from scheduler.registry import ReminderHandler, handles
from storage.repos import reminders

logger = logging.getLogger(__name__)

STAGE = "run"


@dataclass(frozen=True)
class Occurrence:
    """One period of a calendar job: its key and when it is due (UTC)."""

    key: str
    due_at: datetime


NextDue = Callable[[datetime, Settings], Occurrence]
SettingInt = int | Callable[[Settings], int]

SCHEDULES: dict[str, NextDue] = {}


def recurring(kind: str, *, next_due: NextDue) -> Callable[[ReminderHandler], ReminderHandler]:
    """Registers a calendar job: its schedule and its handler (kind, stage "run")."""

    def register(handler: ReminderHandler) -> ReminderHandler:
        SCHEDULES[kind] = next_due
        return handles(kind, STAGE)(handler)

    return register


def _value(setting: SettingInt, settings: Settings) -> int:
    """A number given directly or read from the settings."""
    return setting(settings) if callable(setting) else setting


def daily_at(hour: SettingInt) -> NextDue:
    """Once per local day at the given local hour."""

    def next_due(now: datetime, settings: Settings) -> Occurrence:
        today = now.astimezone(settings.tz).date()
        local = datetime.combine(today, time(_value(hour, settings)), tzinfo=settings.tz)
        return Occurrence(today.isoformat(), local.astimezone(now.tzinfo))

    return next_due


def monthly_at(day: SettingInt, hour: SettingInt) -> NextDue:
    """Once per local month, on the given day (capped at 28) and local hour."""

    def next_due(now: datetime, settings: Settings) -> Occurrence:
        local_now = now.astimezone(settings.tz)
        first = local_now.date().replace(day=1)
        when = first + timedelta(days=min(max(_value(day, settings), 1), 28) - 1)
        local = datetime.combine(when, time(_value(hour, settings)), tzinfo=settings.tz)
        return Occurrence(first.strftime("%Y-%m"), local.astimezone(now.tzinfo))

    return next_due


def _following(next_due: NextDue, occurrence: Occurrence, settings: Settings) -> Occurrence:
    """The occurrence of the period after this one (probing forward hour by hour)."""
    probe = occurrence.due_at
    for _ in range(24 * 400):
        probe += timedelta(hours=1)
        following = next_due(probe, settings)
        if following.key != occurrence.key and following.due_at > occurrence.due_at:
            return following
    raise ValueError("a calendar job without a next period")


async def ensure_rows(session: AsyncSession, *, now: datetime, settings: Settings) -> int:
    """Inserts the current period's row of every calendar job unless one is there; new rows."""
    created = 0
    for kind, next_due in SCHEDULES.items():
        occurrence = next_due(now, settings)
        latest = await reminders.latest_due(session, kind=kind)
        if latest is not None and latest >= occurrence.due_at:
            continue
        if latest is None and occurrence.due_at <= now:
            occurrence = _following(next_due, occurrence, settings)
        created += await reminders.schedule(
            session,
            key=f"{kind}:{occurrence.key}",
            kind=kind,
            stage=STAGE,
            due_at=occurrence.due_at,
            payload={"period": occurrence.key},
        )
    if created:
        logger.info("%s calendar job(s) planned", created)
    return created
