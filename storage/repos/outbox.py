"""The outbox: messages written with their cause, delivered later by the sender."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Message
from storage.models import OutboxMessage
from storage.upsert import insert_ignore

# Set in a session's info when it queued something: its owner wakes the sender after commit.
OUTBOX_WRITTEN = "outbox_written"


async def enqueue(
    session: AsyncSession,
    *,
    chat_id: int,
    message: Message,
    language: str,
    dedupe_key: str,
    now: datetime,
    case_id: int | None = None,
) -> bool:
    """Queues a message unless one with the same dedupe key exists; True if queued."""
    payload = {**message.to_json(), "lang": language}
    values = {
        "dedupe_key": dedupe_key,
        "chat_id": chat_id,
        "method": "sendMessage",
        "payload": payload,
        "case_id": case_id,
        "created_at": now,
        "not_before": now,
        "status": "pending",
        "attempts": 0,
    }
    queued = await insert_ignore(session, OutboxMessage, values, ["dedupe_key"])
    if queued:
        session.info[OUTBOX_WRITTEN] = True
    return queued


async def due_messages(session: AsyncSession, *, now: datetime, limit: int) -> list[OutboxMessage]:
    """Pending messages whose time has come, oldest first."""
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.not_before <= now)
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit)
    )
    return list(rows)


async def claim(
    session: AsyncSession, *, message_id: int, now: datetime, lease: timedelta
) -> bool:
    """Takes a message for sending; a crashed sender's lease runs out and the row is retried."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "pending",
            OutboxMessage.not_before <= now,
        )
        .values(status="sending", not_before=now + lease, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id)
    )
    return result.first() is not None


async def stale_sending(session: AsyncSession, *, now: datetime) -> list[OutboxMessage]:
    """Rows a dead process left in 'sending' past their lease: maybe delivered, maybe not."""
    rows = await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.status == "sending", OutboxMessage.not_before <= now
        )
    )
    return list(rows)


async def mark_sent(
    session: AsyncSession, *, message_id: int, now: datetime, telegram_message_id: int | None
) -> None:
    """Records a delivered message."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status="sent", sent_at=now, telegram_message_id=telegram_message_id)
    )


async def mark_retry(
    session: AsyncSession,
    *,
    message_id: int,
    not_before: datetime,
    error: str,
    keep_attempt: bool = True,
) -> None:
    """Puts a message back for a later attempt; a rate-limit wait does not use up an attempt."""
    values: dict[str, object] = {
        "status": "pending",
        "not_before": not_before,
        "last_error": error[:500],
    }
    if not keep_attempt:
        values["attempts"] = OutboxMessage.attempts - 1
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
    )


async def mark_dead(session: AsyncSession, *, message_id: int, error: str) -> None:
    """Gives up on a message and records why."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status="dead", last_error=error[:500])
    )


async def dead_messages(session: AsyncSession, *, limit: int = 20) -> list[OutboxMessage]:
    """The newest messages that could not be delivered."""
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == "dead")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(rows)


async def counts_by_status(session: AsyncSession) -> dict[str, int]:
    """How many outbox rows are in each status."""
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return {status: int(count) for status, count in rows}


async def messages_for(session: AsyncSession, *, chat_id: int) -> list[OutboxMessage]:
    """Every outbox row for a chat, in order (tests and support)."""
    rows = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
    )
    return list(rows)


async def requeue_dead(session: AsyncSession, *, message_id: int, now: datetime) -> bool:
    """Puts a dead message back in the queue with fresh attempts; True if it was dead."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "dead")
        .values(status="pending", attempts=0, not_before=now)
        .returning(OutboxMessage.id)
    )
    requeued = result.first() is not None
    if requeued:
        session.info[OUTBOX_WRITTEN] = True
    return requeued
