"""The inbox: every update stored before Telegram is told it arrived."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboxUpdate
from storage.upsert import insert_ignore


def chat_key(payload: dict[str, Any]) -> str:
    """The ordering key of an update: its chat, else its user, else the update itself."""
    # Any shape may arrive (a forged webhook body): only well-formed parts decide the key.
    for field in ("message", "edited_message", "channel_post", "edited_channel_post"):
        chat = _dict(_dict(payload.get(field)).get("chat"))
        if "id" in chat:
            return f"c{chat['id']}"[:40]
    callback = _dict(payload.get("callback_query"))
    chat = _dict(_dict(callback.get("message")).get("chat"))
    if "id" in chat:
        return f"c{chat['id']}"[:40]
    for value in payload.values():
        sender = _dict(_dict(value).get("from"))
        if "id" in sender:
            return f"u{sender['id']}"[:40]
    return f"x{payload.get('update_id')}"[:40]


def _dict(value: Any) -> dict[str, Any]:
    """The value if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


async def store(session: AsyncSession, *, payload: dict[str, Any], now: datetime) -> bool:
    """Stores an update; False if this update_id was stored before (a redelivery)."""
    values = {
        "update_id": int(payload["update_id"]),
        "chat_key": chat_key(payload),
        "payload": payload,
        "received_at": now,
        "attempts": 0,
    }
    return await insert_ignore(session, InboxUpdate, values, ["update_id"])


async def pending(session: AsyncSession, *, limit: int = 200) -> list[InboxUpdate]:
    """Unprocessed updates in arrival order."""
    rows = await session.scalars(
        select(InboxUpdate)
        .where(InboxUpdate.processed_at.is_(None))
        .order_by(InboxUpdate.id)
        .limit(limit)
    )
    return list(rows)


async def mark_processed(
    session: AsyncSession, *, inbox_id: int, now: datetime, error: str | None = None
) -> bool:
    """Marks an update done; False if someone else already did (it must not run twice)."""
    result = await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id == inbox_id, InboxUpdate.processed_at.is_(None))
        .values(processed_at=now, error=error, attempts=InboxUpdate.attempts + 1)
        .returning(InboxUpdate.id)
    )
    return result.first() is not None


async def max_update_id(session: AsyncSession) -> int | None:
    """The highest update_id stored, to resume polling after it."""
    return await session.scalar(select(func.max(InboxUpdate.update_id)))


async def backlog(session: AsyncSession) -> int:
    """How many stored updates are not processed yet."""
    count = await session.scalar(
        select(func.count()).select_from(InboxUpdate).where(InboxUpdate.processed_at.is_(None))
    )
    return int(count or 0)
