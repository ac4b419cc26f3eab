"""INSERT ... ON CONFLICT for both backends, so idempotent writes stay one statement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


def dialect_insert(session: AsyncSession, model: type[Base]) -> Any:
    """The dialect's own insert() (with on_conflict_* methods) for a model."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(model)
    if name == "sqlite":
        return sqlite.insert(model)
    raise RuntimeError(f"unsupported database: {name}")


async def insert_ignore(
    session: AsyncSession, model: type[Base], values: dict[str, Any], conflict: list[str]
) -> bool:
    """Inserts a row unless one with the same conflict columns exists; True if inserted."""
    statement: Insert = (
        dialect_insert(session, model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict)
    )
    result = await session.execute(statement.returning(model.__table__.c.id))
    return result.first() is not None
