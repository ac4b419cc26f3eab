"""Service reports filed by technicians (plain queries)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ServiceReport
from storage.repos.rows import add as add_row


async def add_report(session: AsyncSession, *, report: ServiceReport) -> ServiceReport:
    """Stores a new report (its id is set on return)."""
    return await add_row(session, report)


async def get_report(session: AsyncSession, *, report_id: int) -> ServiceReport | None:
    """A report by id."""
    return await session.get(ServiceReport, report_id)


async def latest_report(session: AsyncSession, *, case_id: int) -> ServiceReport | None:
    """The case's newest report."""
    return await session.scalar(
        select(ServiceReport)
        .where(ServiceReport.case_id == case_id)
        .order_by(ServiceReport.id.desc())
        .limit(1)
    )
