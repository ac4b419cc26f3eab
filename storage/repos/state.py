"""Persisted bot state, one row per (namespace, key)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PersistedState
from storage.upsert import built_once, dialect_insert


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


async def holds_any(
    session: AsyncSession, *, namespaces: Sequence[str], key: str, now: datetime
) -> bool:
    """Whether any of these namespaces holds a live value under the key (a dialog under way)."""
    if not namespaces:
        return False
    found = await session.scalar(
        select(PersistedState.id)
        .where(
            PersistedState.namespace.in_(list(namespaces)),
            PersistedState.key == key,
            or_(PersistedState.expires_at.is_(None), PersistedState.expires_at > now),
        )
        .limit(1)
    )
    return found is not None


async def put_many(
    session: AsyncSession,
    *,
    items: Sequence[tuple[str, str, Any]],
    now: datetime,
    expires_at: datetime | None,
) -> None:
    """Writes several keys' data, (namespace, key, data) each, in one statement."""
    if not items:
        return

    def build() -> Any:
        inserting = dialect_insert(session, PersistedState)
        return inserting.on_conflict_do_update(
            index_elements=["namespace", "key"],
            set_={
                "data": inserting.excluded.data,
                "updated_at": inserting.excluded.updated_at,
                "expires_at": inserting.excluded.expires_at,
            },
        )

    await session.execute(
        built_once(session, "state.put_many", build),
        [
            {
                "namespace": namespace,
                "key": key,
                "data": data,
                "updated_at": now,
                "expires_at": expires_at,
            }
            for namespace, key, data in items
        ],
    )


async def remove(session: AsyncSession, *, namespace: str, key: str) -> None:
    """Deletes one key."""
    await session.execute(_REMOVE, {"namespace": namespace, "key": key})


# Core, built once: the ORM's delete looked through the session for the rows it removes and
# cost more than the statement (a dialog ends with one, e.g. every confirmed report).
_STATE = PersistedState.__table__
assert isinstance(_STATE, Table)
_REMOVE = delete(_STATE).where(
    _STATE.c.namespace == bindparam("namespace"), _STATE.c.key == bindparam("key")
)
