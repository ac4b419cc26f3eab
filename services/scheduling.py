"""What the scheduler asks of the services: who the admins are, telling them of dead messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Message
from storage.models import Case, OutboxMessage, Staff
from storage.repos import cases as case_rows
from storage.repos import outbox, people

DEAD_NOTICE = "outbox-dead"


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


async def technician_of(session: AsyncSession, *, case: Case) -> Staff | None:
    """The technician assigned to a case, if any."""
    if case.technician_id is None:
        return None
    return await people.get_staff_by_id(session, staff_id=case.technician_id)
