"""The monthly report's compliance counts (see domain.metrics for what each one counts).

Money or gifts asked for (the survey's question), supplier-part failures and their claims,
major quality problems, key-customer return visits done against due, assignments made to a
technician without a valid certificate, and re-repairs surveyed. Each is one COUNT over an
indexed timestamp of its rows in [start, end) (money: of the surveys created in the range).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.dispatch import CERT_EXPIRED, CERT_NONE
from domain.lifecycle import CaseKind
from domain.metrics import Metric
from domain.survey import YES, Question
from storage.models import Assignment, Case, ServiceReport, SupplierClaim, Survey, SurveyAnswer
from storage.repos.standard_populations import flag, within


def _count(key: str, value: int, *, ceiling: float | None = None) -> Metric:
    """A count; with a ceiling it is met at or under it (0: it must not happen)."""
    return Metric(
        key, float(value), ceiling, "count", higher_is_better=False, at_most=ceiling is not None
    )


async def compliance_metrics(
    session: AsyncSession, *, start: datetime, end: datetime
) -> list[Metric]:
    """The compliance counts of [start, end), in the report's order."""
    # Surveys of the month, as for the other survey figures (surveys.created_at is indexed).
    money = await session.scalar(
        select(func.count())
        .select_from(SurveyAnswer)
        .join(Survey, Survey.id == SurveyAnswer.survey_id)
        .where(
            within(Survey.created_at, start, end),
            SurveyAnswer.question == Question.MONEY,
            SurveyAnswer.value_int == YES,
        )
    )
    claims = (
        await session.execute(
            select(
                func.count(),
                flag(SupplierClaim.outcome == "open"),
                flag(SupplierClaim.outcome == "accepted"),
                flag(SupplierClaim.outcome.in_(("rejected", "withdrawn"))),
            ).where(within(SupplierClaim.opened_at, start, end))
        )
    ).one()
    major = await session.scalar(
        select(func.count())
        .select_from(ServiceReport)
        .where(ServiceReport.major_quality.is_(True), within(ServiceReport.filed_at, start, end))
    )
    visits = (
        await session.execute(
            select(func.count(), flag(Case.arrived_at.is_not(None))).where(
                Case.kind == CaseKind.RETURN_VISIT, within(Case.created_at, start, end)
            )
        )
    ).one()
    certificates = (
        await session.execute(
            select(
                flag(Assignment.certification == CERT_EXPIRED),
                flag(Assignment.certification == CERT_NONE),
            ).where(within(Assignment.assigned_at, start, end))
        )
    ).one()
    re_repairs = await session.scalar(
        select(func.count())
        .select_from(Survey)
        .where(Survey.repair_round > 0, within(Survey.created_at, start, end))
    )
    failures, still_open, accepted, refused = (int(v or 0) for v in claims)
    return [
        _count("money_reports", int(money or 0), ceiling=0.0),
        _count("supplier_part_failures", failures),
        _count("supplier_claims_open", still_open),
        _count("supplier_claims_accepted", accepted),
        _count("supplier_claims_refused", refused),
        _count("major_quality_problems", int(major or 0)),
        _count("key_visits_due", int(visits[0] or 0)),
        _count("key_visits_done", int(visits[1] or 0)),
        _count("assignments_cert_expired", int(certificates[0] or 0), ceiling=0.0),
        _count("assignments_cert_missing", int(certificates[1] or 0), ceiling=0.0),
        _count("re_repairs_surveyed", int(re_repairs or 0)),
    ]
