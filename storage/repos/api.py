"""Queries of the REST API: filtered pages of cases, surveys and complaints; customers by phone.

Pages are newest first and keyed by id (a cursor is the last id seen), so a page never
repeats or skips a row when new ones arrive between two calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.lifecycle import CaseKind
from storage.models import Case, Customer, Survey, SurveyAnswer
from storage.repos.rows import add as add_row


@dataclass(frozen=True)
class CaseQuery:
    """What a list of cases is narrowed to, and where the page starts."""

    status: str | None = None
    kind: str | None = None
    customer_id: int | None = None
    channel: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    before_id: int | None = None
    limit: int = 50


async def page_of_cases(session: AsyncSession, *, where: CaseQuery) -> list[Case]:
    """One page of cases matching the filters, newest first (one more than the limit: more?)."""
    statement = select(Case).order_by(Case.id.desc()).limit(where.limit + 1)
    if where.status is not None:
        statement = statement.where(Case.status == where.status)
    if where.kind is not None:
        statement = statement.where(Case.kind == where.kind)
    if where.customer_id is not None:
        statement = statement.where(Case.customer_id == where.customer_id)
    if where.channel is not None:
        statement = statement.where(Case.channel == where.channel)
    if where.created_from is not None:
        statement = statement.where(Case.created_at >= where.created_from)
    if where.created_to is not None:
        statement = statement.where(Case.created_at < where.created_to)
    if where.before_id is not None:
        statement = statement.where(Case.id < where.before_id)
    return list(await session.scalars(statement))


async def page_of_complaints(
    session: AsyncSession, *, status: str | None, before_id: int | None, limit: int
) -> list[Case]:
    """One page of complaint cases, newest first (one more than the limit)."""
    return await page_of_cases(
        session,
        where=CaseQuery(status=status, kind=CaseKind.COMPLAINT, before_id=before_id, limit=limit),
    )


async def page_of_surveys(
    session: AsyncSession, *, status: str | None, case_id: int | None, before_id: int | None,
    limit: int,
) -> list[tuple[Survey, dict[str, int | str | None]]]:  # fmt: skip
    """One page of surveys with their answers, newest first (one more than the limit)."""
    statement = select(Survey).order_by(Survey.id.desc()).limit(limit + 1)
    if status is not None:
        statement = statement.where(Survey.status == status)
    if case_id is not None:
        statement = statement.where(Survey.case_id == case_id)
    if before_id is not None:
        statement = statement.where(Survey.id < before_id)
    surveys = list(await session.scalars(statement))
    answers: dict[int, dict[str, int | str | None]] = {s.id: {} for s in surveys}
    if surveys:
        rows = await session.execute(
            select(
                SurveyAnswer.survey_id,
                SurveyAnswer.question,
                SurveyAnswer.value_int,
                SurveyAnswer.value_text,
            ).where(SurveyAnswer.survey_id.in_(list(answers)))
        )
        for survey_id, question, number, text in rows:
            answers[survey_id][question] = text if text is not None else number
    return [(s, answers[s.id]) for s in surveys]


async def customers_by_phone(session: AsyncSession, *, phone: str) -> list[Customer]:
    """Customers (not forgotten) with this normalised phone number."""
    rows = await session.scalars(
        select(Customer)
        .where(Customer.phone == phone, Customer.forgotten_at.is_(None))
        .order_by(Customer.id)
    )
    return list(rows)


async def add_customer(
    session: AsyncSession,
    *,
    name: str,
    phone: str | None,
    company: str | None,
    region: str | None,
    language: str,
    telegram_id: int | None,
    now: datetime,
) -> Customer:
    """A customer registered by another system (the CRM); no Telegram chat unless given."""
    customer = Customer(
        telegram_id=telegram_id,
        name=name,
        phone=phone,
        company=company,
        region=region,
        language=language,
        created_at=now,
        registered_at=now,
    )
    return await add_row(session, customer)


async def customer_by_telegram(session: AsyncSession, *, telegram_id: int) -> Customer | None:
    """The customer with this Telegram id, if any."""
    return await session.scalar(select(Customer).where(Customer.telegram_id == telegram_id))
