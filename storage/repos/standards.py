"""The service-standard report of a date range, as SQL aggregates (see domain.metrics for keys).

Every figure is a grouped COUNT/SUM/AVG over indexed columns (cases.created_at, closed_at,
onsite_due_at, surveys.created_at, survey_answers.survey_id, service_reports.case_id); no
query loads the cases themselves. "Has a repeat fault" is an outer join to the (few) cases
with a parent, not a subquery per closed case: cheap on both backends whatever the history.
Populations, all within [start, end):

- response: service cases created, not cancelled, whose response window has run out by the
  cutoff or that were answered (pending ones are left out);
- on site: service cases whose on-site deadline fell in the range (and before the cutoff);
- closures: service cases closed (closed_at) in the range, whatever happened after (a case
  reopened later still counts in its closure month, as a first-time-fix failure);
- surveys: surveys created (= case closed) in the range; complaints: opened in the range.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.lifecycle import CaseKind, CaseStatus
from domain.metrics import Metric, ServiceReport, Targets, mean, net_promoter, percent
from domain.survey import Question
from domain.warranty import Warranty
from storage.models import Case, Staff, Survey, SurveyAnswer
from storage.models import ServiceReport as ServiceReportRow

SERVICE_KINDS = (CaseKind.FAULT, CaseKind.INSTALLATION, CaseKind.RETURN_VISIT)
FIX_KINDS = (CaseKind.FAULT, CaseKind.INSTALLATION)


def _flag(condition: ColumnElement[bool]) -> Any:
    """1 where the condition holds, else 0, for SUM()."""
    return func.sum(case((condition, 1), else_=0))


def _in(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    """column within [start, end)."""
    return and_(column >= start, column < end)


def _closed(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Service cases closed in the range."""
    return and_(
        Case.kind.in_(SERVICE_KINDS),
        _in(Case.closed_at, start, end),
        Case.status != CaseStatus.CANCELLED,
    )


def _repeated() -> Subquery:
    """The cases a repeat fault is linked to, once each (outer-joined by _first_time_fixed)."""
    repeat = aliased(Case)
    return (
        select(repeat.parent_id.label("case_id"))
        # IS NOT NULL lets both backends read the partial index ix_cases_parent_id.
        .where(repeat.parent_id.is_not(None), repeat.is_repeat.is_(True))
        .distinct()
        .subquery("repeated")
    )


def _first_time_fixed(repeated: Subquery) -> ColumnElement[bool]:
    """Fixed at the first visit, never reopened, no repeat fault linked to it."""
    return and_(
        Case.first_time_fix.is_(True),
        Case.reopen_count == 0,
        repeated.c.case_id.is_(None),
    )


def _ftf_counted() -> ColumnElement[bool]:
    """Closures that count for first-time fix (something was to be fixed)."""
    return and_(Case.kind.in_(FIX_KINDS), Case.first_time_fix.is_not(None))


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
                _flag(
                    and_(Case.responded_at.is_not(None), Case.responded_at <= Case.response_due_at)
                ),
            ).where(
                Case.kind.in_(SERVICE_KINDS),
                _in(Case.created_at, start, end),
                Case.status != CaseStatus.CANCELLED,
                or_(Case.responded_at.is_not(None), Case.response_due_at <= cutoff),
            )
        )
    ).one()
    onsite = (
        await session.execute(
            select(
                func.count(),
                _flag(and_(Case.arrived_at.is_not(None), Case.arrived_at <= Case.onsite_due_at)),
            ).where(
                Case.kind.in_(SERVICE_KINDS),
                _in(Case.onsite_due_at, start, end),
                Case.onsite_due_at <= cutoff,
                Case.status != CaseStatus.CANCELLED,
            )
        )
    ).one()
    repeated = _repeated()
    closures = (
        await session.execute(
            select(
                func.count(),
                _flag(_ftf_counted()),
                _flag(and_(_ftf_counted(), _first_time_fixed(repeated))),
            )
            .select_from(Case)
            .outerjoin(repeated, repeated.c.case_id == Case.id)
            .where(_closed(start, end))
        )
    ).one()
    repeats = await session.scalar(
        select(func.count()).where(
            Case.is_repeat.is_(True),
            _in(Case.created_at, start, end),
            Case.status != CaseStatus.CANCELLED,
        )
    )
    surveys = await _survey_figures(session, start, end)
    complaints = (
        await session.execute(
            select(func.count()).where(
                Case.kind == CaseKind.COMPLAINT,
                _in(Case.created_at, start, end),
                Case.status != CaseStatus.CANCELLED,
            )
        )
    ).scalar_one()
    closure_hours = await _complaint_closure_hours(session, start, end)
    costs = await _cost_figures(session, start, end)
    closed = int(closures[0])
    metrics = [
        Metric("response_24h_pct", percent(response[1], response[0]), targets.response_pct, "%"),
        Metric("onsite_on_time_pct", percent(onsite[1], onsite[0]), targets.onsite_pct, "%"),
        Metric(
            "first_time_fix_pct", percent(closures[2], closures[1]), targets.first_fix_pct, "%"
        ),
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
    return ServiceReport(
        start=start,
        end=end,
        metrics=metrics,
        by_technician=await _by_technician(session, start, end),
        by_category=await _by_category(session, start, end),
    )


async def _survey_figures(session: AsyncSession, start: datetime, end: datetime) -> dict[str, int]:
    """Counts and sums of the surveys created in the range and of their answers."""
    in_range = _in(Survey.created_at, start, end)
    total = await session.scalar(select(func.count()).select_from(Survey).where(in_range))
    answered = await session.scalar(
        select(func.count(func.distinct(SurveyAnswer.survey_id)))
        .join(Survey, Survey.id == SurveyAnswer.survey_id)
        .where(in_range)
    )
    value = SurveyAnswer.value_int
    overall = (
        await session.execute(
            select(func.count(value), func.sum(value), _flag(value == 5))
            .join(Survey, Survey.id == SurveyAnswer.survey_id)
            .where(in_range, SurveyAnswer.question == Question.OVERALL)
        )
    ).one()
    nps = (
        await session.execute(
            select(func.count(value), _flag(value >= 9), _flag(value <= 6))
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
            _in(Case.closed_at, start, end),
        )
    )
    return None if average is None else round(float(average), 1)


def _cost() -> Any:
    """A case's parts + labour + travel, summed over its service reports."""
    row = ServiceReportRow
    return func.coalesce(func.sum(row.parts_cents + row.labour_cents + row.travel_cents), 0)


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
                func.sum(case((Case.warranty == Warranty.IN, _row_cost()), else_=0)),
                func.sum(case((Case.warranty == Warranty.OUT, _row_cost()), else_=0)),
            )
            .join(Case, Case.id == row.case_id)
            .where(_closed(start, end))
        )
    ).one()
    counts = (
        await session.execute(
            select(
                func.count(),
                _flag(Case.warranty == Warranty.IN),
                _flag(Case.warranty == Warranty.OUT),
            ).where(_closed(start, end))
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


def _row_cost() -> Any:
    """One service report's parts + labour + travel."""
    row = ServiceReportRow
    return row.parts_cents + row.labour_cents + row.travel_cents


async def _grouped(
    session: AsyncSession, group: Any, start: datetime, end: datetime
) -> dict[Any, dict[str, Any]]:
    """Closures, first-time fixes, on-time visits, satisfaction and cost, grouped."""
    rows: dict[Any, dict[str, Any]] = {}
    repeated = _repeated()
    closures = await session.execute(
        select(
            group,
            func.count(),
            _flag(_ftf_counted()),
            _flag(and_(_ftf_counted(), _first_time_fixed(repeated))),
            _flag(Case.onsite_due_at.is_not(None)),
            _flag(and_(Case.arrived_at.is_not(None), Case.arrived_at <= Case.onsite_due_at)),
        )
        .select_from(Case)
        .outerjoin(repeated, repeated.c.case_id == Case.id)
        .where(_closed(start, end))
        .group_by(group)
    )
    for key, closed, ftf_n, ftf_ok, visits, on_time in closures:
        rows[key] = {
            "closed": int(closed),
            "first_time_fix_pct": percent(ftf_ok, ftf_n),
            "onsite_on_time_pct": percent(on_time, visits),
            "avg_satisfaction": None,
            "complaints": 0,
            "cost_per_case": None,
        }
    costs = await session.execute(
        select(group, _cost())
        .join(ServiceReportRow, ServiceReportRow.case_id == Case.id)
        .where(_closed(start, end))
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
        .where(_closed(start, end), SurveyAnswer.question == Question.OVERALL)
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
            _in(complaint.created_at, start, end),
            complaint.status != CaseStatus.CANCELLED,
        )
        .group_by(group)
    )
    return {key: int(count) for key, count in result}


async def _by_technician(
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


async def _by_category(
    session: AsyncSession, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """One row per product category with a closure in the range ("" when unknown)."""
    grouped = await _grouped(session, Case.category, start, end)
    complaints = await _complaints_by(session, "category", start, end)
    result = await session.execute(
        select(Case.category, func.count())
        .where(
            Case.is_repeat.is_(True),
            _in(Case.created_at, start, end),
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
