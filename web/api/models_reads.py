"""Bodies of /api/v1's read-only resources: technicians, surveys, complaints, the report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from web.api.models import Id, Out, Paged, Scalar, Strict, SurveyStatus

# Technicians, surveys, complaints, the report


class TechnicianOut(Out):
    """A technician with the current load and this month's punctuality and fixes."""

    id: int
    name: str
    regions: list[str]
    skills: list[str]
    open_jobs: int
    max_open_jobs: int
    visits_this_month: int
    on_time_this_month: int
    closed_this_month: int
    first_time_fixed_this_month: int


class TechnicianList(BaseModel):
    """Every active technician."""

    month: str
    items: list[TechnicianOut]


class SurveyQuery(Paged):
    """Filters of the survey list."""

    status: SurveyStatus | None = None
    case_id: Id | None = None


class SurveyOut(Out):
    """A satisfaction survey and the answers given."""

    id: int
    case_id: int
    customer_id: int
    status: str
    created_at: datetime
    sent_at: datetime | None
    completed_at: datetime | None
    expires_at: datetime
    complaint_id: int | None
    answers: dict[str, int | str | None]


class SurveyPage(BaseModel):
    """A page of surveys, newest first."""

    items: list[SurveyOut]
    next_cursor: str | None


class ComplaintQuery(Paged):
    """Filters of the complaint list."""

    status: Literal["new", "closed"] | None = None


class ComplaintOut(Out):
    """A complaint, tracked to closure with its root cause."""

    id: int
    number: str
    status: str
    severity: str
    about_case_id: int | None
    owner_id: int | None
    description: str
    root_cause: str | None
    corrective_action: str | None
    handling_satisfied: bool | None
    created_at: datetime
    response_due_at: datetime
    closed_at: datetime | None


class ComplaintPage(BaseModel):
    """A page of complaints, newest first."""

    items: list[ComplaintOut]
    next_cursor: str | None


class ReportQuery(Strict):
    """Which month (local calendar month; default the current one)."""

    month: Annotated[str, Field(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")] | None = None


class MetricOut(Out):
    """One figure against its target (money in cents)."""

    key: str
    value: float | None
    target: float | None
    unit: str
    met: bool | None


class StandardsReport(BaseModel):
    """The monthly service-standard report: the dashboard's figures."""

    month: str
    start: datetime
    end: datetime
    metrics: list[MetricOut]
    by_technician: list[dict[str, Scalar]]
    by_category: list[dict[str, Scalar]]
