"""The registers the dashboard exports as CSV: rows of plain values for a time range."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    Assignment,
    Case,
    Customer,
    Product,
    ServiceReport,
    Staff,
    Survey,
    SurveyAnswer,
)

Row = tuple[Any, ...]

INTAKE = (
    "number", "created_at", "kind", "channel", "status", "customer", "phone", "company", "region",
    "serial", "model", "warranty", "description", "response_due_at", "responded_at",
    "onsite_due_at", "arrived_at", "closed_at",
)  # fmt: skip
DISPATCH = (
    "number", "technician", "assigned_by", "assigned_at", "accepted_at", "ended_at",
    "end_reason",
)  # fmt: skip
COSTS = (
    "number", "filed_at", "technician", "warranty", "parts_cents", "labour_hours",
    "labour_cents", "travel_cents", "customer_cost_cents", "root_cause", "fixed",
)  # fmt: skip
SURVEYS = ("number", "survey_status", "completed_at", "question", "value_int", "value_text")
COMPLAINTS = (
    "number", "created_at", "status", "customer", "company", "about", "description",
    "owner", "root_cause", "corrective_action", "closed_at",
)  # fmt: skip


async def intake(session: AsyncSession, *, start: datetime, end: datetime) -> list[Row]:
    """The intake register: every case registered in [start, end)."""
    rows = await session.execute(
        select(
            Case.number,
            Case.created_at,
            Case.kind,
            Case.channel,
            Case.status,
            Customer.name,
            Customer.phone,
            Customer.company,
            Case.region,
            Product.serial,
            Product.model,
            Case.warranty,
            Case.description,
            Case.response_due_at,
            Case.responded_at,
            Case.onsite_due_at,
            Case.arrived_at,
            Case.closed_at,
        )
        .join(Customer, Customer.id == Case.customer_id)
        .outerjoin(Product, Product.id == Case.product_id)
        .where(Case.created_at >= start, Case.created_at < end)
        .order_by(Case.created_at, Case.id)
    )
    return [tuple(r) for r in rows]


async def dispatch(session: AsyncSession, *, start: datetime, end: datetime) -> list[Row]:
    """The dispatch register: every assignment made in [start, end)."""
    technician = aliased(Staff)
    dispatcher = aliased(Staff)
    rows = await session.execute(
        select(
            Case.number,
            technician.name,
            dispatcher.name,
            Assignment.assigned_at,
            Assignment.accepted_at,
            Assignment.ended_at,
            Assignment.end_reason,
        )
        .join(Case, Case.id == Assignment.case_id)
        .join(technician, technician.id == Assignment.technician_id)
        .outerjoin(dispatcher, dispatcher.id == Assignment.assigned_by)
        .where(Assignment.assigned_at >= start, Assignment.assigned_at < end)
        .order_by(Assignment.assigned_at, Assignment.id)
    )
    return [tuple(r) for r in rows]


async def costs(session: AsyncSession, *, start: datetime, end: datetime) -> list[Row]:
    """The cost report: every service report filed in [start, end)."""
    rows = await session.execute(
        select(
            Case.number,
            ServiceReport.filed_at,
            Staff.name,
            ServiceReport.warranty,
            ServiceReport.parts_cents,
            ServiceReport.labour_hours,
            ServiceReport.labour_cents,
            ServiceReport.travel_cents,
            ServiceReport.customer_cost_cents,
            ServiceReport.root_cause,
            ServiceReport.fixed,
        )
        .join(Case, Case.id == ServiceReport.case_id)
        .join(Staff, Staff.id == ServiceReport.technician_id)
        .where(ServiceReport.filed_at >= start, ServiceReport.filed_at < end)
        .order_by(ServiceReport.filed_at, ServiceReport.id)
    )
    return [tuple(r) for r in rows]


async def surveys(session: AsyncSession, *, start: datetime, end: datetime) -> list[Row]:
    """Survey answers given in [start, end), one row per answered question."""
    rows = await session.execute(
        select(
            Case.number,
            Survey.status,
            Survey.completed_at,
            SurveyAnswer.question,
            SurveyAnswer.value_int,
            SurveyAnswer.value_text,
        )
        .join(Survey, Survey.id == SurveyAnswer.survey_id)
        .join(Case, Case.id == Survey.case_id)
        .where(SurveyAnswer.answered_at >= start, SurveyAnswer.answered_at < end)
        .order_by(SurveyAnswer.answered_at, SurveyAnswer.id)
    )
    return [tuple(r) for r in rows]


async def complaints(session: AsyncSession, *, start: datetime, end: datetime) -> list[Row]:
    """Complaint cases registered in [start, end), with the case they are about."""
    parent = aliased(Case)
    rows = await session.execute(
        select(
            Case.number,
            Case.created_at,
            Case.status,
            Customer.name,
            Customer.company,
            parent.number,
            Case.description,
            Staff.name,
            Case.root_cause,
            Case.corrective_action,
            Case.closed_at,
        )
        .join(Customer, Customer.id == Case.customer_id)
        .outerjoin(parent, parent.id == Case.parent_id)
        .outerjoin(Staff, Staff.id == Case.owner_id)
        .where(Case.kind == "complaint", Case.created_at >= start, Case.created_at < end)
        .order_by(Case.created_at, Case.id)
    )
    return [tuple(r) for r in rows]


Query = Callable[..., Awaitable[list[Row]]]

REGISTERS: dict[str, tuple[tuple[str, ...], Query]] = {
    "intake": (INTAKE, intake),
    "dispatch": (DISPATCH, dispatch),
    "costs": (COSTS, costs),
    "surveys": (SURVEYS, surveys),
    "complaints": (COMPLAINTS, complaints),
}
