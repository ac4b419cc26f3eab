"""The service-standard report's breakdowns: one row per technician and per product category.

Each row counts the service cases closed in the range (see storage.repos.standard_populations)
with their first-time fixes, on-time visits, satisfaction, complaints and cost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.lifecycle import CaseKind, CaseStatus
from domain.metrics import mean, percent
from domain.survey import Question
from storage.models import Case, Staff, Survey, SurveyAnswer
from storage.models import ServiceReport as ServiceReportRow
from storage.repos.first_time_fix import FirstTimeFix, first_time_fixes
from storage.repos.standard_populations import (
    arrived_on_time,
    closed_between,
    flag,
    onsite_counted,
    within,
)


def _cost() -> Any:
    """A case's parts + labour + travel, summed over its service reports."""
    row = ServiceReportRow
    return func.coalesce(func.sum(row.parts_cents + row.labour_cents + row.travel_cents), 0)


async def _grouped(
    session: AsyncSession, group: Any, start: datetime, end: datetime
) -> dict[Any, dict[str, Any]]:
    """Closures, first-time fixes, on-time visits, satisfaction and cost, grouped."""
    rows: dict[Any, dict[str, Any]] = {}
    closures = await session.execute(
        select(
            group,
            func.count(),
            flag(onsite_counted()),
            flag(and_(onsite_counted(), arrived_on_time())),
        )
        .select_from(Case)
        .where(closed_between(start, end))
        .group_by(group)
    )
    fixes = await first_time_fixes(session, start=start, end=end, group=group)
    for key, closed, visits, on_time in closures:
        ftf = fixes.get(key, FirstTimeFix(0, 0))
        rows[key] = {
            "closed": int(closed),
            "first_time_fix_pct": percent(ftf.fixed, ftf.counted),
            "onsite_on_time_pct": percent(on_time, visits),
            "avg_satisfaction": None,
            "complaints": 0,
            "cost_per_case": None,
        }
    costs = await session.execute(
        select(group, _cost())
        .join(ServiceReportRow, ServiceReportRow.case_id == Case.id)
        .where(closed_between(start, end))
        .group_by(group)
    )
    for key, total in costs:
        if key in rows:
            rows[key]["cost_per_case"] = mean(total, rows[key]["closed"])
    satisfaction = await session.execute(
        select(group, func.avg(SurveyAnswer.value_int))
        .select_from(SurveyAnswer)
        .join(Survey, Survey.id == SurveyAnswer.survey_id)
        .join(Case, Case.id == Survey.case_id)
        .where(closed_between(start, end), SurveyAnswer.question == Question.OVERALL)
        .group_by(group)
    )
    for key, average in satisfaction:
        if key in rows and average is not None:
            rows[key]["avg_satisfaction"] = round(float(average), 2)
    return rows


async def _complaints_by(
    session: AsyncSession, column: str, start: datetime, end: datetime
) -> dict[Any, int]:
    """Complaints opened in the range, counted by a column of the case they are about."""
    complaint = aliased(Case)
    parent = aliased(Case)
    group = getattr(parent, column)
    result = await session.execute(
        select(group, func.count())
        .select_from(complaint)
        .join(parent, parent.id == complaint.parent_id)
        .where(
            complaint.kind == CaseKind.COMPLAINT,
            within(complaint.created_at, start, end),
            complaint.status != CaseStatus.CANCELLED,
        )
        .group_by(group)
    )
    return {key: int(count) for key, count in result}


async def by_technician(
    session: AsyncSession, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """One row per technician with a closure in the range."""
    grouped = await _grouped(session, Case.technician_id, start, end)
    complaints = await _complaints_by(session, "technician_id", start, end)
    ids = [key for key in grouped if key is not None]
    result = await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids)))
    names: dict[int, str] = {staff_id: name for staff_id, name in result}
    rows = [
        {
            "technician_id": key,
            "technician_name": names.get(key, "-") if key is not None else "-",
            **figures,
            "complaints": complaints.get(key, 0),
        }
        for key, figures in grouped.items()
    ]
    return sorted(rows, key=lambda row: (str(row["technician_name"]), row["technician_id"] or 0))


async def by_category(
    session: AsyncSession, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """One row per product category with a closure in the range ("" when unknown)."""
    grouped = await _grouped(session, Case.category, start, end)
    complaints = await _complaints_by(session, "category", start, end)
    result = await session.execute(
        select(Case.category, func.count())
        .where(
            Case.is_repeat.is_(True),
            within(Case.created_at, start, end),
            Case.status != CaseStatus.CANCELLED,
        )
        .group_by(Case.category)
    )
    repeats: dict[str | None, int] = {category: int(n) for category, n in result}
    rows = [
        {
            "category": key or "",
            "closed": figures["closed"],
            "first_time_fix_pct": figures["first_time_fix_pct"],
            "repeat_repairs": int(repeats.get(key, 0)),
            "avg_satisfaction": figures["avg_satisfaction"],
            "complaints": complaints.get(key, 0),
            "cost_per_case": figures["cost_per_case"],
        }
        for key, figures in grouped.items()
    ]
    return sorted(rows, key=lambda row: str(row["category"]))
