"""Surveys: exactly one per closed case, scheduled at closure."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.policy import ServicePolicy
from domain.reminders import survey_clock
from storage.models import Case, Survey
from storage.repos import reminders


async def schedule_survey(
    session: AsyncSession, *, case: Case, now: datetime, policy: ServicePolicy
) -> Survey:
    """Creates the case's survey and its push, reminder and expiry rows (once per case)."""
    survey = await session.scalar(select(Survey).where(Survey.case_id == case.id))
    if survey is not None:
        return survey
    survey = Survey(
        case_id=case.id,
        customer_id=case.customer_id,
        status="scheduled",
        created_at=now,
        expires_at=now + policy.survey_expiry,
    )
    session.add(survey)
    await session.flush()
    await reminders.schedule_plan(session, case_id=case.id, plan=survey_clock(now, policy))
    return survey
