"""Queries and writes the scheduler needs: staff audiences, digest numbers, key customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Message
from domain.lifecycle import OPEN_STATUSES, CaseStatus
from storage.models import Case, OutboxMessage, Staff
from storage.repos import cases as case_rows
from storage.repos import outbox, people

DEAD_NOTICE = "outbox-dead"
# Before the technician is on site: the statuses in which the on-site deadline can still be met.
BEFORE_SITE = (CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.ACCEPTED)


async def admin_recipients(
    session: AsyncSession, *, admin_ids: list[int], default_language: str
) -> list[tuple[int, str]]:
    """Admins to tell about delivery problems: settings' ids and admin staff, with languages."""
    recipients: dict[int, str] = {}
    for staff in await people.staff_with_role(session, role="admin"):
        recipients[staff.telegram_id] = staff.language
    for telegram_id in admin_ids:
        if telegram_id not in recipients:
            known = await people.staff_by_telegram_id(session, telegram_id=telegram_id)
            recipients[telegram_id] = known.language if known else default_language
    return sorted(recipients.items())


async def tell_admins_of_dead(
    session: AsyncSession,
    *,
    row: OutboxMessage,
    error: str,
    admin_ids: list[int],
    default_language: str,
    now: datetime,
) -> int:
    """Queues a notice of a dead message to each admin; never for a dead notice itself."""
    if row.dedupe_key.startswith(f"{DEAD_NOTICE}:"):
        return 0  # the admin's own chat is failing: telling them again would loop
    number = None
    if row.case_id is not None:
        number = await case_rows.number_of(session, case_id=row.case_id)
    message = Message(
        "scheduler.outbox.dead",
        {"id": row.id, "chat_id": row.chat_id, "case": number or "-", "error": error[:300]},
    )
    queued = 0
    for telegram_id, language in await admin_recipients(
        session, admin_ids=admin_ids, default_language=default_language
    ):
        if telegram_id == row.chat_id:
            continue
        queued += await outbox.enqueue(
            session,
            chat_id=telegram_id,
            message=message,
            language=language,
            dedupe_key=f"{DEAD_NOTICE}:{row.id}:admin:{telegram_id}",
            now=now,
        )
    return queued


@dataclass(frozen=True)
class DigestNumbers:
    """Yesterday's numbers and today's open risks, for the supervisors' morning digest."""

    new: int
    closed: int
    response_breaches: int
    onsite_breaches: int
    due_today: list[Case] = field(default_factory=list)
    overdue: list[Case] = field(default_factory=list)
    unanswered: list[Case] = field(default_factory=list)


async def _count(session: AsyncSession, *conditions: object) -> int:
    """How many cases meet the conditions."""
    return int(await session.scalar(select(func.count(Case.id)).where(*conditions)) or 0)  # type: ignore[arg-type]


async def _cases(session: AsyncSession, *conditions: object) -> list[Case]:
    """Open cases meeting the conditions, soonest deadline first (at most 50)."""
    rows = await session.scalars(
        select(Case)
        .where(Case.status.in_(list(OPEN_STATUSES)), *conditions)  # type: ignore[arg-type]
        .order_by(Case.onsite_due_at, Case.id)
        .limit(50)
    )
    return list(rows)


async def digest_numbers(
    session: AsyncSession,
    *,
    yesterday_start: datetime,
    today_start: datetime,
    tomorrow_start: datetime,
    now: datetime,
) -> DigestNumbers:
    """Counts of yesterday (local day bounds in UTC) and today's open risks."""
    return DigestNumbers(
        new=await _count(
            session, Case.created_at >= yesterday_start, Case.created_at < today_start
        ),
        closed=await _count(
            session, Case.closed_at >= yesterday_start, Case.closed_at < today_start
        ),
        response_breaches=await _count(
            session,
            Case.response_due_at >= yesterday_start,
            Case.response_due_at < today_start,
            or_(Case.responded_at.is_(None), Case.responded_at > Case.response_due_at),
        ),
        onsite_breaches=await _count(
            session,
            Case.onsite_due_at >= yesterday_start,
            Case.onsite_due_at < today_start,
            Case.status != CaseStatus.CANCELLED,
            or_(Case.arrived_at.is_(None), Case.arrived_at > Case.onsite_due_at),
        ),
        due_today=await _cases(
            session,
            Case.onsite_due_at >= now,
            Case.onsite_due_at < tomorrow_start,
            Case.arrived_at.is_(None),
            Case.status.in_(list(BEFORE_SITE)),
        ),
        overdue=await _cases(
            session,
            Case.onsite_due_at < now,
            Case.arrived_at.is_(None),
            Case.status.in_(list(BEFORE_SITE)),
        ),
        unanswered=await _cases(
            session,
            Case.response_due_at < now,
            Case.responded_at.is_(None),
            Case.status == CaseStatus.NEW,
        ),
    )


async def technician_of(session: AsyncSession, *, case: Case) -> Staff | None:
    """The technician assigned to a case, if any."""
    if case.technician_id is None:
        return None
    return await people.get_staff_by_id(session, staff_id=case.technician_id)
