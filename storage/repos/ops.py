"""Operational numbers for /metrics and /readyz, read from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, OutboxMessage, Reminder
from storage.repos.dashboard import BOARD_STATUSES, OPEN_JOB_STATUSES


@dataclass(frozen=True)
class OpsSnapshot:
    """The numbers /metrics and /readyz read from the database."""

    outbox: dict[str, int]
    oldest_due_outbox: datetime | None
    reminders_due: int
    open_by_status: dict[str, int]
    breaches: dict[tuple[str, str], int]


async def ping(session: AsyncSession) -> None:
    """One trivial statement: raises if the database cannot be reached."""
    await session.execute(text("SELECT 1"))


async def ops_snapshot(session: AsyncSession, *, now: datetime) -> OpsSnapshot:
    """Outbox backlog, due reminders, open cases and current SLA breaches."""
    outbox = {
        row[0]: row[1]
        for row in await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
    }
    oldest = await session.scalar(
        select(func.min(OutboxMessage.not_before)).where(OutboxMessage.status == "pending")
    )
    due = await session.scalar(
        select(func.count())
        .select_from(Reminder)
        .where(Reminder.due_at <= now, Reminder.sent_at.is_(None), Reminder.cancelled_at.is_(None))
    )
    by_status = {
        row[0]: row[1]
        for row in await session.execute(
            select(Case.status, func.count())
            .where(Case.status.in_(BOARD_STATUSES))
            .group_by(Case.status)
        )
    }
    breaches: dict[tuple[str, str], int] = {}
    response = await session.execute(
        select(Case.kind, func.count())
        .where(Case.status == "new", Case.responded_at.is_(None), Case.response_due_at < now)
        .group_by(Case.kind)
    )
    for kind, count in response:
        breaches[("response", kind)] = int(count)
    onsite = await session.execute(
        select(Case.kind, func.count())
        .where(
            Case.status.in_(("new", *OPEN_JOB_STATUSES[:-1])),
            Case.arrived_at.is_(None),
            Case.onsite_due_at < now,
        )
        .group_by(Case.kind)
    )
    for kind, count in onsite:
        breaches[("onsite", kind)] = int(count)
    return OpsSnapshot(
        outbox={str(k): int(v) for k, v in outbox.items()},
        oldest_due_outbox=oldest,
        reminders_due=int(due or 0),
        open_by_status={str(k): int(v) for k, v in by_status.items()},
        breaches=breaches,
    )
