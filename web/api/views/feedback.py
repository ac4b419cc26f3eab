"""Surveys and complaints (read), and the monthly service-standard report."""

from __future__ import annotations

from domain.metrics import month_range
from services.standards import targets_of
from storage.repos import api as api_rows
from storage.repos.standards import service_report
from web.api.calls import Call, split_page
from web.api.models_reads import (
    ComplaintOut,
    ComplaintPage,
    ComplaintQuery,
    MetricOut,
    ReportQuery,
    StandardsReport,
    SurveyOut,
    SurveyPage,
    SurveyQuery,
)


async def list_surveys(call: Call) -> SurveyPage:
    """Satisfaction surveys with their answers, newest first."""
    query = call.take(call.query, SurveyQuery)
    async with call.deps.reads() as session:
        rows = await api_rows.page_of_surveys(
            session,
            status=query.status,
            case_id=query.case_id,
            before_id=query.before_id,
            limit=query.limit,
        )
    shown, cursor = split_page(rows, query.limit, lambda row: row[0].id)
    return SurveyPage(
        items=[
            SurveyOut.model_validate({**survey.__dict__, "answers": answers})
            for survey, answers in shown
        ],
        next_cursor=cursor,
    )


async def list_complaints(call: Call) -> ComplaintPage:
    """Complaints with owner, root cause and corrective action, newest first."""
    query = call.take(call.query, ComplaintQuery)
    async with call.deps.reads() as session:
        rows = await api_rows.page_of_complaints(
            session,
            status=query.status,
            before_id=query.before_id,
            limit=query.limit,
        )
    shown, cursor = split_page(rows, query.limit, lambda case: case.id)
    return ComplaintPage(
        items=[
            ComplaintOut.model_validate({**case.__dict__, "about_case_id": case.parent_id})
            for case in shown
        ],
        next_cursor=cursor,
    )


async def standards_report(call: Call) -> StandardsReport:
    """The month's service-standard figures against their targets (as on the dashboard)."""
    deps = call.deps
    tz = deps.settings.tz
    now = deps.clock.now()
    month = call.take(call.query, ReportQuery).month or now.astimezone(tz).strftime("%Y-%m")
    start, end = month_range(month, tz)
    async with deps.reads() as session:
        report = await service_report(
            session, start=start, end=end, settings_targets=targets_of(deps.settings), as_of=now
        )
    return StandardsReport(
        month=month,
        start=start,
        end=end,
        metrics=[
            MetricOut(key=m.key, value=m.value, target=m.target, unit=m.unit, met=m.met)
            for m in report.metrics
        ],
        by_technician=report.by_technician,
        by_category=report.by_category,
    )
