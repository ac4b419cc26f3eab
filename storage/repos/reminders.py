"""Reminder rows: planned on state entry, cancelled when moot, claimed exactly once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.reminders import PlannedReminder
from storage.models import Reminder
from storage.upsert import insert_ignore


async def schedule(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    stage: str,
    due_at: datetime,
    case_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Creates a reminder row unless its key exists; True if created."""
    values = {
        "key": key,
        "case_id": case_id,
        "kind": kind,
        "stage": stage,
        "due_at": due_at,
        "payload": payload,
    }
    return await insert_ignore(session, Reminder, values, ["key"])


async def schedule_plan(
    session: AsyncSession, *, case_id: int, plan: Iterable[PlannedReminder]
) -> None:
    """Creates the rows of a reminder plan for a case."""
    for item in plan:
        await schedule(
            session,
            key=item.key(case_id),
            kind=item.kind,
            stage=item.stage,
            due_at=item.due_at,
            case_id=case_id,
        )


async def cancel(
    session: AsyncSession, *, case_id: int, kinds: Iterable[str], now: datetime
) -> int:
    """Cancels the unsent reminders of these kinds for a case; returns how many."""
    result = await session.execute(
        update(Reminder)
        .where(
            Reminder.case_id == case_id,
            Reminder.kind.in_(list(kinds)),
            Reminder.sent_at.is_(None),
            Reminder.cancelled_at.is_(None),
        )
        .values(cancelled_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def due_ids(session: AsyncSession, *, now: datetime, limit: int = 100) -> list[int]:
    """Ids of reminders that are due, oldest first (uses the partial index)."""
    rows = await session.scalars(
        select(Reminder.id)
        .where(Reminder.sent_at.is_(None), Reminder.cancelled_at.is_(None), Reminder.due_at <= now)
        .order_by(Reminder.due_at)
        .limit(limit)
    )
    return list(rows)


async def claim(session: AsyncSession, *, reminder_id: int, now: datetime) -> Reminder | None:
    """Marks one reminder sent if nobody else did; the row if this caller won the claim."""
    result = await session.execute(
        update(Reminder)
        .where(
            Reminder.id == reminder_id,
            Reminder.sent_at.is_(None),
            Reminder.cancelled_at.is_(None),
        )
        .values(sent_at=now)
        .returning(Reminder.id)
    )
    if result.first() is None:
        return None
    return await session.get(Reminder, reminder_id, populate_existing=True)


async def reminders_of(session: AsyncSession, *, case_id: int) -> list[Reminder]:
    """Every reminder row of a case, by due time."""
    rows = await session.scalars(
        select(Reminder).where(Reminder.case_id == case_id).order_by(Reminder.due_at, Reminder.id)
    )
    return list(rows)
