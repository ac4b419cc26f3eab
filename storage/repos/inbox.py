"""The inbox: every update stored before Telegram is told it arrived."""

from __future__ import annotations

from collections.abc import Collection
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


async def pending(
    session: AsyncSession, *, skip_chats: Collection[str] = (), limit: int = 200
) -> list[InboxUpdate]:
    """Unprocessed updates in arrival order, leaving out chats being worked on already."""
    query = select(InboxUpdate).where(InboxUpdate.processed_at.is_(None))
    if skip_chats:
        query = query.where(InboxUpdate.chat_key.not_in(sorted(skip_chats)))
    rows = await session.scalars(query.order_by(InboxUpdate.id).limit(limit))
    return list(rows)


async def finish(
    session: AsyncSession,
    *,
    inbox_id: int,
    now: datetime,
    replies: list[dict[str, Any]] | None,
    error: str | None = None,
) -> bool:
    """Marks an update done with the answers still to send; False if it was done before.

    One statement, at the end of the update's transaction: a second processor of the same
    update (a standby that took over) finds it done and rolls its work back.
    """
    result = await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id == inbox_id, InboxUpdate.processed_at.is_(None))
        .values(
            processed_at=now,
            error=error,
            attempts=InboxUpdate.attempts + 1,
            replies=replies or None,
        )
        .returning(InboxUpdate.id)
        .execution_options(synchronize_session=False)  # no loaded row to keep in step
    )
    return result.first() is not None


async def replies_sent(session: AsyncSession, *, inbox_ids: Collection[int]) -> None:
    """Forgets the answers that have gone out."""
    if inbox_ids:
        await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.id.in_(sorted(inbox_ids)), InboxUpdate.replies.is_not(None))
            .values(replies=None)
            .execution_options(synchronize_session=False)
        )


async def unsent_replies(session: AsyncSession) -> list[InboxUpdate]:
    """Processed updates whose answers may not have gone out (a crash came between)."""
    rows = await session.scalars(
        select(InboxUpdate).where(InboxUpdate.replies.is_not(None)).order_by(InboxUpdate.id)
    )
    return list(rows)


async def max_update_id(session: AsyncSession) -> int | None:
    """The highest update_id stored, to resume polling after it."""
    return await session.scalar(select(func.max(InboxUpdate.update_id)))


async def backlog(session: AsyncSession) -> int:
    """How many stored updates are not processed yet."""
    count = await session.scalar(
        select(func.count()).select_from(InboxUpdate).where(InboxUpdate.processed_at.is_(None))
    )
    return int(count or 0)
