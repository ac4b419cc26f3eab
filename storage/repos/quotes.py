"""Quotes for out-of-warranty work (plain queries)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Quote
from storage.repos.rows import add as add_row


async def add_quote(session: AsyncSession, *, quote: Quote) -> Quote:
    """Stores a new quote (its id is set on return)."""
    return await add_row(session, quote)


async def get_quote(session: AsyncSession, *, quote_id: int) -> Quote | None:
    """A quote by id."""
    return await session.get(Quote, quote_id)


async def quotes_in_status(session: AsyncSession, *, case_id: int, status: str) -> list[Quote]:
    """A case's quotes in one status, oldest first."""
    rows = await session.scalars(
        select(Quote).where(Quote.case_id == case_id, Quote.status == status).order_by(Quote.id)
    )
    return list(rows)


async def latest_in_status(session: AsyncSession, *, case_id: int, status: str) -> Quote | None:
    """A case's newest quote in one status."""
    return await session.scalar(
        select(Quote)
        .where(Quote.case_id == case_id, Quote.status == status)
        .order_by(Quote.id.desc())
        .limit(1)
    )


async def pending_quote(session: AsyncSession, *, case_id: int) -> Quote | None:
    """The quote the customer has not decided yet."""
    return await latest_in_status(session, case_id=case_id, status="pending")


async def approved_quote(session: AsyncSession, *, case_id: int) -> Quote | None:
    """The case's approved quote, if any."""
    return await latest_in_status(session, case_id=case_id, status="approved")
