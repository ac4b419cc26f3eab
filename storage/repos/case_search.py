"""The case list: every case, closed and cancelled too, by search text and filters, by page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, Customer, Product, Staff

SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class CaseQuery:
    """What the list is narrowed to; None means no narrowing by that field."""

    # Cleaned search text (no control characters): matched, case-insensitively, anywhere in
    # the case number, the customer's name, company or phone, or the product's serial.
    text: str | None = None
    # The text read as a phone number (E.164), and its digits alone, so "138 0013 8000" finds
    # "+8613800138000".
    phone: str | None = None
    digits: str | None = None
    status: str | None = None
    kind: str | None = None
    technician_id: int | None = None
    region: str | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None


@dataclass(frozen=True)
class CaseLine:
    """One row of the case list."""

    case: Case
    customer_name: str | None
    company: str | None
    phone: str | None
    serial: str | None
    technician_name: str | None


def _like(text: str) -> str:
    """A LIKE pattern matching the text anywhere, its wildcards taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _conditions(query: CaseQuery) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a query."""
    found: list[ColumnElement[bool]] = []
    if query.text:
        pattern = _like(query.text)
        matches: list[ColumnElement[bool]] = [
            Case.number.ilike(pattern, escape="\\"),
            Customer.name.ilike(pattern, escape="\\"),
            Customer.company.ilike(pattern, escape="\\"),
            Customer.phone.ilike(pattern, escape="\\"),
            Product.serial.ilike(pattern, escape="\\"),
        ]
        if query.phone:
            matches.append(Customer.phone == query.phone)
        if query.digits:
            matches.append(Customer.phone.like(_like(query.digits), escape="\\"))
        found.append(or_(*matches))
    if query.status:
        found.append(Case.status == query.status)
    if query.kind:
        found.append(Case.kind == query.kind)
    if query.technician_id is not None:
        found.append(Case.technician_id == query.technician_id)
    if query.region:
        found.append(Case.region == query.region)
    if query.created_from is not None:
        found.append(Case.created_at >= query.created_from)
    if query.created_before is not None:
        found.append(Case.created_at < query.created_before)
    return found


def _joined(statement: SelectT) -> SelectT:
    """The statement over cases with their customer, product and technician."""
    return (
        statement.select_from(Case)
        .join(Customer, Customer.id == Case.customer_id)
        .outerjoin(Product, Product.id == Case.product_id)
        .outerjoin(Staff, Staff.id == Case.technician_id)
    )


async def find_cases(
    session: AsyncSession, *, query: CaseQuery, offset: int, limit: int
) -> tuple[list[CaseLine], int]:
    """One page of matching cases, newest first (ties by id), and how many match in all."""
    where = _conditions(query)
    total = await session.scalar(_joined(select(func.count())).where(*where))
    rows = await session.execute(
        _joined(select(Case, Customer.name, Customer.company, Customer.phone, Product.serial))
        .add_columns(Staff.name)
        .where(*where)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .offset(offset)
        .limit(limit)
    )
    lines = [CaseLine(*row) for row in rows]
    return lines, int(total or 0)


async def case_regions(session: AsyncSession) -> list[str]:
    """Every region a case was ever in, for the list's filter."""
    rows = await session.scalars(
        select(Case.region).where(Case.region.is_not(None)).distinct().order_by(Case.region)
    )
    return [r for r in rows if r]
