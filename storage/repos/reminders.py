"""Reminder rows: planned on state entry, cancelled when moot, claimed exactly once."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.reminders import PlannedReminder
from storage.models import Reminder
from storage.upsert import insert_ignore, insert_ignore_many


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
    """Creates the rows of a reminder plan for a case (keys already there are left as they are).

    One statement for the whole plan: a case usually enters a state with two or three reminders,
    and each statement is a round trip to PostgreSQL inside the update's transaction.
    """
    rows = [
        {
            "key": item.key(case_id),
            "case_id": case_id,
            "kind": item.kind,
            "stage": item.stage,
            "due_at": item.due_at,
            "payload": None,
        }
        for item in plan
    ]
    await insert_ignore_many(session, Reminder, rows, ["key"])


async def restore_plan(
    session: AsyncSession, *, case_id: int, plan: Iterable[PlannedReminder]
) -> None:
    """Plans the rows again, taking back the cancellation of any unsent one of the same key
    (a deadline moved away and then back to the same minute)."""
    items = list(plan)
    await schedule_plan(session, case_id=case_id, plan=items)
    keys = [item.key(case_id) for item in items]
    if keys:
        await session.execute(
            update(Reminder)
            .where(Reminder.key.in_(keys), Reminder.sent_at.is_(None))
            .values(cancelled_at=None)
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


def _due(now: datetime, skip: Collection[int]) -> list[ColumnElement[bool]]:
    """The conditions of a due reminder, leaving out ids already tried in this sweep."""
    conditions = [
        Reminder.sent_at.is_(None),
        Reminder.cancelled_at.is_(None),
        Reminder.due_at <= now,
    ]
    if skip:
        conditions.append(Reminder.id.not_in(list(skip)))
    return conditions


async def due_ids(
    session: AsyncSession, *, now: datetime, limit: int = 100, skip: Collection[int] = ()
) -> list[int]:
    """Ids of reminders that are due, oldest first (uses the partial index)."""
    rows = await session.scalars(
        select(Reminder.id)
        .where(*_due(now, skip))
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
    )
    return list(rows)


async def lock_due(
    session: AsyncSession, *, now: datetime, limit: int, skip: Collection[int] = ()
) -> list[Reminder]:
    """PostgreSQL: locks a batch of due reminders that no other sweeper holds.

    FOR UPDATE SKIP LOCKED lets concurrent sweepers take disjoint batches without waiting;
    the caller claims each row (sent_at) in the same transaction as its handler's effects.
    """
    rows = await session.scalars(
        select(Reminder)
        .where(*_due(now, skip))
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def record_failure(
    session: AsyncSession, *, reminder_id: int, error: str, now: datetime, max_attempts: int
) -> bool:
    """Counts a failed run of a reminder; gives it up after max_attempts. True if given up."""
    reminder = await session.get(Reminder, reminder_id, populate_existing=True)
    if reminder is None:
        return False
    reminder.attempts = (reminder.attempts or 0) + 1
    reminder.last_error = error[:500]
    given_up = reminder.attempts >= max_attempts
    if given_up:
        reminder.cancelled_at = now
    await session.flush()
    return given_up


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


async def latest_due(session: AsyncSession, *, kind: str) -> datetime | None:
    """The latest due moment of any reminder of a kind (calendar jobs plan from it)."""
    latest: datetime | None = await session.scalar(
        select(func.max(Reminder.due_at)).where(Reminder.kind == kind)
    )
    return latest
