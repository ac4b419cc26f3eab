"""The service file (服务档案): a customer's or a product's cases, surveys and change record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, CustomerChange, Product, Staff, Survey, SurveyAnswer
from storage.repos.rows import add as add_row


@dataclass(frozen=True)
class FileCase:
    """One case in a service file, with its product's serial and its technician's name."""

    case: Case
    product_id: int | None
    serial: str | None
    technician_name: str | None


@dataclass(frozen=True)
class FileSurvey:
    """A survey of one of the customer's cases, with its answers in the order given."""

    survey: Survey
    case_id: int
    case_number: str
    answers: list[SurveyAnswer]


@dataclass(frozen=True)
class FileChange:
    """One line of a customer's change record, with the name of the staff member."""

    change: CustomerChange
    staff_name: str | None


async def cases_of_customer(
    session: AsyncSession, *, customer_id: int, technician_id: int | None = None
) -> list[FileCase]:
    """Every case of a customer, newest first (only one technician's, when given)."""
    return await _file_cases(session, Case.customer_id == customer_id, technician_id)


async def cases_of_product(
    session: AsyncSession, *, product_id: int, technician_id: int | None = None
) -> list[FileCase]:
    """Every case on a product, newest first (only one technician's, when given)."""
    return await _file_cases(session, Case.product_id == product_id, technician_id)


async def _file_cases(
    session: AsyncSession, whose: ColumnElement[bool], technician_id: int | None
) -> list[FileCase]:
    """The cases matching `whose`, with product serial and technician name, newest first."""
    statement = (
        select(Case, Product.id, Product.serial, Staff.name)
        .outerjoin(Product, Product.id == Case.product_id)
        .outerjoin(Staff, Staff.id == Case.technician_id)
        .where(whose)
        .order_by(Case.created_at.desc(), Case.id.desc())
    )
    if technician_id is not None:
        statement = statement.where(Case.technician_id == technician_id)
    return [FileCase(*row) for row in await session.execute(statement)]


async def has_case_of(
    session: AsyncSession, *, technician_id: int, customer_id: int | None = None,
    product_id: int | None = None,
) -> bool:  # fmt: skip
    """Whether a technician holds or held a case of this customer or on this product."""
    statement = select(Case.id).where(Case.technician_id == technician_id).limit(1)
    if customer_id is not None:
        statement = statement.where(Case.customer_id == customer_id)
    if product_id is not None:
        statement = statement.where(Case.product_id == product_id)
    return await session.scalar(statement) is not None


async def surveys_of_customer(session: AsyncSession, *, customer_id: int) -> list[FileSurvey]:
    """A customer's surveys, newest first, each with its case number and answers."""
    rows = list(
        await session.execute(
            select(Survey, Case.number)
            .join(Case, Case.id == Survey.case_id)
            .where(Survey.customer_id == customer_id)
            .order_by(Survey.created_at.desc(), Survey.id.desc())
        )
    )
    ids = [survey.id for survey, _ in rows]
    answers: dict[int, list[SurveyAnswer]] = {survey_id: [] for survey_id in ids}
    if ids:
        for answer in await session.scalars(
            select(SurveyAnswer).where(SurveyAnswer.survey_id.in_(ids)).order_by(SurveyAnswer.id)
        ):
            answers[answer.survey_id].append(answer)
    return [
        FileSurvey(survey, survey.case_id, number, answers[survey.id]) for survey, number in rows
    ]


async def add_change(
    session: AsyncSession, *, customer_id: int, at: datetime, actor: str,
    staff_id: int | None, action: str, detail: str | None,
) -> CustomerChange:  # fmt: skip
    """Records one change made to a customer."""
    row = CustomerChange(
        customer_id=customer_id, at=at, actor=actor, staff_id=staff_id, action=action,
        detail=detail,
    )  # fmt: skip
    return await add_row(session, row)


async def changes_of(
    session: AsyncSession, *, customer_id: int, limit: int = 100
) -> list[FileChange]:
    """The newest changes made to a customer, with who made them."""
    rows = await session.execute(
        select(CustomerChange, Staff.name)
        .outerjoin(Staff, Staff.id == CustomerChange.staff_id)
        .where(CustomerChange.customer_id == customer_id)
        .order_by(CustomerChange.at.desc(), CustomerChange.id.desc())
        .limit(limit)
    )
    return [FileChange(change, name) for change, name in rows]
