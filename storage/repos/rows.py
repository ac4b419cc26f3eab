"""What every repository does the same way: storing a new row."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base

RowT = TypeVar("RowT", bound=Base)


async def add(session: AsyncSession, row: RowT) -> RowT:
    """Stores a new row and flushes it, so its id (and defaults) are set on return."""
    session.add(row)
    await session.flush()
    return row
