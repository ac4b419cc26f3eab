"""Assignments of technicians to cases (plain queries)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Assignment
from storage.repos.rows import add as add_row


async def add_assignment(session: AsyncSession, *, assignment: Assignment) -> Assignment:
    """Stores a new assignment (its id is set on return)."""
    return await add_row(session, assignment)


async def get_assignment(session: AsyncSession, *, assignment_id: int) -> Assignment | None:
    """An assignment by id."""
    return await session.get(Assignment, assignment_id)


async def reload(session: AsyncSession, *, assignment: Assignment) -> None:
    """Reads the assignment again from the database (it may have ended meanwhile)."""
    await session.refresh(assignment)


async def current_assignment(session: AsyncSession, *, case_id: int) -> Assignment | None:
    """The case's running assignment, if any."""
    return await session.scalar(
        select(Assignment)
        .where(Assignment.case_id == case_id, Assignment.ended_at.is_(None))
        .order_by(Assignment.id.desc())
        .limit(1)
    )
