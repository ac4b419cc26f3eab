"""Persisted bot state, one row per (namespace, key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PersistedState
from storage.upsert import dialect_insert


async def load_namespace(
    session: AsyncSession, *, namespace: str, now: datetime
) -> dict[str, Any]:
    """Every live (unexpired) key of a namespace with its data."""
    rows = await session.execute(
        select(PersistedState.key, PersistedState.data).where(
            PersistedState.namespace == namespace,
            or_(PersistedState.expires_at.is_(None), PersistedState.expires_at > now),
        )
    )
    return {key: data for key, data in rows}


async def put(
    session: AsyncSession,
    *,
    namespace: str,
    key: str,
    data: Any,
    now: datetime,
    expires_at: datetime | None,
) -> None:
    """Writes one key's data, replacing what was there."""
    statement = dialect_insert(session, PersistedState).values(
        namespace=namespace, key=key, data=data, updated_at=now, expires_at=expires_at
    )
    statement = statement.on_conflict_do_update(
        index_elements=["namespace", "key"],
        set_={"data": data, "updated_at": now, "expires_at": expires_at},
    )
    await session.execute(statement)


async def remove(session: AsyncSession, *, namespace: str, key: str) -> None:
    """Deletes one key."""
    await session.execute(
        delete(PersistedState).where(
            PersistedState.namespace == namespace, PersistedState.key == key
        )
    )
