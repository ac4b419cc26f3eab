"""The inbox: every update stored before Telegram is told it arrived."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboxUpdate
from storage.upsert import built_once, dialect_insert


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


def _json_safe(value: Any) -> Any:
    """The payload with NaN and ±Infinity (valid to Python's json, not to PostgreSQL) as null.

    A forged update carrying them would otherwise fail to store on PostgreSQL, and an update
    that cannot be stored is never acknowledged: polling would stall on it.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value


def _dict(value: Any) -> dict[str, Any]:
    """The value if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


async def store(session: AsyncSession, *, payload: dict[str, Any], now: datetime) -> bool:
    """Stores an update; False if this update_id was stored before (a redelivery)."""
    return await store_many(session, payloads=[payload], now=now) == 1


async def store_many(
    session: AsyncSession, *, payloads: Sequence[dict[str, Any]], now: datetime
) -> int:
    """Stores a batch of updates in one statement; returns how many were new."""
    if not payloads:
        return 0
    by_id = {int(payload["update_id"]): payload for payload in payloads}  # one row per id
    rows = [
        {
            "update_id": update_id,
            "chat_key": chat_key(payload),
            "payload": _json_safe(payload),
            "received_at": now,
            "attempts": 0,
        }
        for update_id, payload in by_id.items()
    ]

    def build() -> Any:  # executed for many rows: one compiled form for any batch size
        return (
            dialect_insert(session, InboxUpdate)
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(_INBOX.c.id)
        )

    result = await session.execute(built_once(session, "inbox.store_many", build), rows)
    return len(result.all())


async def pending(
    session: AsyncSession, *, skip_chats: Collection[str] = (), limit: int = 200
) -> list[InboxUpdate]:
    """Unprocessed updates in arrival order, leaving out chats being worked on already."""
    rows = await session.scalars(_PENDING, {"skip": sorted(skip_chats), "limit": limit})
    return list(rows)


# The pump asks after every chat it finishes: built once, not on each call (bench: throughput).
_PENDING = (
    select(InboxUpdate)
    .where(
        InboxUpdate.processed_at.is_(None),
        InboxUpdate.chat_key.not_in(bindparam("skip", expanding=True)),
    )
    .order_by(InboxUpdate.id)
    .limit(bindparam("limit"))
)

# Built once: a Core statement with bound parameters skips the ORM and the cache-key walk that
# a freshly built statement costs on every update (bench: throughput).
_INBOX = InboxUpdate.__table__
assert isinstance(_INBOX, Table)
_FINISH = (
    update(_INBOX)
    .where(_INBOX.c.id == bindparam("inbox_id"), _INBOX.c.processed_at.is_(None))
    .values(
        processed_at=bindparam("now"),
        error=bindparam("error"),
        attempts=_INBOX.c.attempts + 1,
        replies=bindparam("replies", type_=_INBOX.c.replies.type),
    )
    .returning(_INBOX.c.id)
)


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
        _FINISH,
        {"inbox_id": inbox_id, "now": now, "error": error, "replies": replies or None},
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


async def keep_replies(
    session: AsyncSession, *, inbox_id: int, replies: list[dict[str, Any]]
) -> None:
    """Keeps only the answers of an update still to send (none: forgets them)."""
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id == inbox_id)
        .values(replies=replies or None)
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
