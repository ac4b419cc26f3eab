"""The supervisors' morning digest: yesterday's counts and today's open risks (plain queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.lifecycle import BEFORE_SITE, OPEN_STATUSES, CaseStatus
from storage.models import Case
from storage.repos.standard_populations import onsite_counted


@dataclass(frozen=True)
class DigestNumbers:
    """Yesterday's numbers and today's open risks, for the supervisors' morning digest."""

    new: int
    closed: int
    response_breaches: int
    onsite_breaches: int
    due_today: list[Case] = field(default_factory=list)
    overdue: list[Case] = field(default_factory=list)
    unanswered: list[Case] = field(default_factory=list)


async def _count(session: AsyncSession, *conditions: object) -> int:
    """How many cases meet the conditions."""
    return int(await session.scalar(select(func.count(Case.id)).where(*conditions)) or 0)  # type: ignore[arg-type]


async def _cases(session: AsyncSession, *conditions: object) -> list[Case]:
    """Open cases meeting the conditions, soonest deadline first (at most 50)."""
    rows = await session.scalars(
        select(Case)
        .where(Case.status.in_(list(OPEN_STATUSES)), *conditions)  # type: ignore[arg-type]
        .order_by(Case.onsite_due_at, Case.id)
        .limit(50)
    )
    return list(rows)


async def digest_numbers(
    session: AsyncSession,
    *,
    yesterday_start: datetime,
    today_start: datetime,
    tomorrow_start: datetime,
    now: datetime,
) -> DigestNumbers:
    """Counts of yesterday (local day bounds in UTC) and today's open risks."""
    return DigestNumbers(
        new=await _count(
            session, Case.created_at >= yesterday_start, Case.created_at < today_start
        ),
        closed=await _count(
            session, Case.closed_at >= yesterday_start, Case.closed_at < today_start
        ),
        response_breaches=await _count(
            session,
            Case.response_due_at >= yesterday_start,
            Case.response_due_at < today_start,
            or_(Case.responded_at.is_(None), Case.responded_at > Case.response_due_at),
        ),
        onsite_breaches=await _count(
            session,
            Case.onsite_due_at >= yesterday_start,
            Case.onsite_due_at < today_start,
            Case.status != CaseStatus.CANCELLED,
            onsite_counted(),  # a clock stopped on the customer's quote decision is not late
            or_(Case.arrived_at.is_(None), Case.arrived_at > Case.onsite_due_at),
        ),
        due_today=await _cases(
            session,
            Case.onsite_due_at >= now,
            Case.onsite_due_at < tomorrow_start,
            Case.arrived_at.is_(None),
            Case.status.in_(list(BEFORE_SITE)),
        ),
        overdue=await _cases(
            session,
            Case.onsite_due_at < now,
            Case.arrived_at.is_(None),
            Case.status.in_(list(BEFORE_SITE)),
        ),
        unanswered=await _cases(
            session,
            Case.response_due_at < now,
            Case.responded_at.is_(None),
            Case.status == CaseStatus.NEW,
        ),
    )
