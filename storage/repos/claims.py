"""Supplier claims (plain queries)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, SupplierClaim
from storage.repos.rows import add as add_row


async def add_claim(session: AsyncSession, *, claim: SupplierClaim) -> SupplierClaim:
    """Stores a new claim."""
    return await add_row(session, claim)


async def get_claim(session: AsyncSession, *, claim_id: int) -> SupplierClaim | None:
    """A claim by id."""
    return await session.get(SupplierClaim, claim_id)


async def claims_with_cases(session: AsyncSession) -> list[tuple[SupplierClaim, str]]:
    """Every claim with its case number, newest first."""
    rows = await session.execute(
        select(SupplierClaim, Case.number)
        .join(Case, Case.id == SupplierClaim.case_id)
        .order_by(SupplierClaim.opened_at.desc(), SupplierClaim.id.desc())
    )
    return [(claim, number) for claim, number in rows]
