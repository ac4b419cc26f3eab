"""The service-standard report of a date range, as SQL aggregates (see domain.metrics for keys).

Every figure is a grouped COUNT/SUM/AVG over indexed columns (cases.created_at, closed_at,
onsite_due_at, surveys.created_at, survey_answers.survey_id, service_reports.case_id); no
query loads the cases themselves. Which cases each figure counts is in standard_populations;
first-time fix has its one definition in first_time_fix (shared with the technician page);
the rows per technician and per category are in standard_breakdowns, and the compliance
counts (money asked for, supplier claims, key visits, certificates...) in standard_compliance
(all in storage.repos).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.lifecycle import CaseKind, CaseStatus
from domain.metrics import Metric, ServiceReport, Targets, mean, net_promoter, percent
from domain.survey import Question
from domain.warranty import Warranty
from storage.models import Case, Survey, SurveyAnswer
from storage.models import ServiceReport as ServiceReportRow
from storage.repos.first_time_fix import FirstTimeFix, first_time_fixes
from storage.repos.standard_breakdowns import by_category, by_technician
from storage.repos.standard_compliance import compliance_metrics
from storage.repos.standard_populations import (
    SERVICE_KINDS,
    arrived_on_time,
    closed_between,
    flag,
    onsite_counted,
    row_cost,
    within,
)


async def service_report(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    settings_targets: Targets,
    as_of: datetime | None = None,
) -> ServiceReport:
    """The figures of [start, end) against the targets; as_of cuts off still-running clocks."""
    cutoff = min(end, as_of) if as_of is not None else end
    targets = settings_targets
    response = (
        await session.execute(
            select(
                func.count(),
                flag(
                    and_(Case.responded_at.is_not(None), Case.responded_at <= Case.response_due_at)
                ),
            ).where(
                Case.kind.in_(SERVICE_KINDS),
                within(Case.created_at, start, end),
                Case.status != CaseStatus.CANCELLED,
                or_(Case.responded_at.is_not(None), Case.response_due_at <= cutoff),
            )
        )
    ).one()
    onsite = (
        await session.execute(
            select(
                func.count(),
                flag(arrived_on_time()),
            ).where(
                onsite_counted(),
                Case.kind.in_(SERVICE_KINDS),
                within(Case.onsite_due_at, start, end),
                Case.onsite_due_at <= cutoff,
                Case.status != CaseStatus.CANCELLED,
            )
        )
    ).one()
    closures = select(func.count()).select_from(Case).where(closed_between(start, end))
    closed = int(await session.scalar(closures) or 0)
    ftf = (await first_time_fixes(session, start=start, end=end)).get(None, FirstTimeFix(0, 0))
    repeats = await session.scalar(
        select(func.count()).where(
            Case.is_repeat.is_(True),
            within(Case.created_at, start, end),
            Case.status != CaseStatus.CANCELLED,
        )
    )
    surveys = await _survey_figures(session, start, end)
    complaints = (
        await session.execute(
            select(func.count()).where(
                Case.kind == CaseKind.COMPLAINT,
                within(Case.created_at, start, end),
                Case.status != CaseStatus.CANCELLED,
            )
        )
    ).scalar_one()
    closure_hours = await _complaint_closure_hours(session, start, end)
    costs = await _cost_figures(session, start, end)
    metrics = [
        Metric("response_24h_pct", percent(response[1], response[0]), targets.response_pct, "%"),
        Metric("onsite_on_time_pct", percent(onsite[1], onsite[0]), targets.onsite_pct, "%"),
        Metric("first_time_fix_pct", percent(ftf.fixed, ftf.counted), targets.first_fix_pct, "%"),
        Metric("repeat_repairs", float(repeats or 0), None, "count", higher_is_better=False),
        Metric(
            "survey_response_pct",
            percent(surveys["answered"], surveys["surveys"]),
            targets.survey_response_pct,
            "%",
        ),
        Metric(
            "avg_satisfaction",
            mean(surveys["overall_sum"], surveys["overall_n"]),
            targets.avg_satisfaction,
            "score",
        ),
        Metric(
            "very_satisfied_pct",
            percent(surveys["overall_5"], surveys["overall_n"]),
            targets.very_satisfied_pct,
            "%",
        ),
        Metric(
            "nps",
            net_promoter(surveys["promoters"], surveys["detractors"], surveys["nps_n"]),
            targets.nps,
            "score",
        ),
        Metric(
            "complaint_rate_pct",
            percent(complaints, closed),
            targets.complaint_rate_pct,
            "%",
            higher_is_better=False,
        ),
        Metric(
            "complaint_closure_hours",
            closure_hours,
            targets.complaint_closure_hours,
            "hours",
            higher_is_better=False,
        ),
    ]
    metrics.extend(
        Metric(key, value, None, "money", higher_is_better=False) for key, value in costs.items()
    )
    metrics.extend(await compliance_metrics(session, start=start, end=end))
    return ServiceReport(
        start=start,
        end=end,
        metrics=metrics,
        by_technician=await by_technician(session, start, end),
        by_category=await by_category(session, start, end),
    )


async def _survey_figures(session: AsyncSession, start: datetime, end: datetime) -> dict[str, int]:
    """Counts and sums of the surveys created in the range and of their answers."""
    in_range = within(Survey.created_at, start, end)
    total = await session.scalar(select(func.count()).select_from(Survey).where(in_range))
    answered = await session.scalar(
        select(func.count(func.distinct(SurveyAnswer.survey_id)))
        .join(Survey, Survey.id == SurveyAnswer.survey_id)
        .where(in_range)
    )
    value = SurveyAnswer.value_int
    overall = (
        await session.execute(
            select(func.count(value), func.sum(value), flag(value == 5))
            .join(Survey, Survey.id == SurveyAnswer.survey_id)
            .where(in_range, SurveyAnswer.question == Question.OVERALL)
        )
    ).one()
    nps = (
        await session.execute(
            select(func.count(value), flag(value >= 9), flag(value <= 6))
            .join(Survey, Survey.id == SurveyAnswer.survey_id)
            .where(in_range, SurveyAnswer.question == Question.NPS)
        )
    ).one()
    return {
        "surveys": int(total or 0),
        "answered": int(answered or 0),
        "overall_n": int(overall[0] or 0),
        "overall_sum": int(overall[1] or 0),
        "overall_5": int(overall[2] or 0),
        "nps_n": int(nps[0] or 0),
        "promoters": int(nps[1] or 0),
        "detractors": int(nps[2] or 0),
    }


def _hours(session: AsyncSession, later: Any, earlier: Any) -> Any:
    """SQL for the hours between two timestamps, on either backend."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0


async def _complaint_closure_hours(
    session: AsyncSession, start: datetime, end: datetime
) -> float | None:
    """Mean hours from opening to closing of the complaints closed in the range."""
    average = await session.scalar(
        select(func.avg(_hours(session, Case.closed_at, Case.created_at))).where(
            Case.kind == CaseKind.COMPLAINT,
            Case.status == CaseStatus.CLOSED,
            within(Case.closed_at, start, end),
        )
    )
    return None if average is None else round(float(average), 1)


async def _cost_figures(
    session: AsyncSession, start: datetime, end: datetime
) -> dict[str, float | None]:
    """Mean cost per closed case, by part of the cost and by warranty."""
    row = ServiceReportRow
    sums = (
        await session.execute(
            select(
                func.sum(row.parts_cents),
                func.sum(row.labour_cents),
                func.sum(row.travel_cents),
                func.sum(case((Case.warranty == Warranty.IN, row_cost()), else_=0)),
                func.sum(case((Case.warranty == Warranty.OUT, row_cost()), else_=0)),
            )
            .join(Case, Case.id == row.case_id)
            .where(closed_between(start, end))
        )
    ).one()
    counts = (
        await session.execute(
            select(
                func.count(),
                flag(Case.warranty == Warranty.IN),
                flag(Case.warranty == Warranty.OUT),
            ).where(closed_between(start, end))
        )
    ).one()
    parts, labour, travel, in_cost, out_cost = (int(value or 0) for value in sums)
    closed, closed_in, closed_out = (int(value or 0) for value in counts)
    return {
        "cost_per_case": mean(parts + labour + travel, closed),
        "cost_parts_per_case": mean(parts, closed),
        "cost_labour_per_case": mean(labour, closed),
        "cost_travel_per_case": mean(travel, closed),
        "cost_per_case_in_warranty": mean(in_cost, closed_in),
        "cost_per_case_out_of_warranty": mean(out_cost, closed_out),
    }
