"""Who stands behind a case's events: names by Telegram id, for the case page's timeline."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Customer, Staff


async def staff_names(session: AsyncSession, *, telegram_ids: Collection[int]) -> dict[int, str]:
    """Staff names (former staff included) by Telegram id."""
    if not telegram_ids:
        return {}
    rows = await session.execute(
        select(Staff.telegram_id, Staff.name).where(Staff.telegram_id.in_(list(telegram_ids)))
    )
    return {telegram_id: name for telegram_id, name in rows}


async def customer_names(
    session: AsyncSession, *, telegram_ids: Collection[int]
) -> dict[int, str | None]:
    """Customer names by Telegram id (None for a customer who gave no name)."""
    if not telegram_ids:
        return {}
    rows = await session.execute(
        select(Customer.telegram_id, Customer.name).where(
            Customer.telegram_id.in_(list(telegram_ids))
        )
    )
    return {telegram_id: name for telegram_id, name in rows if telegram_id is not None}
