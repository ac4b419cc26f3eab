"""Technicians' certifications per product category (plain queries)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Certification, Staff
from storage.repos.rows import add as add_row


async def get(session: AsyncSession, *, staff_id: int, category: str) -> Certification | None:
    """One technician's certificate for a category (categories compare without case)."""
    return await session.scalar(
        select(Certification).where(
            Certification.staff_id == staff_id,
            func.lower(Certification.category) == category.strip().lower(),
        )
    )


async def add(session: AsyncSession, *, certification: Certification) -> Certification:
    """Stores a new certificate."""
    return await add_row(session, certification)


async def delete(session: AsyncSession, *, certification: Certification) -> None:
    """Removes a revoked certificate."""
    await session.delete(certification)
    await session.flush()


async def any_recorded(session: AsyncSession) -> bool:
    """Whether the department records certificates at all."""
    return await session.scalar(select(Certification.id).limit(1)) is not None


async def valid_until_by_staff(session: AsyncSession, *, category: str) -> dict[int, date]:
    """For one category: each certified technician's last valid day."""
    rows = await session.execute(
        select(Certification.staff_id, Certification.valid_until).where(
            func.lower(Certification.category) == category.strip().lower()
        )
    )
    return {staff_id: until for staff_id, until in rows}


async def of_staff(session: AsyncSession, *, staff_id: int) -> list[Certification]:
    """A technician's certificates, by category."""
    rows = await session.scalars(
        select(Certification)
        .where(Certification.staff_id == staff_id)
        .order_by(Certification.category)
    )
    return list(rows)


async def expiring(
    session: AsyncSession, *, first: date, last: date
) -> list[tuple[str, str, date]]:
    """Active technicians' certificates whose last day falls in [first, last]: name, category."""
    rows = await session.execute(
        select(Staff.name, Certification.category, Certification.valid_until)
        .join(Staff, Staff.id == Certification.staff_id)
        .where(
            Staff.active.is_(True),
            Certification.valid_until >= first,
            Certification.valid_until <= last,
        )
        .order_by(Certification.valid_until, Staff.name)
    )
    return [(name, category, until) for name, category, until in rows]


async def all_held(session: AsyncSession) -> list[tuple[Certification, Staff]]:
    """Every active technician's certificates, by name and category (the staff page)."""
    rows = await session.execute(
        select(Certification, Staff)
        .join(Staff, Staff.id == Certification.staff_id)
        .where(Staff.active.is_(True))
        .order_by(Staff.name, Certification.category)
    )
    return [(cert, staff) for cert, staff in rows]
